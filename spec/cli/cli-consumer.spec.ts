// The `migraph` command as a consumer project gets it: the packed tarball installed in
// node_modules with its dependencies and none of its optional peers (no fast-check, no tsx),
// run on the migrations it ships and on a project without a migrations directory, with the
// README's commands as written.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, type CliRun } from '../support/cli.js';

const run = (command: string, args: readonly string[], cwd: string): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('migraph in a consumer project, without its optional peers', function () {
  this.timeout(120_000);
  let work: string;
  let consumer: string;
  /** `npx migraph …` in the consumer: the installed package's binary. */
  const migraph = (...args: string[]) =>
    run(process.execPath, [path.join('node_modules', '.bin', 'migraph'), ...args], consumer);
  const shipped = ['--dir', 'node_modules/migraph/dist/migrations'];

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'migraph-consumer-'));
    const pack = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
      repoRoot,
    );
    expect(pack.code, pack.stderr).to.equal(0);
    const [report] = JSON.parse(pack.stdout) as [{ filename: string }];
    const tar = await run('tar', ['-xzf', path.join(work, report.filename), '-C', work], work);
    expect(tar.code, tar.stderr).to.equal(0);
    consumer = path.join(work, 'consumer');
    const modules = path.join(consumer, 'node_modules');
    cpSync(path.join(work, 'package'), path.join(modules, 'migraph'), { recursive: true });
    // The dependencies npm would install, and nothing else: no fast-check, tsx, pg…
    for (const name of Object.keys(manifest.dependencies)) {
      mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(modules, name), 'dir');
    }
    mkdirSync(path.join(modules, '.bin'));
    symlinkSync('../migraph/dist/lib/cli/bin.js', path.join(modules, '.bin', 'migraph'));
    writeFileSync(
      path.join(consumer, 'package.json'),
      '{ "name": "consumer", "type": "module" }\n',
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('has no fast-check to find', async () => {
    const probe = await run(
      process.execPath,
      ['--input-type=module', '-e', "await import('fast-check')"],
      path.join(consumer, 'node_modules', 'migraph'),
    );
    expect(probe.code).to.not.equal(0);
    expect(probe.stderr).to.include("Cannot find package 'fast-check'");
  });

  it('plans, draws, migrates and checks with the shipped migrations', async () => {
    const plan = await migraph('plan', '1.0.0', '1.1.0', ...shipped);
    expect(plan.code, plan.stderr).to.equal(0);
    expect(plan.stdout).to.include('1. 1.0.0 -> 1.1.0  up');
    const graph = await migraph('graph', '--format', 'mermaid', ...shipped);
    expect(graph.code, graph.stderr).to.equal(0);
    expect(graph.stdout).to.include('1.0.0').and.include('1.1.0');
    cpSync(
      path.join(repoRoot, 'examples', 'states', 'minimal.json'),
      path.join(consumer, 'a.json'),
    );
    const migrated = await migraph('migrate', 'a.json', ...shipped);
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(JSON.parse(migrated.stdout)).to.have.property('state_version', '1.1.0');
    // check samples the arbitraries when it can; without fast-check it says so and goes on.
    const check = await migraph('check', ...shipped);
    expect(check.code, check.stderr).to.equal(0);
    expect(check.stdout).to.equal('2 version(s), 2 edge(s): 0 error(s), 0 warning(s)\n');
    expect(check.stderr).to.include('warning').and.include('fast-check');
    // test needs fast-check, and says how to get it.
    const test = await migraph('test', ...shipped);
    expect(test.code).to.equal(2);
    expect(test.stderr).to.include('npm install --save-dev fast-check');
  });

  it('says where it looked for migrations, what to pass and how to scaffold some', async () => {
    const result = await migraph('plan', '1.0.0', '1.1.0');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(
      `No migrations directory at ${path.join(consumer, 'migrations')}`,
    );
    expect(result.stderr)
      .to.include('--dir')
      .and.include('npx migraph new 1.0.0 1.1.0')
      .and.include('--dir ./node_modules/migraph/dist/migrations');
    expect(result.stderr).to.not.match(/^\s+at /m);
  });

  it("runs the README's commands for a consumer project as written", async () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((block) => block[1]!.split('\n'))
      .filter((line) => line.startsWith('npx migraph ') && line.includes(shipped.join(' ')));
    expect(commands).to.have.length.of.at.least(3);
    for (const command of commands) {
      const args = command
        .replace(/\s+#.*$/, '')
        .split(/\s+/)
        .slice(2);
      const result = await migraph(...args);
      expect(result.code, `${command}: ${result.stderr}`).to.equal(0);
      expect(result.stdout, command).to.not.equal('');
    }
  });
});
