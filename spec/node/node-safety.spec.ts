// The node layer's side of safety (SPEC §5, §9): a loader that survives scripts that hang or
// exit and says why TypeScript did not load, and a worker pool where one bad state fails
// alone, threads start as work arrives and closing never crashes the process.
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MigrationPool, Migrator, loadMigrationsInto } from '../../lib/index.js';
import { repoRoot } from '../support/cli.js';

const dist = (entry: string) =>
  JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/lib', entry)).href);

/** Runs an ES module script with plain `node` (no tsx loader), from `dir`. */
const runNode = (dir: string, source: string, args: string[] = []) => {
  const script = path.join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, source);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...args, script], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
};

const MIGRATION = `export default { from: '1.0.0', to: '2.0.0', up: (s) => ({ ...s, migrated: true }) };\n`;

describe('node layer safety', function () {
  this.timeout(60_000);
  let dir: string;
  let migrations: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'migraph-node-safety-'));
    migrations = path.join(dir, 'migrations');
    mkdirSync(migrations);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('loader', () => {
    it('gives up on a script that never finishes loading, after timeoutMs, and loads the others', async () => {
      writeFileSync(
        path.join(migrations, 'v1_0_0_to_v2_0_0.mjs'),
        `await new Promise(() => {});\n${MIGRATION}`,
      );
      writeFileSync(
        path.join(migrations, 'v2_0_0_to_v3_0_0.mjs'),
        `export default { from: '2.0.0', to: '3.0.0', up: (s) => s };\n`,
      );
      const report = await loadMigrationsInto(new Migrator(), migrations, { timeoutMs: 100 });
      expect(report.loaded).to.equal(1);
      expect(report.files[0]).to.include({ status: 'failed' });
      expect(report.files[0]!.problem).to.include('did not finish loading within 0.1 s');
    });

    it('refuses a script that calls process.exit while loading; the process goes on', async () => {
      writeFileSync(
        path.join(migrations, 'v1_0_0_to_v2_0_0.mjs'),
        `process.exit(0);\n${MIGRATION}`,
      );
      const run = await runNode(
        dir,
        `import { Migrator, loadMigrationsInto } from ${dist('index.js')};
const report = await loadMigrationsInto(new Migrator(), 'migrations');
console.log(JSON.stringify(report.files));
process.exitCode = 7;
`,
      );
      expect(run.code, run.stderr).to.equal(7);
      const [file] = JSON.parse(run.stdout) as { status: string; problem: string }[];
      expect(file).to.deep.include({ status: 'failed' });
      expect(file!.problem).to.include('called process.exit(0) while loading');
    });

    it('loads .ts scripts in plain node through tsx, and says to install tsx when it is missing', async () => {
      writeFileSync(
        path.join(migrations, 'v1_0_0_to_v2_0_0.ts'),
        `export default { from: '1.0.0', to: '2.0.0', up: (s: { n: number }) => ({ ...s, n: s.n + 1 }) };\n`,
      );
      const source = `import { Migrator, loadMigrationsInto } from ${dist('index.js')};
const report = await loadMigrationsInto(new Migrator(), 'migrations');
console.log(JSON.stringify({ loaded: report.loaded, problems: report.files.map((f) => f.problem ?? '') }));
`;
      const plain = await runNode(dir, source);
      expect(plain.code, plain.stderr).to.equal(0);
      expect(JSON.parse(plain.stdout)).to.deep.equal({ loaded: 1, problems: [''] });
      // A resolve hook that makes tsx impossible to find, as when it is not installed.
      writeFileSync(
        path.join(dir, 'no-tsx.mjs'),
        `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('tsx')) throw Object.assign(new Error('Cannot find package tsx'), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}
`,
      );
      writeFileSync(
        path.join(dir, 'register.mjs'),
        `import { register } from 'node:module';\nregister('./no-tsx.mjs', import.meta.url);\n`,
      );
      const without = await runNode(dir, source, ['--import', './register.mjs']);
      expect(without.code, without.stderr).to.equal(0);
      const result = JSON.parse(without.stdout) as { loaded: number; problems: string[] };
      expect(result.loaded).to.equal(0);
      expect(result.problems[0]).to.include('needs tsx').and.include('npm install --save-dev tsx');
    });
  });

  describe('MigrationPool', () => {
    beforeEach(() => writeFileSync(path.join(migrations, 'v1_0_0_to_v2_0_0.mjs'), MIGRATION));

    it('caps threads at the available parallelism and starts none before work arrives', async () => {
      const pool = new MigrationPool({ dir: migrations, threads: 1000 });
      try {
        expect(pool.threads).to.equal(availableParallelism());
        expect(pool.startedThreads).to.equal(0);
        const lines = await pool.migrateLines(['{"state_version":"1.0.0"}'], '2.0.0');
        expect(lines).to.deep.equal(E.right(['{"state_version":"2.0.0","migrated":true}']));
        expect(pool.startedThreads).to.be.within(1, availableParallelism());
      } finally {
        await pool.close();
      }
    });

    it('fails a state that cannot be cloned alone, and close() right after a break does not crash', async () => {
      const run = await runNode(
        dir,
        `import { MigrationPool } from ${dist('index.js')};
const pool = new MigrationPool({ dir: 'migrations', threads: 2 });
const states = Array.from({ length: 200 }, (_, i) => ({ state_version: '1.0.0', i, ...(i === 5 ? { f: () => 1 } : {}) }));
const failed = [];
let done = 0;
for await (const r of pool.migrateMany(states, '2.0.0', { batchSize: 10 })) {
  done++;
  if (r._tag === 'Left') failed.push(r.left.name + ': ' + r.left.message);
}
for await (const r of pool.migrateMany(states.slice(6), '2.0.0', { batchSize: 10 })) break;
await pool.close();
await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({ done, failed }));
`,
      );
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.equal('');
      const { done, failed } = JSON.parse(run.stdout) as { done: number; failed: string[] };
      expect(done).to.equal(200);
      expect(failed).to.have.length(1);
      expect(failed[0]).to.match(
        /^StateVersionError: The state cannot be passed to or from a worker thread/,
      );
    });
  });
});
