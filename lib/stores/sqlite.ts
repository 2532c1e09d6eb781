/**
 * `migraph/sqlite`: migrate the states of an SQLite table in place (driver: `better-sqlite3`,
 * an optional peer dependency, loaded on first use). One process migrates a database file
 * (SQLite has one writer at a time); the application may keep reading and writing it
 * meanwhile: a row it changes while it is being migrated is never overwritten.
 *
 * @example
 * import { migrateStore, sqliteStore } from 'migraph/sqlite';
 * const store = sqliteStore({ file: 'app.db', table: 'agents', column: 'state' });
 * const report = await migrateStore(m, store);
 * await store.close();
 *
 * @packageDocumentation
 */
import path from 'node:path';
import type { StateStore } from '../core/store.js';
import { sqliteDialect, type SqliteDatabaseLike } from './sqlite/dialect.js';
import { sqlStore } from './sql/sql-store.js';
import { checkTableOptions, type TableOptions } from './sql/table.js';

export { migrateStore } from './migrate.js';
export { readMigrated } from './read.js';
export type { ReadMigratedOptions } from './read.js';
export { census } from './census.js';
export { censusFile } from './census-file.js';
export type { Census } from './census.js';
export { parseExact } from '../core/json-exact.js';
export { StoreError } from '../core/store.js';
export type { SqliteDatabaseLike, SqliteStatementLike } from './sqlite/dialect.js';
export type {
  StateStore,
  StoreReport,
  StoreProgress,
  MigrateStoreOptions,
  StoreErrorReason,
  StoreErrorDetails,
} from '../core/store.js';

/** Options of {@link sqliteStore}: a database or a file, and the table. */
export interface SqliteStoreOptions extends TableOptions {
  /** An open `better-sqlite3` database (the store does not close it). Give this or `file`. */
  readonly database?: SqliteDatabaseLike;
  /** The database file to open (the store closes it in `close()`). */
  readonly file?: string;
}

/**
 * A store over the JSON column `column` of an SQLite table, rows identified by `id` (default
 * `'id'`; `'rowid'` works for any ordinary table). Nothing is opened until the store is first
 * used; `better-sqlite3` is imported then. Rejected rows are recorded in `migraph_rejected`
 * (created on first use). Throws a `TypeError` on bad options.
 *
 * @example
 * const store = sqliteStore({ file: 'app.db', table: 'agents', column: 'state' })
 * @since 0.1.0
 */
export const sqliteStore = (options: SqliteStoreOptions): StateStore => {
  const table = checkTableOptions(options, 'sqliteStore()', { database: 'any', file: 'any' });
  if ((options.database === undefined) === (options.file === undefined)) {
    throw new TypeError('Expected exactly one of database and file');
  }
  if (options.file !== undefined && (typeof options.file !== 'string' || options.file === '')) {
    throw new TypeError(`Expected file to be a path, got ${String(options.file)}`);
  }
  const name = `sqlite ${table.table}.${table.column}`;
  return sqlStore(
    sqliteDialect({
      name,
      ...table,
      ...(options.database === undefined ? {} : { database: options.database }),
      ...(options.file === undefined ? {} : { file: options.file }),
    }),
    {
      name,
      ...(options.file === undefined
        ? {}
        : {
            location: {
              module: import.meta.url,
              factory: 'sqliteStore',
              options: { file: path.resolve(options.file), ...table },
            },
          }),
      singleProcess:
        'SQLite has no row locks, so several processes would claim the same batches and wait ' +
        "on one another's writes (one writer at a time): one process migrates a database file",
    },
  );
};
