// The throwaway PostgreSQL server of the specs and benches (bench/postgres-server.ts), run
// from a folder only its owner can enter — a checkout in /root or in a `mktemp -d` folder — and
// stopped every way it can be: its files never outlive it.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { waitFor } from '../support/poll.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A hard-linked copy of a tree (copied across file systems). */
const mirror = (from: string, to: string): void => {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isDirectory()) mirror(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
        chmodSync(target, statSync(source).mode);
      }
    }
  }
};

/** The server directories in the temporary folder, by the pid of the process owning each. */
const serverDirs = (): Map<number, string> => {
  const dirs = new Map<number, string>();
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith('migraph-pg-')) continue;
    try {
      const owner = Number(readFileSync(path.join(tmpdir(), entry, 'owner'), 'utf8'));
      dirs.set(owner, path.join(tmpdir(), entry));
    } catch {
      // Being created or removed.
    }
  }
  return dirs;
};

const passwordFiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith('pg-password-'));

const accepts = async (port: number): Promise<boolean> => {
  const client = new pg.Client({
    connectionString: `postgres://postgres:migraph@127.0.0.1:${port}/postgres`,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

describe('the specs’ PostgreSQL server', function () {
  this.timeout(120_000);
  let checkout: string;
  let helper: string;
  const started: ChildProcess[] = [];

  before(function () {
    this.timeout(300_000);
    if (process.getuid?.() !== 0) this.skip(); // Only root runs PostgreSQL as another user.
    // A checkout only root can enter (mkdtemp makes it 0700), with the binaries in it.
    checkout = mkdtempSync(path.join(tmpdir(), 'migraph-checkout-'));
    mkdirSync(path.join(checkout, 'bench'));
    helper = path.join(checkout, 'bench', 'postgres-server.ts');
    copyFileSync(path.join(root, 'bench', 'postgres-server.ts'), helper);
    copyFileSync(path.join(root, 'package.json'), path.join(checkout, 'package.json'));
    mirror(path.join(root, 'node_modules'), path.join(checkout, 'node_modules'));
  });

  after(() => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    if (checkout !== undefined) rmSync(checkout, { recursive: true, force: true });
  });

  /** Starts the helper from the private checkout; its port, once it accepts connections. */
  const start = async (settings: readonly string[] = []) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', helper, 'postgres', 'migraph', ...settings],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    started.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    const [line] = (await Promise.race([
      once(createInterface({ input: child.stdout! }), 'line'),
      exited.then(() => [undefined]),
    ])) as [string | undefined];
    const port = line === undefined ? undefined : (JSON.parse(line) as { port: number }).port;
    return { child, port, exited, stderr: () => stderr };
  };

  it('runs from a folder the postgres user cannot enter, and removes its files when stdin closes', async () => {
    const passwords = passwordFiles();
    const server = await start();
    expect(server.port, server.stderr()).to.be.a('number');
    expect(await accepts(server.port!)).to.equal(true);
    const dir = serverDirs().get(server.child.pid!);
    expect(dir, 'its directory').to.be.a('string');
    server.child.stdin!.end();
    await server.exited;
    expect(existsSync(dir!), 'its directory, after').to.equal(false);
    expect(await accepts(server.port!)).to.equal(false);
    expect(passwordFiles()).to.deep.equal(passwords);
  });

  it('removes its files when the server fails to start', async () => {
    const passwords = passwordFiles();
    const before = new Set(serverDirs().values());
    const server = await start(['no_such_setting=1']);
    const [code] = (await server.exited) as [number | null];
    expect(server.port).to.equal(undefined);
    expect(code).to.equal(1);
    expect(server.stderr()).to.match(/did not start/);
    expect([...serverDirs().values()].filter((d) => !before.has(d))).to.deep.equal([]);
    expect(passwordFiles()).to.deep.equal(passwords);
  });

  it('stops and removes its files when the process using it is killed (SIGKILL), when it is sent SIGTERM, or when it is killed itself', async () => {
    // The process using it (the test run) is killed: the helper's stdin closes.
    const parent = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { spawn } from 'node:child_process';
         const child = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(helper)}, 'postgres', 'migraph'],
           { stdio: ['pipe', 'pipe', 'inherit'] });
         console.log(JSON.stringify({ helper: child.pid }));
         child.stdout.pipe(process.stdout);`,
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    started.push(parent);
    const lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
    const { helper: helperPid } = JSON.parse((await lines.next()).value as string) as {
      helper: number;
    };
    const { port } = JSON.parse((await lines.next()).value as string) as { port: number };
    const parentDir = serverDirs().get(helperPid)!;
    expect(parentDir).to.be.a('string');
    parent.kill('SIGKILL');
    await waitFor(() => !existsSync(parentDir));
    expect(await accepts(port)).to.equal(false);
    // SIGTERM.
    const terminated = await start();
    const terminatedDir = serverDirs().get(terminated.child.pid!)!;
    terminated.child.kill('SIGTERM');
    await terminated.exited;
    expect(existsSync(terminatedDir)).to.equal(false);
    expect(await accepts(terminated.port!)).to.equal(false);
    // The helper itself is killed outright: the next start stops its server and removes it.
    const killed = await start();
    const killedDir = serverDirs().get(killed.child.pid!)!;
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(killedDir), 'left until the next start').to.equal(true);
    const next = await start();
    expect(next.port, next.stderr()).to.be.a('number');
    expect(existsSync(killedDir)).to.equal(false);
    await waitFor(async () => !(await accepts(killed.port!)));
    next.child.stdin!.end();
    await next.exited;
  });
});
