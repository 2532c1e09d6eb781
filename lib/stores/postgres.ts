/**
 * `migraph/postgres`: migrate the states of a PostgreSQL table in place (driver: `pg`, an
 * optional peer dependency, loaded on first use). Any number of processes on any number of
 * machines may run `migrateStore` on the same table at once: each batch is claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED`, migrated, written back and committed in one transaction.
 *
 * @example
 * import { census, migrateStore, postgresStore } from 'migraph/postgres';
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL, table: 'agents', column: 'state' });
 * const report = await migrateStore(m, store, { batchSize: 500 });
 * await store.close();
 *
 * @packageDocumentation
 */
import type { StateStore } from '../core/store.js';
import { postgresDialect, type PgPoolLike } from './postgres/dialect.js';
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
export type { PgClientLike, PgPoolLike, PgResult } from './postgres/dialect.js';
export type {
  StateStore,
  StoreReport,
  StoreProgress,
  MigrateStoreOptions,
  StoreErrorReason,
  StoreErrorDetails,
} from '../core/store.js';

/** Options of {@link postgresStore}: a pool or a connection string, and the table. */
export interface PostgresStoreOptions extends TableOptions {
  /** A `pg.Pool` to use (the store does not end it). Give this or `connectionString`. */
  readonly pool?: PgPoolLike;
  /** Where to connect (the store opens a pool and `close()` ends it). */
  readonly connectionString?: string;
  /**
   * An SQL condition on the table's columns limiting the rows this store sees, such as
   * `tenant = 'acme'`. It is inserted into the store's statements as it is: trusted SQL only.
   */
  readonly where?: string;
}

/**
 * A store over the JSON column `column` of a PostgreSQL table (`jsonb`, `json` or `text`),
 * rows identified by `id` (default `'id'`). Nothing connects until the store is first used;
 * `pg` is imported then. Names are taken exactly as given (case-sensitive), and `table` may
 * be schema-qualified. Rejected rows are recorded in `migraph_rejected` (created on first
 * use, in the table's schema). Throws a `TypeError` on bad options.
 *
 * @example
 * const store = postgresStore({ pool, table: 'app.agents', column: 'state', id: 'agent_id' })
 * @since 0.1.0
 */
export const postgresStore = (options: PostgresStoreOptions): StateStore => {
  const table = checkTableOptions(options, 'postgresStore()', {
    pool: 'any',
    connectionString: 'any',
    where: 'any',
  });
  if ((options.pool !== undefined) === (options.connectionString !== undefined)) {
    throw new TypeError('Expected exactly one of pool and connectionString');
  }
  if (options.where !== undefined && (typeof options.where !== 'string' || options.where === '')) {
    throw new TypeError(`Expected where to be an SQL condition, got ${String(options.where)}`);
  }
  const name = `postgres ${table.table}.${table.column}`;
  const where = options.where === undefined ? {} : { where: options.where };
  return sqlStore(
    postgresDialect({
      name,
      ...table,
      ...where,
      ...(options.pool === undefined ? {} : { pool: options.pool }),
      ...(options.connectionString === undefined
        ? {}
        : { connectionString: options.connectionString }),
    }),
    {
      name,
      ...(options.connectionString === undefined
        ? {}
        : {
            location: {
              module: import.meta.url,
              factory: 'postgresStore',
              options: { connectionString: options.connectionString, ...table, ...where },
            },
          }),
    },
  );
};
