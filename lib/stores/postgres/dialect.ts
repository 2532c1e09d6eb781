/**
 * PostgreSQL's dialect of the SQL-store layer (driver: `pg`): the pool and the connection a
 * session holds, what PostgreSQL's errors mean, and the SQL text. Batches are claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED` in a transaction that lasts until their commit, and
 * written back only where `xmin` shows the row unchanged.
 *
 * @since 0.1.0
 */
import { describeCause } from '../../core/describe-cause.js';
import { StoreError, type RunCounts, type StoredState } from '../../core/store.js';
import type {
  ClaimedRow,
  CountedRow,
  RowFailure,
  SqlConnection,
  SqlDialect,
  SqlTable,
} from '../sql/dialect.js';
import {
  missingDriver,
  noColumn,
  noTable,
  quoteIdent,
  quoteQualified,
  type TableOptions,
} from '../sql/table.js';

/**
 * Separates the texts of a batch's UPDATE in one parameter (U+001E, chr(30)): JSON.stringify
 * escapes every control character, so a migrated state's text never holds it raw; a batch
 * where one does falls back to a text array.
 */
const SEPARATOR = '\u001e';

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

/** What the dialect needs: the table, checked, and a pool or where to connect. */
export interface PostgresDialectOptions extends Required<TableOptions> {
  readonly name: string;
  readonly pool?: PgPoolLike;
  readonly connectionString?: string;
  readonly where?: string;
}

// --- errors ----------------------------------------------------------------------------------

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * SQLSTATE classes that may be the statement's failure rather than the row's: the statement
 * itself or the privileges (42), the transaction (25), the resources (53), the server (57,
 * 58), an internal error (XX). A trigger may raise any of them for one row, so a row is
 * refused with them only where the same statement runs for other rows. Anything else a write
 * of one row raises — a bad value (22), a constraint (23), a trigger's `RAISE` (P0), an index
 * entry too large (54) — is that row refused.
 */
const STATEMENT_CLASSES = new Set(['25', '42', '53', '57', '58', 'XX']);

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

const rowFailure = (error: unknown): RowFailure => {
  const code = sqlState(error);
  // Errors without a SQLSTATE come from the driver or the network, not from the row.
  if (code === undefined || isConnectionError(error)) return { kind: 'fatal' };
  const kind = code.slice(0, 2);
  if (kind === TRANSIENT_CLASS) return { kind: 'transient' };
  const why = `the database refused the migrated state (SQLSTATE ${code}): ${describeCause(error)}`;
  return STATEMENT_CLASSES.has(kind) ? { kind: 'row-or-statement', why } : { kind: 'refused', why };
};

/** Text PostgreSQL can hold (it has no NUL character in `text`). */
const storable = (text: string): string => text.replaceAll('\u0000', '\\u0000');

// --- the table -------------------------------------------------------------------------------

/** Column types a state may be stored in. */
const JSON_TYPES = new Set(['jsonb', 'json', 'text', 'character varying']);

/** What the dialect learnt of its table when it first connected. */
interface PgTable extends SqlTable {
  readonly pool: PgPoolLike;
  /** `"schema"."table"`. */
  readonly name: string;
  readonly rejected: string;
  readonly column: string;
  readonly id: string;
  /** The column's SQL type, for writing back (`jsonb`, `json`, `text`, …). */
  readonly columnType: string;
  /** The column is `jsonb`: one value per key, so its text needs no duplicate-key scan. */
  readonly jsonb: boolean;
  readonly idType: string;
  /** The state as `jsonb`, or NULL when it is not JSON (`t` is the table's alias). */
  readonly doc: string;
  /** Extra conditions of every statement (`AND …`). */
  readonly where: string;
  /**
   * A row's `xmin` tells the run's own writes (see `pendingBesides`): the server hashes
   * `= ANY(array)` (PostgreSQL 14 or later), and the table (or a partition or child of it) has
   * no trigger or rule on `UPDATE` of the user's, which might write other rows of it in the
   * run's transaction, where they would carry the same `xmin`.
   */
  readonly tellsOwnWrites: boolean;
}

/** The connection of a session: a client checked out of the pool. */
interface PgConnection extends SqlConnection {
  readonly client: PgClientLike;
}

/**
 * The dialect of one PostgreSQL store. Nothing connects until it is opened; `pg` is imported
 * then (a pool of the store's own, ended by `close`).
 */
