/**
 * Run by `npm run bench:store` in a fresh process: migrates a table of small states with one
 * session and prints the peak resident set size, so that tables of different sizes can be
 * compared. Usage: node dist/bench/store-rss-child.js <connection string> <table>
 */
import * as E from 'fp-ts/lib/Either.js';
import { Migrator } from '../lib/core/migrator.js';
import { migrateStore, postgresStore } from '../lib/stores/postgres.js';
import { peakRssKiB } from './peak-rss.js';

const [connectionString, table] = process.argv.slice(2) as [string, string];
const m = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, tags: [s.kind], seen: true }));
const store = postgresStore({ connectionString, table, column: 'doc' });
const started = performance.now();
const result = await migrateStore(m, store, { batchSize: 500 });
await store.close();
if (E.isLeft(result)) throw result.left;
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ rows: result.right.migrated, ms, maxRssKiB: peakRssKiB() })}\n`,
);
