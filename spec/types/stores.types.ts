// Type tests for the stores: compiled by `tsc --noEmit` in `npm test`. The drivers' own
// objects fit the small structural types migraph asks for, and a wrong use is rejected.
import Database from 'better-sqlite3';
import type * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { Migrator, type MigraphError } from '../../lib/core/index.js';
import {
  migrateStore,
  postgresStore,
  readMigrated,
  type PgPoolLike,
  type StoreError,
  type StoreReport,
} from '../../lib/stores/postgres.js';
import { sqliteStore, type SqliteDatabaseLike } from '../../lib/stores/sqlite.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_proof?: T): void => undefined;

// A pg.Pool and a better-sqlite3 Database are what the stores take.
export const pool: PgPoolLike = new pg.Pool();
export const database: SqliteDatabaseLike = new Database(':memory:');
const store = postgresStore({ pool: new pg.Pool(), table: 'agents', column: 'state' });
sqliteStore({ database: new Database(':memory:'), table: 'agents', column: 'state' });

interface Agent {
  readonly state_version: string;
  readonly name: string;
}
const m = new Migrator<Agent>();

const _report = migrateStore(m, store, { batchSize: 100 });
assertType<Equal<typeof _report, Promise<E.Either<StoreError | MigraphError, StoreReport>>>>();
const _read = readMigrated(m, store, '42', { writeBack: true });
assertType<Equal<typeof _read, Promise<E.Either<StoreError | MigraphError, Agent>>>>();

// @ts-expect-error: a table is required
postgresStore({ pool: new pg.Pool(), column: 'state' });
// @ts-expect-error: batchSize is a number
void migrateStore(m, store, { batchSize: '100' });
// @ts-expect-error: progress reports carry numbers, not strings
void migrateStore(m, store, { onProgress: (p: { done: string }) => p });
