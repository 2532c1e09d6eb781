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
import {
  StoreError,
  type BatchResult,
  type ClaimedBatch,
  type RunCounts,
  type StateStore,
  type StoredState,
  type StoreRejection,
  type StoreSession,
  type StoreTarget,
  type StoreWrite,
  type VersionCount,
} from '../core/store.js';
import { describeCause } from '../core/errors.js';
import {
  checkTableOptions,
  missingDriver,
  quoteIdent,
  quoteQualified,
  type TableOptions,
} from './sql.js';

export { migrateStore } from './migrate.js';
export { readMigrated } from './read.js';
export type { ReadMigratedOptions } from './read.js';
export { census, censusFile } from './census.js';
export type { Census } from './census.js';
export { parseExact } from '../core/json-exact.js';
export { StoreError } from '../core/store.js';
export type {
  StateStore,
  StoreReport,
  StoreProgress,
  MigrateStoreOptions,
  StoreErrorReason,
  StoreErrorDetails,
} from '../core/store.js';

// --- the driver, as far as migraph uses it ---------------------------------------------------

/** A query result of `pg`, as far as migraph reads it. */
export interface PgResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly rowCount: number | null;
}

/** A client of `pg` (a `PoolClient`), as far as migraph uses it. */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  release(error?: Error | boolean): void;
}

/** A `pg.Pool`, as far as migraph uses it. */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  query(text: string, values?: unknown[]): Promise<PgResult>;
  end(): Promise<void>;
}

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

/** A client checked out of the pool. */
interface CheckedOut {
  readonly client: PgClientLike;
  /** The error the connection emitted while checked out, if any. */
  lost(): unknown;
  /** Back to the pool, or destroyed when `broken` or lost. */
  release(broken: boolean): void;
}

/** Column types a state may be stored in. */
const JSON_TYPES = new Set(['jsonb', 'json', 'text', 'character varying']);

/** What the store learnt of its table when it first connected. */
interface Table {
  readonly pool: PgPoolLike;
  /** `"schema"."table"`. */
  readonly name: string;
  readonly rejected: string;
  readonly column: string;
  readonly id: string;
  /** The column's SQL type, for writing back (`jsonb`, `json`, `text`, …). */
  readonly columnType: string;
  readonly idType: string;
  /** The state as `jsonb`, or NULL when it is not JSON (`t` is the table's alias). */
  readonly doc: string;
  /** Extra conditions of every statement (`AND …`). */
  readonly where: string;
  /**
   * Why rows cannot be told apart by the id column (no unique index on it alone), if so:
   * writes by id would overwrite other rows, so nothing is migrated or written.
   */
  readonly notUnique: string | undefined;
}

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * SQLSTATE classes of failures that are not about one row's value: the statement itself or
 * the privileges (42), the transaction (25), the resources (53), the server going away or
 * cancelling (57), the system (58, XX). Anything else a write of one row raises — a bad value
 * (22), a constraint (23), a trigger's `RAISE` (P0), an index entry too large (54) — is that
 * row refused.
 */
const STATEMENT_CLASSES = new Set(['08', '25', '42', '53', '57', '58', 'XX']);

/** Classes of failures that are transient: the row is tried again in the next pass (40). */
const TRANSIENT_CLASS = '40';

const isConnectionError = (error: unknown): boolean => {
  const code = sqlState(error);
  return (
    (code !== undefined &&
      (/^E[A-Z]+$/.test(code) ||
        code.startsWith('08') ||
        code === '28P01' ||
        // The server ended the session: shut down, terminated, or timed out idle in a transaction.
        /^57P0[1-5]$/.test(code) ||
        /^25P0[34]$/.test(code))) ||
    (error instanceof Error && /connect|terminat/i.test(error.message) && code === undefined)
  );
};

/** What a failed write of one row means: the row refused, a transient failure, or the run's end. */
const rowFailure = (error: unknown): 'refused' | 'transient' | 'fatal' => {
  const code = sqlState(error);
  // Errors without a SQLSTATE come from the driver or the network, not from the row.
  if (code === undefined || isConnectionError(error)) return 'fatal';
  const kind = code.slice(0, 2);
  if (kind === TRANSIENT_CLASS) return 'transient';
  return STATEMENT_CLASSES.has(kind) ? 'fatal' : 'refused';
};