export const postgresDialect = (
  options: PostgresDialectOptions,
): SqlDialect<PgTable, PgConnection> => {
  const { name } = options;
  let ownPool: PgPoolLike | undefined;
  /** Sessions open now: each holds a client of the pool until it closes. */
  let sessions = 0;

  const openPool = async (): Promise<PgPoolLike> => {
    if (options.pool !== undefined) return options.pool;
    if (ownPool !== undefined) return ownPool;
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

  const describe = async (pool: PgPoolLike): Promise<PgTable> => {
    const quoted = quoteQualified(options.table);
    const found = await pool.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS not_null, current_setting('server_version_num')::int AS server
       FROM pg_attribute a
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [quoted],
    );
    if (found.rows.length === 0) throw noTable(name, options.table);
    const types = new Map(found.rows.map((r) => [String(r.name), String(r.type)]));
    const columnType = types.get(options.column);
    const idType = types.get(options.id);
    for (const [what, column, type] of [
      ['column', options.column, columnType],
      ['id column', options.id, idType],
    ] as const) {
      if (type === undefined) throw noColumn(name, options.table, what, column, [...types.keys()]);
    }
    const baseType = columnType!.replace(/\(.*\)$/, '');
    if (!JSON_TYPES.has(baseType)) {
      throw new StoreError(
        `${name}: column ${options.column} is ${columnType}; states must be stored as jsonb, json or text`,
        { reason: 'schema', store: name },
      );
    }
    const server = Number(found.rows[0]!.server);
    const c = `t.${quoteIdent(options.column)}`;
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
      [quoted, options.id],
    );
    // Other rows an UPDATE of the table may write in the same transaction: a trigger or a rule
    // of the user's on UPDATE, on the table or on a partition or child of it.
    const cascades = await pool.query(
      `WITH RECURSIVE tree(oid) AS (
         SELECT to_regclass($1)::oid
         UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid
       )
       SELECT EXISTS (
                SELECT 1 FROM pg_trigger g JOIN tree ON g.tgrelid = tree.oid
                WHERE NOT g.tgisinternal AND g.tgenabled <> 'D' AND (g.tgtype & 16) <> 0
              )
           OR EXISTS (
                SELECT 1 FROM pg_rewrite r JOIN tree ON r.ev_class = tree.oid WHERE r.ev_type = '2'
              ) AS cascades`,
      [quoted],
    );
    // And hold no NULL: a NULL id names no row (a unique index allows any number of them).
    const notNull = found.rows.find((r) => String(r.name) === options.id)?.not_null === true;
    const notUnique =
      unique.rows[0]?.unique !== true
        ? `${name}: the id column ${options.id} of ${options.table} has no unique index or primary key of its own, ` +
          `so a row cannot be told apart from others with the same id and writes would overwrite them: ` +
          `add one (ALTER TABLE ${quoted} ADD PRIMARY KEY (${quoteIdent(options.id)})), or name a unique column with id`
        : !notNull
          ? `${name}: the id column ${options.id} of ${options.table} allows NULL, and a row whose id is NULL ` +
            `cannot be claimed, written or recorded by its id: declare it NOT NULL ` +
            `(ALTER TABLE ${quoted} ALTER COLUMN ${quoteIdent(options.id)} SET NOT NULL), or name a NOT NULL unique column with id`
          : undefined;
    return {
      pool,
      name: quoted,
      rejected: quoteQualified(options.rejectedTable),
      column: quoteIdent(options.column),
      id: quoteIdent(options.id),
      columnType: columnType!,
      jsonb: baseType === 'jsonb',
      idType: idType!,
      doc,
      where: options.where === undefined ? '' : ` AND (${options.where})`,
      tellsOwnWrites: server >= 140000 && cascades.rows[0]?.cascades !== true,
      ...(notUnique === undefined ? {} : { notUnique }),
    };
  };

  /**
   * Makes room in the pool for one more session, and still one connection beside the sessions
   * for the run's own statements (its counts, the rejected table): each session holds its
   * connection for the whole run, so a pool they fill would leave the run waiting forever. A
   * pool of the store's own grows; a given pool too small is refused.
   */
  const makeRoom = (t: PgTable): void => {
    const poolOptions = (t.pool as { options?: { max?: unknown } }).options;
    const max = poolOptions?.max;
    if (typeof max !== 'number' || sessions + 1 < max) return;
    if (t.pool === ownPool) {
      poolOptions!.max = sessions + 2;
      return;
    }
    throw new StoreError(
      `${name}: the pool's max of ${max} connections leaves none for the run's own statements ` +
        `once ${sessions + 1} workers hold one each for the whole run: give a pool with a max of ` +
        `at least workers + 1${max > 1 ? `, or at most ${max - 1} workers` : ''}`,
      { reason: 'connection', store: name },
    );
  };

  /**
   * A client of the pool for as long as the session needs it. A client the server drops while
   * it is checked out (a restart, `pg_terminate_backend`, `idle_in_transaction_session_timeout`)
   * emits `'error'`, which would end the process: the error is kept instead, and the next
   * statement on the client fails with it.
   */
  const checkOut = async (t: PgTable): Promise<PgConnection> => {
    const client = await t.pool.connect();
    const events = client as Partial<Pick<NodeJS.EventEmitter, 'on' | 'off'>>;
    let lost: unknown;
    const onError = (error: unknown) => void (lost ??= error);
    events.on?.call(client, 'error', onError);
    const exec = async (sql: string) => void (await client.query(sql));
    return {
      client,
      exec,
      beginClaim: () => exec('BEGIN'),
      commit: async (writes) => {
        const result = await writes();
        await exec('COMMIT');
        return result;
      },
      rollback: () => exec('ROLLBACK'),
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

  const connect = async (t: PgTable): Promise<PgConnection> => {
    makeRoom(t);
    sessions++;
    let connection: PgConnection;
    try {
      connection = await checkOut(t);
    } catch (error) {
      sessions--;
      throw error;
    }
    return {
      ...connection,
      release: (broken) => {
        sessions--;
        connection.release(broken);
      },
    };
  };

  // --- statements ------------------------------------------------------------------------------

  const versionOf = (t: PgTable) => `(${t.doc} #>> $1::text[])`;
  const notRejected = (t: PgTable, table$: string, column$: string) =>
    `NOT EXISTS (SELECT 1 FROM ${t.rejected} r WHERE r."table" = ${table$} AND r."column" = ${column$} AND r.id = t.${t.id}::text)`;
  const asState = (t: PgTable, row: Record<string, unknown>): StoredState => ({
    id: String(row.id),
    text: String(row.text),
    ref: String(row.token),
    // jsonb keeps one value per key: no duplicate-key scan of its text.
    ...(t.jsonb ? { uniqueKeys: true } : {}),
  });

  return {
    open: async () => describe(await openPool()),
    close: async () => {
      const pool = ownPool;
      ownPool = undefined;
      await pool?.end();
    },
    connect,
    reasonOf: (error) => (isConnectionError(error) ? 'connection' : 'query'),
    rowFailure,

    createRejectedTable: async (t) => {
      const c = await checkOut(t);
      try {
        await c.exec('BEGIN');
        // Concurrent CREATE TABLE IF NOT EXISTS can still collide: one creator at a time.
        await c.exec(`SELECT pg_advisory_xact_lock(hashtext('migraph_rejected'))`);
        await c.exec(
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
        await c.exec('COMMIT');
        c.release(false);
      } catch (error) {
        c.release(true);
        throw error;
      }
    },

    forgetRejected: async (t) => {
      await t.pool.query(`DELETE FROM ${t.rejected} WHERE "table" = $1 AND "column" = $2`, [
        options.table,
        options.column,
      ]);
    },

    count: async (t, target): Promise<RunCounts> => {
      // Each row's version read once (`OFFSET 0` keeps the subquery from being flattened into
      // the three filters): a migrated state is usually compressed, and reading its version
      // decompresses it; three reads made a run's final count three times as slow.
      const counts = await t.pool.query(
        `SELECT count(*) FILTER (WHERE t.migraph_version = $2)::text AS at_target,
                count(*) FILTER (WHERE t.migraph_version IS DISTINCT FROM $2
                                   AND ${notRejected(t, '$3', '$4')})::text AS pending,
                count(*) FILTER (WHERE t.migraph_version IS DISTINCT FROM $2
                                   AND NOT ${notRejected(t, '$3', '$4')})::text AS rejected
         FROM (SELECT t.${t.id}, ${versionOf(t)} AS migraph_version
               FROM ${t.name} t WHERE t.${t.column} IS NOT NULL${t.where} OFFSET 0) t`,
        [target.path, target.text, options.table, options.column],
      );
      const row = counts.rows[0] ?? {};
      return {
        atTarget: Number(row.at_target ?? 0),
        pending: Number(row.pending ?? 0),
        rejected: Number(row.rejected ?? 0),
      };
    },

    claim: async (c, t, target, size, after, upTo): Promise<readonly ClaimedRow[]> => {
      const params: unknown[] = [target.path, target.text, options.table, options.column, size];
      const bound = (value: unknown) => `$${params.push(value)}::${t.idType}`;
      const found = await c.client.query(
        `SELECT t.${t.id}::text AS id, t.${t.column}::text AS text, t.xmin::text AS token
         FROM ${t.name} t
         WHERE t.${t.column} IS NOT NULL AND ${versionOf(t)} IS DISTINCT FROM $2
           AND ${notRejected(t, '$3', '$4')}${t.where}${after === undefined ? '' : ` AND t.${t.id} > ${bound(after)}`}${upTo === undefined ? '' : ` AND t.${t.id} <= ${bound(upTo)}`}
         ORDER BY t.${t.id} LIMIT $5
         FOR UPDATE OF t SKIP LOCKED`,
        params,
      );
      return found.rows.map((r) => ({ state: asState(t, r), cursor: String(r.id) }));
    },

    // A row the run wrote is told by its `xmin` before its state is read (a migrated state is
    // usually compressed, and reading its version decompresses it); a row it found at the
    // target and left as it was, by its id and `xmin` as read.
    pendingBesides: async (t, target, { tokens, seen }) => {
      if (!t.tellsOwnWrites) return undefined;
      const found = await t.pool.query(
        `SELECT count(*)::text AS n FROM ${t.name} t
         WHERE t.${t.column} IS NOT NULL${t.where}
           AND CASE WHEN t.xmin = ANY($5::xid[]) THEN false
                    WHEN t.${t.id}::text || ' ' || t.xmin::text = ANY($6::text[]) THEN false
                    ELSE ${versionOf(t)} IS DISTINCT FROM $2 AND ${notRejected(t, '$3', '$4')} END`,
        [
          target.path,
          target.text,
          options.table,
          options.column,
          tokens,
          seen.map((row) => `${row.id} ${String(row.ref)}`),
        ],
      );
      return Number(found.rows[0]?.n ?? 0);
    },

    // Read from the id's index alone (no state is read): rows the run will not claim count too.
    bounds: async (t, every) => {
      const found = await t.pool.query(
        `SELECT s.id FROM (
           SELECT t.${t.id}::text AS id, row_number() OVER (ORDER BY t.${t.id}) AS n FROM ${t.name} t
         ) s WHERE s.n % $1 = 0 ORDER BY s.n`,
        [every],
      );
      return found.rows.map((r) => String(r.id));
    },

    update: async (c, t, writes) => {
      const texts = writes.map((w) => w.text);
      // The texts in one parameter, split by the server: no array-literal escaping of every
      // text here (6% of a worker's time). JSON text never holds the separator raw.
      const joined = texts.every((text) => !text.includes(SEPARATOR));
      const done = await c.client.query(
        `UPDATE ${t.name} AS t SET ${t.column} = v.text::${t.columnType}
         FROM unnest($1::text[], $2::text[], ${joined ? 'string_to_array($3::text, chr(30))' : '$3::text[]'}) AS v(id, token, text)
         WHERE t.${t.id} = v.id::${t.idType} AND t.xmin = v.token::xid
         RETURNING t.${t.id}::text AS id, t.xmin::text AS token`,
        [
          writes.map((w) => w.state.id),
          writes.map((w) => w.state.ref),
          joined ? texts.join(SEPARATOR) : texts,
        ],
      );
      return done.rows.map((r) => ({ id: String(r.id), token: String(r.token) }));
    },

    record: async (c, t, records) => {
      const inserted = await c.client.query(
        `INSERT INTO ${t.rejected} ("table", "column", id, version, error, at)
         SELECT $1, $2, v.id, v.version, v.error, now()
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS v(id, token, version, error)
         JOIN ${t.name} t ON t.${t.id} = v.id::${t.idType} AND t.xmin = v.token::xid
         ON CONFLICT ("table", "column", id) DO NOTHING
         RETURNING id`,
        [
          options.table,
          options.column,
          records.map((r) => r.state.id),
          records.map((r) => r.state.ref),
          records.map((r) => (r.version === null ? null : storable(r.version))),
          records.map((r) => storable(r.error)),
        ],
      );
      return inserted.rows.map((r) => String(r.id));
    },

    recordedAmong: async (c, t, ids) => {
      const found = await c.client.query(
        `SELECT id FROM ${t.rejected} WHERE "table" = $1 AND "column" = $2 AND id = ANY($3::text[])`,
        [options.table, options.column, ids],
      );
      return found.rows.map((r) => String(r.id));
    },

    read: async (t, id) => {
      const found = await t.pool.query(
        `SELECT t.${t.id}::text AS id, t.${t.column}::text AS text, t.xmin::text AS token
         FROM ${t.name} t WHERE t.${t.id} = $1::${t.idType} AND t.${t.column} IS NOT NULL${t.where}`,
        [id],
      );
      const row = found.rows[0];
      return row === undefined ? undefined : asState(t, row);
    },

    write: async (t, w) => {
      const done = await t.pool.query(
        `UPDATE ${t.name} AS t SET ${t.column} = $3::text::${t.columnType}
         WHERE t.${t.id} = $1::${t.idType} AND t.xmin = $2::xid`,
        [w.state.id, w.state.ref, w.text],
      );
      return done.rowCount === 1;
    },

    countVersions: async (t, path): Promise<readonly CountedRow[]> => {
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
      return found.rows.map((r) => ({
        kind: r.kind === 'version' ? 'version' : r.kind === 'missing' ? 'missing' : 'invalid',
        value: r.value === null || r.value === undefined ? null : String(r.value),
        count: Number(r.n),
      }));
    },
  };
};
