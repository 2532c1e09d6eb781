import { expect } from 'chai';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeProject, repoRoot, runCli } from '../support/cli.js';

const migration = (from: string, to: string, up: string) =>
  `export default { from: '${from}', to: '${to}', up: ${up} };\n`;

const schemas = (v12: string, extra = '') => `import * as t from 'io-ts';
export const codecs = {
  '1.0.0': t.type({ title: t.string }),
  '1.1.0': t.type({ title: t.string, tags: t.array(t.string) }),
  '1.2.0': ${v12},
};
${extra}`;

const V12 =
  't.type({ title: t.string, tags: t.array(t.string), theme: t.keyof({ light: null, dark: null }) })';

describe('migraph snapshot and check --snapshots', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs': migration('1.0.0', '1.1.0', '(s) => ({ ...s, tags: [] })'),
      'migrations/v1_1_0_to_v1_2_0.mjs': migration(
        '1.1.0',
        '1.2.0',
        "(s) => ({ ...s, theme: 'light' })",
      ),
      'migrations/schemas.mjs': schemas(V12),
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a snapshot per version, then rewrites nothing, and check passes', async () => {
    const first = await runCli(['snapshot'], dir);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout)
      .to.include('wrote schemas/1.2.0.json')
      .and.include('3 snapshot(s) written, 0 unchanged');
    const mtime = statSync(path.join(dir, 'schemas', '1.2.0.json')).mtimeMs;
    const second = await runCli(['snapshot'], dir);
    expect(second.stdout).to.equal('0 snapshot(s) written, 3 unchanged\n');
    expect(statSync(path.join(dir, 'schemas', '1.2.0.json')).mtimeMs).to.equal(mtime);
    const checked = await runCli(['check', '--snapshots', 'schemas'], dir);
    expect(checked.code, checked.stdout + checked.stderr).to.equal(0);
  });

  it('fails check with a field-level diff when a codec changed without a new version', async () => {
    await runCli(['snapshot'], dir);
    writeFileSync(
      path.join(dir, 'migrations', 'schemas.mjs'),
      schemas(
        't.type({ title: t.string, tags: t.array(t.string), theme: t.string, font: t.number })',
      ),
    );
    const checked = await runCli(['check', '--snapshots', 'schemas'], dir);
    expect(checked.code).to.equal(1);
    expect(checked.stdout).to.include(
      "error snapshot-drift: 1.2.0 changed without a new version: `font` added (number, required); `theme` type changed ('dark' | 'light' → string)",
    );
    // Without --snapshots, check knows nothing of them.
    expect((await runCli(['check'], dir)).code).to.equal(0);
  });

  it('fails check on a version without a snapshot, and on a snapshot whose version left the graph unless retired', async () => {
    await runCli(['snapshot'], dir);
    rmSync(path.join(dir, 'schemas', '1.2.0.json'));
    rmSync(path.join(dir, 'migrations', 'v1_0_0_to_v1_1_0.mjs'));
    const checked = await runCli(['check', '--snapshots', 'schemas'], dir);
    expect(checked.code).to.equal(1);
    expect(checked.stdout).to.include(
      'error snapshot-left-graph: 1.0.0 has a snapshot but is no longer in the graph',
    );
    expect(checked.stdout).to.include('error snapshot-missing: 1.2.0 has a codec but no snapshot');
    await runCli(['snapshot'], dir);
    expect((await runCli(['check', '--snapshots', 'schemas'], dir)).code).to.equal(1);
    expect(
      (await runCli(['check', '--snapshots', 'schemas', '--allow-retired'], dir)).code,
    ).to.equal(0);
    writeFileSync(
      path.join(dir, 'migrations', 'schemas.mjs'),
      schemas(V12, "export const retired = ['1.0.0'];\n"),
    );
    const retired = await runCli(['check', '--snapshots', 'schemas'], dir);
    expect(retired.code, retired.stdout).to.equal(0);
  });

  it("keeps the shipped AgentState versions' committed snapshots current", async () => {
    const checked = await runCli(
      [
        '--dir',
        path.join(repoRoot, 'dist', 'migrations'),
        'check',
        '--snapshots',
        path.join(repoRoot, 'schemas'),
      ],
      repoRoot,
    );
    expect(checked.code, checked.stdout + checked.stderr).to.equal(0);
    const files = ['1.0.0', '1.1.0'].map((v) =>
      readFileSync(path.join(repoRoot, 'schemas', `${v}.json`), 'utf8'),
    );
    for (const file of files) expect(JSON.parse(file)).to.have.keys('version', 'hash', 'schema');
  });

  describe('migraph test --snapshots', () => {
    const project = (down: string, withV1Codec: boolean) =>
      makeProject({
        'migrations/v1_0_0_to_v1_1_0.mjs': `export default { from: '1.0.0', to: '1.1.0', up: (s) => ({ ...s, tags: [s.title] }), down: ${down} };\n`,
        'migrations/schemas.mjs': `import * as t from 'io-ts';
export const codecs = {
${withV1Codec ? "  '1.0.0': t.type({ title: t.string, size: t.union([t.number, t.null]) })," : ''}
  '1.1.0': t.type({ title: t.string, size: t.union([t.number, t.null]), tags: t.array(t.string) }),
};
`,
      });
    const goodDown = '({ tags, ...s }) => s';

    it("round-trips a retired version's reverse migration from its snapshot after its codec is deleted", async () => {
      const app = project(goodDown, true);
      try {
        expect((await runCli(['snapshot'], app)).code).to.equal(0);
        writeFileSync(
          path.join(app, 'migrations', 'schemas.mjs'),
          readFileSync(path.join(app, 'migrations', 'schemas.mjs'), 'utf8').replace(
            /^ {2}'1\.0\.0'.*\n/m,
            '',
          ),
        );
        const without = await runCli(['test', '--runs', '50', '--seed', '3'], app);
        expect(without.stdout).to.match(/skip +edge 1\.0\.0 -> 1\.1\.0 -> 1\.0\.0/);
        const withSnapshots = await runCli(
          ['test', '--runs', '50', '--seed', '3', '--snapshots', 'schemas'],
          app,
        );
        expect(withSnapshots.code, withSnapshots.stdout + withSnapshots.stderr).to.equal(0);
        expect(withSnapshots.stdout).to.match(
          /ok +edge 1\.0\.0 -> 1\.1\.0 -> 1\.0\.0 +\(50 runs\)/,
        );
        // The graph lint warns of the missing codec, but not where its snapshot keeps it.
        const lint = (await runCli(['check'], app)).stdout;
        expect(lint).to.include('warning missing-schema: Version 1.0.0 has no codec');
        const kept = await runCli(['check', '--snapshots', 'schemas'], app);
        expect(kept.code, kept.stdout + kept.stderr).to.equal(0);
        expect(kept.stdout).to.not.include('missing-schema');
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
    });

    it('finds a down that forgets a field of a retired version, with a shrunk counterexample', async () => {
      const app = project('({ tags, size, ...s }) => s', true);
      try {
        await runCli(['snapshot'], app);
        writeFileSync(
          path.join(app, 'migrations', 'schemas.mjs'),
          readFileSync(path.join(app, 'migrations', 'schemas.mjs'), 'utf8').replace(
            /^ {2}'1\.0\.0'.*\n/m,
            '',
          ),
        );
        const run = await runCli(
          ['test', '--runs', '50', '--seed', '3', '--snapshots', 'schemas'],
          app,
        );
        expect(run.code).to.equal(1);
        expect(run.stdout).to.match(/FAIL +edge 1\.0\.0 -> 1\.1\.0 -> 1\.0\.0/);
        expect(run.stdout).to.include('size');
        expect(run.stdout).to.include("must have required property 'size' (snapshot of 1.0.0)");
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
    });

    it('refuses a snapshot directory with no snapshots', async () => {
      const run = await runCli(['test', '--snapshots', 'nowhere'], dir);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.include('No schema snapshots in nowhere');
    });
  });
});
