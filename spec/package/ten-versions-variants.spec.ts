// The ten-version example in four variants (io-ts, zod 4, valibot 1, arktype 2), through the
// built binary (run `npm run build` first): the same checks, round trips, snapshots and
// seeded mistake, whatever library writes the schemas (§15).
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { diffSchemas, type JsonSchema } from '../../lib/core/index.js';
import { repoRoot, runCli } from '../support/cli.js';

const variants = [
  'ten-versions',
  'ten-versions-zod',
  'ten-versions-valibot',
  'ten-versions-arktype',
];
const migrationsOf = (variant: string) => path.join(repoRoot, 'examples', variant, 'migrations');

interface SnapshotFile {
  readonly version: string;
  readonly hash: string;
  readonly schema: JsonSchema;
}
const readSnapshotDir = (dir: string): Map<string, SnapshotFile> =>
  new Map(
    readdirSync(dir)
      .sort()
      .map((file) => {
        const snapshot = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as SnapshotFile;
        return [snapshot.version, snapshot];
      }),
  );

// The io-ts variant's `down` of 1.0.0 -> 1.1.0, but forgetting the optional `tags`.
const forgetfulDown = `export default {
  from: '1.0.0',
  to: '1.1.0',
  description: 'Add notification settings',
  up: (s: Record<string, unknown>) => ({ ...s, notifications: { email: true } }),
  down: ({ notifications: _n, tags: _t, ...s }: Record<string, unknown>) => s,
};
`;

describe('the ten-version example in io-ts, zod, valibot and arktype', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'migraph-variants-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('every variant passes migraph check', async () => {
    for (const variant of variants) {
      const run = await runCli(['check', '--dir', migrationsOf(variant)], repoRoot);
      expect(run.code, `${variant}: ${run.stdout}${run.stderr}`).to.equal(0);
      expect(run.stdout).to.contain('10 version(s), 18 edge(s): 0 error(s), 0 warning(s)');
    }
  });

  it('every variant round-trips the same 9 edges and 36 paths with migraph test', async () => {
    const summaries: string[] = [];
    for (const variant of variants) {
      const args = ['test', '--dir', migrationsOf(variant), '--runs', '50', '--seed', '1'];
      const run = await runCli(args, repoRoot);
      expect(run.code, `${variant}: ${run.stdout}${run.stderr}`).to.equal(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(
        lines.slice(0, -1).every((line) => line.startsWith('ok    ')),
        variant,
      ).to.equal(true);
      summaries.push(lines.at(-1)!);
    }
    expect(summaries).to.deep.equal(
      variants.map(
        () => '9 edges, 36 paths: 45 passed, 0 failed, 0 skipped (50 runs each, seed 1)',
      ),
    );
  });

  it('every variant snapshots the same schemas: same fields, types and requiredness, same hashes', async () => {
    const sets = new Map<string, Map<string, SnapshotFile>>();
    for (const variant of variants) {
      const out = path.join(tmp, `schemas-${variant}`);
      const run = await runCli(
        ['snapshot', '--dir', migrationsOf(variant), '--out', out],
        repoRoot,
      );
      expect(run.code, `${variant}: ${run.stderr}`).to.equal(0);
      sets.set(variant, readSnapshotDir(out));
    }
    const reference = sets.get('ten-versions')!;
    expect([...reference.keys()]).to.have.length(10);
    for (const variant of variants.slice(1)) {
      const set = sets.get(variant)!;
      expect([...set.keys()], variant).to.deep.equal([...reference.keys()]);
      for (const [version, snapshot] of reference) {
        const other = set.get(version)!;
        expect(diffSchemas(snapshot.schema, other.schema), `${variant} ${version}`).to.deep.equal(
          [],
        );
        expect(other.hash, `${variant} ${version}`).to.equal(snapshot.hash);
      }
    }
    // So the io-ts variant's snapshots pass the drift check of every other variant.
    for (const variant of variants.slice(1)) {
      const args = [
        'check',
        '--dir',
        migrationsOf(variant),
        '--snapshots',
        path.join(tmp, 'schemas-ten-versions'),
      ];
      const run = await runCli(args, repoRoot);
      expect(run.code, `${variant}: ${run.stdout}${run.stderr}`).to.equal(0);
    }
  });

  it('every variant finds the same seeded mistake, a down that forgets a field, with a shrunk counterexample', async () => {
    const shared = migrationsOf('ten-versions');
    const seeded = mkdtempSync(path.join(tmp, 'seeded-'));
    for (const file of readdirSync(shared).filter((f) => /^v\d.*\.ts$/.test(f))) {
      writeFileSync(
        path.join(seeded, file),
        file === 'v1_0_0_to_v1_1_0.ts'
          ? forgetfulDown
          : `export { default } from ${JSON.stringify(path.join(shared, file))};\n`,
      );
    }
    for (const variant of variants) {
      const schemas = path.join(migrationsOf(variant), 'schemas.ts');
      const args = ['test', '--dir', seeded, '--schemas', schemas, '--runs', '50', '--seed', '1'];
      const run = await runCli(args, repoRoot);
      expect(run.code, `${variant}: ${run.stderr}`).to.equal(1);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0], variant).to.match(
        /^FAIL {2}edge 1\.0\.0 -> 1\.1\.0 -> 1\.0\.0 {2}\(failed after \d+ runs?, shrunk \d+ times?\)$/,
      );
      expect(lines.slice(1, 3), variant).to.deep.equal([
        "      Data was not preserved: field 'tags' differs after 1.0.0 -> 1.1.0 -> 1.0.0",
        '      tags: expected [], got (absent)',
      ]);
      const counterexample = JSON.parse(lines[3]!.replace(/^ +counterexample: /, '')) as {
        theme: string;
      };
      expect(counterexample, variant).to.deep.equal({
        state_version: '1.0.0',
        name: '',
        email: '',
        theme: counterexample.theme,
        tags: [],
      });
      expect(['light', 'dark']).to.include(counterexample.theme);
    }
  });
});