/** Text PostgreSQL can hold (it has no NUL character in `text`). */
const storable = (text: string): string => text.replaceAll('\u0000', '\\u0000');

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
  const table = checkTableOptions(options);
  const hasPool = options.pool !== undefined;
  if (hasPool === (options.connectionString !== undefined)) {
    throw new TypeError('Expected exactly one of pool and connectionString');
  }
  if (options.where !== undefined && (typeof options.where !== 'string' || options.where === '')) {
    throw new TypeError(`Expected where to be an SQL condition, got ${String(options.where)}`);
  }
  const name = `postgres ${table.table}.${table.column}`;
  let ownPool: PgPoolLike | undefined;
  let opened: Promise<Table> | undefined;

  const openPool = async (): Promise<PgPoolLike> => {
    if (options.pool !== undefined) return options.pool;
    let driver: typeof import('pg');
    try {
      driver = await import('pg');
    } catch (cause) {
      throw missingDriver('pg', 'migraph/postgres', cause);
    }
    const pool = new driver.Pool({ connectionString: options.connectionString, max: 50 });
    // An idle connection the server drops must not crash the process.
    pool.on('error', () => undefined);
    ownPool = pool as unknown as PgPoolLike;
    return ownPool;
  };

  const describe = async (pool: PgPoolLike): Promise<Table> => {
    const quoted = quoteQualified(table.table);
    const found = await pool.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              current_setting('server_version_num')::int AS server
       FROM pg_attribute a
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [quoted],
    );
    if (found.rows.length === 0) {
      throw new StoreError(`${name}: no table ${table.table} (names are case-sensitive)`, {
        reason: 'schema',
        store: name,
      });
    }
    const types = new Map(found.rows.map((r) => [String(r.name), String(r.type)]));
    const columns = [...types.keys()].join(', ');
    const columnType = types.get(table.column);
    const idType = types.get(table.id);
    for (const [what, column, type] of [
      ['column', table.column, columnType],
      ['id column', table.id, idType],
    ] as const) {
      if (type === undefined) {
        throw new StoreError(
          `${name}: table ${table.table} has no ${what} ${column} (it has ${columns})`,
          { reason: 'schema', store: name },
        );
      }
    }
    const baseType = columnType!.replace(/\(.*\)$/, '');
    if (!JSON_TYPES.has(baseType)) {
      throw new StoreError(
        `${name}: column ${table.column} is ${columnType}; states must be stored as jsonb, json or text`,
        { reason: 'schema', store: name },
      );
    }
    const server = Number(found.rows[0]!.server);
    const c = `t.${quoteIdent(table.column)}`;
    // jsonb holds no NUL and no lone surrogate, so the text of such a state (valid JSON, read
    // by migraph as it is) would not convert: for reading its version only, those escapes are
    // replaced by a harmless one (not one preceded by an escaped backslash, `\\u0000`).
    const escapes = String.raw`(?<!\\)((?:\\\\)*)\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})`;
    const readable = `(CASE WHEN strpos(${c}::text, '\\u') = 0 THEN ${c}::text
      ELSE regexp_replace(${c}::text, '${escapes}', '\\1\\\\u0001', 'g') END)`;
    const doc =
      baseType === 'jsonb'
        ? c
        : server >= 160000
          ? `(CASE WHEN pg_input_is_valid(${readable}, 'jsonb') THEN ${readable}::jsonb END)`
          : `${readable}::jsonb`;
    // Writes go by id: the id column must identify one row (a unique index on it alone,
    // covering every row, valid).
    const unique = await pool.query(
      `SELECT EXISTS (
         SELECT 1 FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = $2
         WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid
           AND i.indpred IS NULL AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
       ) AS unique`,
      [quoted, table.id],
    );
    const notUnique =
      unique.rows[0]?.unique === true
        ? undefined
        : `${name}: the id column ${table.id} of ${table.table} has no unique index or primary key of its own, ` +
          `so a row cannot be told apart from others with the same id and writes would overwrite them: ` +
          `add one (ALTER TABLE ${quoted} ADD PRIMARY KEY (${quoteIdent(table.id)})), or name a unique column with id`;
    return {
      pool,
      name: quoted,
      rejected: quoteQualified(table.rejectedTable),
      column: quoteIdent(table.column),
      id: quoteIdent(table.id),
      columnType: columnType!,
      idType: idType!,
      doc,
      where: options.where === undefined ? '' : ` AND (${options.where})`,
      notUnique,
    };
  };

  const open = (): Promise<Table> => {
    opened ??= openPool()
      .then(describe)
      .catch((error: unknown) => {
        opened = undefined;
        throw wrap(error);
      });
    return opened;
  };

  const wrap = (error: unknown): StoreError =>
    error instanceof StoreError
      ? error
      : new StoreError(`${name}: ${describeCause(error)}`, {
          reason: isConnectionError(error) ? 'connection' : 'query',
          store: name,
          cause: error,
        });

  /** Runs `f` and turns any failure into a {@link StoreError}. */
  const guarded = async <T>(f: (t: Table) => Promise<T>): Promise<T> => {
    try {
      return await f(await open());
    } catch (error) {
      throw wrap(error);
    }
  };

  /** As {@link guarded}, for what reads or writes rows by id: the ids must be unique. */
  const byId = <T>(f: (t: Table) => Promise<T>): Promise<T> =>
    guarded(async (known) => {
      let t = known;
      if (t.notUnique !== undefined) {
        // Looked at again: the table may have gained its index since.
        opened = undefined;
        t = await open();
      }
      if (t.notUnique !== undefined) {
        throw new StoreError(t.notUnique, { reason: 'schema', store: name });
      }
      return f(t);
    });

  /**
   * A client of the pool for as long as the caller needs it. A client the server drops while
   * it is checked out (a restart, `pg_terminate_backend`, `idle_in_transaction_session_timeout`)
   * emits `'error'`, which would end the process: the error is kept instead, and the next
   * statement on the client fails with it.
   */
  const checkOut = async (t: Table): Promise<CheckedOut> => {
    const client = await t.pool.connect();
    const events = client as Partial<Pick<NodeJS.EventEmitter, 'on' | 'off'>>;
    let lost: unknown;
    const onError = (error: unknown) => void (lost ??= error);
    events.on?.call(client, 'error', onError);
    return {
      client,
      lost: () => lost,
      release: (broken) => {
        if (broken || lost !== undefined) {
          // Destroyed: the listener stays, for errors of the closing connection.
          client.release(true);
        } else {
          events.off?.call(client, 'error', onError);
          client.release();
        }
      },
    };
  };

  const versionOf = (t: Table) => `(${t.doc} #>> $1::text[])`;
  const notRejected = (t: Table, table$: string, column$: string) =>
    `NOT EXISTS (SELECT 1 FROM ${t.rejected} r WHERE r."table" = ${table$} AND r."column" = ${column$} AND r.id = t.${t.id}::text)`;

  const ensureRejectedTable = async (t: Table): Promise<void> => {
    const { client, release } = await checkOut(t);
    try {
      await client.query('BEGIN');
      // Concurrent CREATE TABLE IF NOT EXISTS can still collide: one creator at a time.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('migraph_rejected'))`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${t.rejected} (
           "table" text NOT NULL,
           "column" text NOT NULL,
           id text NOT NULL,
           version text,
           error text NOT NULL,
           at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY ("table", "column", id)
         )`,
      );
      await client.query('COMMIT');
      release(false);
    } catch (error) {
      release(true);
      throw error;
    }
  };

  const prepare = (target: StoreTarget, run: { retryRejected: boolean }): Promise<RunCounts> =>
    byId(async (t) => {
      await ensureRejectedTable(t);
      if (run.retryRejected) {
        await t.pool.query(`DELETE FROM ${t.rejected} WHERE "table" = $1 AND "column" = $2`, [
          table.table,
          table.column,
        ]);
      }
      const counts = await t.pool.query(
        `SELECT count(*) FILTER (WHERE ${versionOf(t)} = $2)::text AS at_target,
                count(*) FILTER (WHERE ${versionOf(t)} IS DISTINCT FROM $2
                                   AND ${notRejected(t, '$3', '$4')})::text AS pending,
                count(*) FILTER (WHERE ${versionOf(t)} IS DISTINCT FROM $2
                                   AND NOT ${notRejected(t, '$3', '$4')})::text AS rejected
         FROM ${t.name} t WHERE t.${t.column} IS NOT NULL${t.where}`,
        [target.path, target.text, table.table, table.column],
      );
      const row = counts.rows[0] ?? {};
      return {
        atTarget: Number(row.at_target ?? 0),
        pending: Number(row.pending ?? 0),
        rejected: Number(row.rejected ?? 0),
      };
    });

  /** Sessions open now: each holds a client of the pool until it closes. */
  let sessions = 0;

  /**
   * Makes room in the pool for one more session: a pool of the store's own grows; a given
   * pool too small for every session (and so for the run to end) is refused.
   */
  const makeRoom = (t: Table): void => {
    const options = (t.pool as { options?: { max?: unknown } }).options;
    const max = options?.max;
    if (typeof max !== 'number' || sessions < max) return;
    if (t.pool === ownPool) {
      // Room for every session, and for the statements run beside them.
      options!.max = sessions + 2;
      return;
    }
    throw new StoreError(
      `${name}: the pool's max of ${max} connections is below the ${sessions + 1} workers, ` +
        `each of which holds a connection for the whole run: give a pool with max ≥ ${sessions + 1}, or fewer workers`,
      { reason: 'connection', store: name },
    );
  };

  const session = (target: StoreTarget): Promise<StoreSession> =>
    byId(async (t) => {
      makeRoom(t);
      sessions++;
      let checkedOut: CheckedOut;
      try {
        checkedOut = await checkOut(t);
      } catch (error) {
        sessions--;
        throw error;
      }
      const { client } = checkedOut;
      const claimSql = (after: boolean) =>
        `SELECT t.${t.id}::text AS id, t.${t.column}::text AS text, t.xmin::text AS token
         FROM ${t.name} t
         WHERE t.${t.column} IS NOT NULL AND ${versionOf(t)} IS DISTINCT FROM $2
           AND ${notRejected(t, '$3', '$4')}${t.where}${after ? ` AND t.${t.id} > $6::${t.idType}` : ''}
         ORDER BY t.${t.id} LIMIT $5
         FOR UPDATE OF t SKIP LOCKED`;
      const claims = { first: claimSql(false), next: claimSql(true) };
      let broken = false;
      const run = async <T>(f: () => Promise<T>): Promise<T> => {
        try {
          return await f();
        } catch (error) {
          broken = true;
          await client.query('ROLLBACK').catch(() => undefined);
          // The connection's own error says more than "not queryable".
          throw wrap(checkedOut.lost() ?? error);
        }
      };
      return {
        claim: (size, after) =>
          run(async (): Promise<ClaimedBatch | undefined> => {
            await client.query('BEGIN');
            const params = [target.path, target.text, table.table, table.column, size];
            const found = await client.query(
              after === undefined ? claims.first : claims.next,
              after === undefined ? params : [...params, after],
            );
            if (found.rows.length === 0) {
              await client.query('COMMIT');
              return undefined;
            }
            const states: StoredState[] = found.rows.map((r) => ({
              id: String(r.id),
              text: String(r.text),
              ref: String(r.token),
            }));
            return {
              states,
              next: states.at(-1)!.id,
              commit: (writes, rejections) =>
                run(async () => {
                  const result = await commitBatch(t, client, writes, rejections);
                  await client.query('COMMIT');
                  return result;
                }),
              release: () => run(() => client.query('ROLLBACK').then(() => undefined)),
            };
          }),
        close: async () => {
          sessions--;
          checkedOut.release(broken);
        },
      };
    });

  /** Writes and records a claimed batch inside its transaction (no commit). */
  const commitBatch = async (
    t: Table,
    client: PgClientLike,
    writes: readonly StoreWrite[],
    rejections: readonly StoreRejection[],
  ): Promise<BatchResult> => {
    const update = (several: readonly StoreWrite[]) =>
      client.query(
        `UPDATE ${t.name} AS t SET ${t.column} = v.text::${t.columnType}
         FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, token, text)
         WHERE t.${t.id} = v.id::${t.idType} AND t.xmin = v.token::xid
         RETURNING t.${t.id}::text AS id`,
        [
          several.map((w) => w.state.id),
          several.map((w) => w.state.ref),
          several.map((w) => w.text),
        ],
      );
    const written = new Set<string>();
    const recorded = new Set<string>();
    const recordedBefore = new Set<string>();
    const refused: StoreRejection[] = [];
    if (writes.length > 0) {
      // One statement for the batch; only when it fails, one statement per row.
      await client.query('SAVEPOINT migraph_batch');
      try {
        for (const row of (await update(writes)).rows) written.add(String(row.id));
      } catch (error) {
        if (rowFailure(error) === 'fatal') throw error;
        // A write the database refuses (a value, a constraint, a trigger, an index entry too
        // large) must not stop the batch: the others are written, that row recorded.
        await client.query('ROLLBACK TO SAVEPOINT migraph_batch');
        for (const write of writes) {
          await client.query('SAVEPOINT migraph_row');
          try {
            for (const row of (await update([write])).rows) written.add(String(row.id));
          } catch (rowError) {
            const failure = rowFailure(rowError);
            if (failure === 'fatal') {
              throw new StoreError(`${name}: row ${write.state.id}: ${describeCause(rowError)}`, {
                reason: isConnectionError(rowError) ? 'connection' : 'query',
                store: name,
                id: write.state.id,
                cause: rowError,
              });
            }
            await client.query('ROLLBACK TO SAVEPOINT migraph_row');
            // A transient failure (a deadlock, say) leaves the row to the next pass.
            if (failure === 'refused') {
              const code = sqlState(rowError);
              const error = `the database refused the migrated state (SQLSTATE ${code}): ${describeCause(rowError)}`;
              refused.push({ state: write.state, version: null, error });
            }
          }
        }
      }
    }
    const records = [...rejections, ...refused];
    if (records.length > 0) {
      const inserted = await client.query(
        `INSERT INTO ${t.rejected} ("table", "column", id, version, error, at)
         SELECT $1, $2, v.id, v.version, v.error, now()
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS v(id, token, version, error)
         JOIN ${t.name} t ON t.${t.id} = v.id::${t.idType} AND t.xmin = v.token::xid
         ON CONFLICT ("table", "column", id) DO NOTHING
         RETURNING id`,
        [
          table.table,
          table.column,
          records.map((r) => r.state.id),
          records.map((r) => r.state.ref),
          records.map((r) => (r.version === null ? null : storable(r.version))),
          records.map((r) => storable(r.error)),
        ],
      );
      for (const row of inserted.rows) recorded.add(String(row.id));
      // A session whose claim began before another one committed may claim a row that one
      // has just recorded (the claim's snapshot does not see the record): it is recorded and
      // counted once, by whoever committed first, and is no conflict.
      const others = records.map((r) => r.state.id).filter((id) => !recorded.has(id));
      if (others.length > 0) {
        const found = await client.query(
          `SELECT id FROM ${t.rejected} WHERE "table" = $1 AND "column" = $2 AND id = ANY($3::text[])`,
          [table.table, table.column, others],
        );
        for (const row of found.rows) recordedBefore.add(String(row.id));
      }
    }
    const conflicts = [...writes, ...rejections]
      .map((w) => w.state.id)
      .filter((id) => !written.has(id) && !recorded.has(id) && !recordedBefore.has(id));
    return { written: written.size, recorded: recorded.size, conflicts, refused };
  };

  const read = (id: string): Promise<StoredState | undefined> =>
    byId(async (t) => {
      const found = await t.pool.query(
        `SELECT t.${t.id}::text AS id, t.${t.column}::text AS text, t.xmin::text AS token
         FROM ${t.name} t WHERE t.${t.id} = $1::${t.idType} AND t.${t.column} IS NOT NULL${t.where}`,
        [id],
      );
      const row = found.rows[0];
      return row === undefined
        ? undefined
        : { id: String(row.id), text: String(row.text), ref: String(row.token) };
    });

  const write = (w: StoreWrite): Promise<boolean> =>
    byId(async (t) => {
      const done = await t.pool.query(
        `UPDATE ${t.name} AS t SET ${t.column} = $3::text::${t.columnType}
         WHERE t.${t.id} = $1::${t.idType} AND t.xmin = $2::xid`,
        [w.state.id, w.state.ref, w.text],
      );
      return done.rowCount === 1;
    });

  const countVersions = (path: readonly string[]): Promise<readonly VersionCount[]> =>
    guarded(async (t) => {
      const field = `${t.doc} #> $1::text[]`;
      const found = await t.pool.query(
        `SELECT CASE
                  WHEN ${t.doc} IS NULL OR jsonb_typeof(${t.doc}) <> 'object' THEN 'invalid'
                  WHEN ${field} IS NULL THEN 'missing'
                  WHEN jsonb_typeof(${field}) IN ('object', 'array') THEN 'invalid'
                  ELSE 'version'
                END AS kind,
                CASE WHEN jsonb_typeof(${t.doc}) = 'object'
                       AND jsonb_typeof(${field}) NOT IN ('object', 'array')
                     THEN (${field})::text END AS value,
                count(*)::text AS n
         FROM ${t.name} t WHERE t.${t.column} IS NOT NULL${t.where}
         GROUP BY 1, 2`,
        [path],
      );
      return found.rows.map((r): VersionCount => {
        const count = Number(r.n);
        if (r.kind === 'version') {
          return { kind: 'version', value: JSON.parse(String(r.value)) as unknown, count };
        }
        return { kind: r.kind === 'missing' ? 'missing' : 'invalid', count };
      });
    });

  return {
    name,
    prepare,
    session,
    read,
    write,
    countVersions,
    ...(options.connectionString === undefined
      ? {}
      : {
          location: {
            module: import.meta.url,
            factory: 'postgresStore',
            options: {
              connectionString: options.connectionString,
              ...table,
              ...(options.where === undefined ? {} : { where: options.where }),
            },
          },
        }),
    close: async () => {
      const pool = ownPool;
      ownPool = undefined;
      opened = undefined;
      await pool?.end();
    },
  };
};
