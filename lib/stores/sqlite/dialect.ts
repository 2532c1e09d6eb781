/**
 * SQLite's dialect of the SQL-store layer (driver: `better-sqlite3`): the database, what
 * SQLite's errors mean, and the SQL text. SQLite has no row locks and one writer at a time:
 * a claim is a plain read, and each batch is written in a write transaction of its own
 * (`BEGIN IMMEDIATE`), one at a time, only where the row still holds the value read.
 *
 * @since 0.1.0
 */
import { describeCause } from '../../core/describe-cause.js';
import { serially } from '../../core/ordered.js';
import { StoreError, type StoredState } from '../../core/store.js';
import type {
  ClaimedRow,
  CountedRow,
  RowFailure,
  SqlConnection,
  SqlDialect,
  SqlTable,
  WrittenRow,
} from '../sql/dialect.js';
import {
  missingDriver,
  noColumn,
  noTable,
  quoteIdent,
  quoteQualified,
  schemaOf,
  type TableOptions,
} from '../sql/table.js';

// --- the driver, as far as migraph uses it ---------------------------------------------------

/** A prepared statement of `better-sqlite3`, as far as migraph uses it. */
export interface SqliteStatementLike {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  safeIntegers(toggle?: boolean): unknown;
}

/** A `better-sqlite3` `Database`, as far as migraph uses it. */
export interface SqliteDatabaseLike {
  prepare(sql: string): SqliteStatementLike;
  exec(sql: string): unknown;
  close(): unknown;
}

/** What the dialect needs: the table, checked, and a database or its file. */
export interface SqliteDialectOptions extends Required<TableOptions> {
  readonly name: string;
  readonly database?: SqliteDatabaseLike;
  readonly file?: string;
}

/** Column names that always identify a row of an ordinary table. */
const ROWID = new Set(['rowid', 'oid', '_rowid_']);

interface Row {
  readonly id: unknown;
  readonly key: string;
  readonly text: unknown;
}

/** The driver handle of a row: its id as SQLite holds it, and the value read (the check). */
interface Ref {
  readonly id: unknown;
  readonly value: unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A stored value as JSON text, or why it cannot be one. */
const asState = (row: Row): StoredState => {
  const ref: Ref = { id: row.id, value: row.text };
  if (typeof row.text === 'string') return { id: row.key, text: row.text, ref };
  if (row.text instanceof Uint8Array) {
    try {
      return { id: row.key, text: utf8.decode(row.text), ref };
    } catch {
      return { id: row.key, text: '', ref, unreadable: 'a BLOB that is not UTF-8 text' };
    }
  }
  return { id: row.key, text: String(row.text), ref };
};

/** A JSON path of SQLite's JSON functions (`$."a"."b"`). */
const jsonPath = (path: readonly string[]): string => {
  for (const key of path) {
    if (key.includes('"')) {
      throw new StoreError(`sqlite: a version key may not contain '"', got ${key}`, {
        reason: 'schema',
      });
    }
  }
  return `$${path.map((key) => `."${key}"`).join('')}`;
};

const rowFailure = (error: unknown): RowFailure =>
  /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/.test(String((error as { code?: unknown }).code))
    ? {
        kind: 'refused',
        why: `the database refused the migrated state: ${describeCause(error)}`,
      }
    : { kind: 'fatal' };

/** The connection of a session: the store's one database. */
interface SqliteConnection extends SqlConnection {
  readonly db: SqliteDatabaseLike;
}

/** What the dialect learnt of its table: nothing beyond its database. */
interface SqliteTable extends SqlTable {
  readonly db: SqliteDatabaseLike;
}

/**
 * The dialect of one SQLite store. Nothing is opened until it is opened; `better-sqlite3` is
 * imported then (a database of the store's own, closed by `close`).
 */
export const sqliteDialect = (
  options: SqliteDialectOptions,
): SqlDialect<SqliteTable, SqliteConnection> => {
  const { name } = options;
  const T = quoteQualified(options.table);
  const R = quoteQualified(options.rejectedTable);
  const C = quoteIdent(options.column);
  const I = quoteIdent(options.id);
  const J = `CAST(t.${C} AS TEXT)`;
  let db: SqliteDatabaseLike | undefined;
  let own = false;
  // SQLite has one writer at a time: the writes of every session go in turn.
  const writes = serially();

  const openDatabase = async (): Promise<SqliteDatabaseLike> => {
    if (db !== undefined) return db;
    if (options.database !== undefined) {
      db = options.database;
      return db;
    }
    let Database: typeof import('better-sqlite3');
    try {
      Database = (await import('better-sqlite3')).default;
    } catch (cause) {
      throw missingDriver('better-sqlite3', 'migraph/sqlite', cause);
    }
    try {
      db = new Database(options.file!, { fileMustExist: true }) as unknown as SqliteDatabaseLike;
    } catch (cause) {
      throw new StoreError(`${name}: cannot open ${options.file}: ${describeCause(cause)}`, {
        reason: 'connection',
        store: name,
        cause,
      });
    }
    own = true;
    return db;
  };

  const describe = (database: SqliteDatabaseLike): SqliteTable => {
    const schema = schemaOf(options.table);
    const base = options.table.slice(schema === undefined ? 0 : schema.length + 1);
    const columns = (
      database
        .prepare(`SELECT name FROM pragma_table_info(?${schema === undefined ? '' : ', ?'})`)
        .all(...(schema === undefined ? [base] : [base, schema])) as { name: string }[]
    ).map((c) => c.name);
    if (columns.length === 0) throw noTable(name, options.table);
    for (const [what, column] of [
      ['column', options.column],
      ['id column', options.id],
    ] as const) {
      if (!columns.includes(column) && !(what === 'id column' && ROWID.has(column))) {
        throw noColumn(name, options.table, what, column, columns);
      }
    }
    return { db: database };
  };

  /**
   * True when a key on the version path appears twice in its object: SQLite reads the first
   * value, JavaScript the last, so the version is not one (such rows are claimed, and
   * rejected; a census counts them as invalid). The exact test (`json_each` keeps duplicates
   * and decodes escapes) runs only on rows whose text names a key twice or has `\u` escapes.
   */
  const ambiguous = (path: readonly string[]): string => {
    const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const twice = path.map((key) => {
      const quoted = literal(`"${key}"`);
      return `instr(substr(${J}, instr(${J}, ${quoted}) + length(${quoted})), ${quoted}) > 0`;
    });
    const escaped = path.some((key) => /[\\/]/.test(key)) ? `'\\'` : `'\\u'`;
    const repeated = path.map(
      (key, i) =>
        `(SELECT count(*) FROM json_each(${J}, ${literal(jsonPath(path.slice(0, i)))}) WHERE key = ${literal(key)}) > 1`,
    );
    return `(CASE WHEN NOT json_valid(${J}) THEN 0
                  WHEN NOT (${[...twice, `instr(${J}, ${escaped}) > 0`].join(' OR ')}) THEN 0
                  ELSE (${repeated.join(' OR ')}) END)`;
  };
  /** The version field as text; NULL when it cannot be read (or is ambiguous). */
  const versionAt = (path: readonly string[]) =>
    `(CASE WHEN json_valid(${J}) AND NOT ${ambiguous(path)} THEN CAST(json_extract(${J}, @path) AS TEXT) END)`;
  const notRejected = `NOT EXISTS (SELECT 1 FROM ${R} r WHERE r."table" = @table AND r."column" = @column AND r.id = CAST(t.${I} AS TEXT))`;
  const runParams = (target: { path: readonly string[]; text: string }) => ({
    path: jsonPath(target.path),
    target: target.text,
    table: options.table,
    column: options.column,
  });
  const keyOf = (id: string) => ({ table: options.table, column: options.column, key: id });

  /** Runs `f` in an immediate write transaction, all or nothing. */
  const transaction = async <R>(d: SqliteDatabaseLike, f: () => Promise<R>): Promise<R> => {
    d.exec('BEGIN IMMEDIATE');
    try {
      const result = await f();
      d.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        d.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite.
      }
      throw error;
    }
  };

  return {
    open: async () => describe(await openDatabase()),
    close: async () => {
      if (own) db?.close();
      if (own) db = undefined;
    },
    connect: async (t) => ({
      db: t.db,
      exec: async (sql) => void t.db.exec(sql),
      beginClaim: async () => undefined,
      commit: (f) => writes(() => transaction(t.db, f)),
      rollback: async () => undefined,
      lost: () => undefined,
      release: () => undefined,
    }),
    reasonOf: () => 'query',
    rowFailure,

    createRejectedTable: async (t) => {
      t.db.exec(
        `CREATE TABLE IF NOT EXISTS ${R} (
           "table" TEXT NOT NULL,
           "column" TEXT NOT NULL,
           id TEXT NOT NULL,
           version TEXT,
           error TEXT NOT NULL,
           at TEXT NOT NULL,
           PRIMARY KEY ("table", "column", id)
         )`,
      );
    },

    forgetRejected: async (t) => {
      t.db
        .prepare(`DELETE FROM ${R} WHERE "table" = ? AND "column" = ?`)
        .run(options.table, options.column);
    },

    count: async (t, target) => {
      const version = versionAt(target.path);
      const counts = t.db
        .prepare(
          `SELECT coalesce(sum(${version} IS @target), 0) AS atTarget,
                  coalesce(sum(${version} IS NOT @target AND ${notRejected}), 0) AS pending,
                  coalesce(sum(${version} IS NOT @target AND NOT ${notRejected}), 0) AS rejected
           FROM ${T} AS t WHERE t.${C} IS NOT NULL`,
        )
        .get(runParams(target)) as { atTarget: number; pending: number; rejected: number };
      return {
        atTarget: Number(counts.atTarget),
        pending: Number(counts.pending),
        rejected: Number(counts.rejected),
      };
    },

    claim: async (c, _t, target, size, after): Promise<readonly ClaimedRow[]> => {
      const statement = c.db.prepare(
        `SELECT t.${I} AS id, CAST(t.${I} AS TEXT) AS key, t.${C} AS text
         FROM ${T} AS t
         WHERE t.${C} IS NOT NULL AND ${versionAt(target.path)} IS NOT @target AND ${notRejected}${after === undefined ? '' : ` AND t.${I} > @after`}
         ORDER BY t.${I} LIMIT @size`,
      );
      statement.safeIntegers(true);
      const rows = statement.all({
        ...runParams(target),
        size,
        ...(after === undefined ? {} : { after }),
      }) as Row[];
      return rows.map((row) => ({ state: asState(row), cursor: row.id }));
    },

    update: async (c, _t, batch) => {
      const update = c.db.prepare(
        `UPDATE ${T} AS t SET ${C} = @text WHERE t.${I} = @id AND t.${C} = @value`,
      );
      const written: WrittenRow[] = [];
      for (const write of batch) {
        const ref = write.state.ref as Ref;
        if (update.run({ text: write.text, id: ref.id, value: ref.value }).changes === 1) {
          written.push({ id: write.state.id });
        }
      }
      return written;
    },

    record: async (c, _t, records) => {
      const record = c.db.prepare(
        `INSERT OR IGNORE INTO ${R} ("table", "column", id, version, error, at)
         SELECT @table, @column, @key, @version, @error, @at
         WHERE EXISTS (SELECT 1 FROM ${T} AS t WHERE t.${I} = @id AND t.${C} = @value)`,
      );
      const at = new Date().toISOString();
      const recorded: string[] = [];
      for (const rejection of records) {
        const ref = rejection.state.ref as Ref;
        const done = record.run({
          ...keyOf(rejection.state.id),
          version: rejection.version,
          error: rejection.error,
          at,
          id: ref.id,
          value: ref.value,
        });
        if (done.changes === 1) recorded.push(rejection.state.id);
      }
      return recorded;
    },

    recordedAmong: async (c, _t, ids) => {
      const recorded = c.db.prepare(
        `SELECT 1 FROM ${R} WHERE "table" = @table AND "column" = @column AND id = @key`,
      );
      return ids.filter((id) => recorded.get(keyOf(id)) !== undefined);
    },

    read: async (t, id) => {
      const statement = t.db.prepare(
        `SELECT t.${I} AS id, CAST(t.${I} AS TEXT) AS key, t.${C} AS text
         FROM ${T} AS t WHERE t.${I} = ? AND t.${C} IS NOT NULL`,
      );
      statement.safeIntegers(true);
      const row = statement.get(id) as Row | undefined;
      return row === undefined ? undefined : asState(row);
    },

    write: async (t, w) => {
      const ref = w.state.ref as Ref;
      const done = t.db
        .prepare(`UPDATE ${T} AS t SET ${C} = ? WHERE t.${I} = ? AND t.${C} = ?`)
        .run(w.text, ref.id, ref.value);
      return done.changes === 1;
    },

    countVersions: async (t, path): Promise<readonly CountedRow[]> => {
      // In CASE order: json_type must not see text that is not JSON.
      const notJson = `NOT json_valid(${J})`;
      const notObject = `json_type(${J}) <> 'object'`;
      const twice = ambiguous(path);
      const missing = `json_type(${J}, @path) IS NULL`;
      const nested = `json_type(${J}, @path) IN ('object', 'array')`;
      const rows = t.db
        .prepare(
          `SELECT CASE
                    WHEN ${notJson} THEN 'invalid'
                    WHEN ${notObject} THEN 'invalid'
                    WHEN ${twice} THEN 'invalid'
                    WHEN ${missing} THEN 'missing'
                    WHEN ${nested} THEN 'invalid'
                    ELSE 'version'
                  END AS kind,
                  CASE
                    WHEN ${notJson} THEN NULL
                    WHEN ${notObject} THEN NULL
                    WHEN ${twice} THEN NULL
                    WHEN ${missing} THEN NULL
                    WHEN ${nested} THEN NULL
                    ELSE json_quote(json_extract(${J}, @path))
                  END AS value,
                  count(*) AS n
           FROM ${T} AS t WHERE t.${C} IS NOT NULL
           GROUP BY 1, 2`,
        )
        .all({ path: jsonPath(path) }) as { kind: string; value: string | null; n: number }[];
      return rows.map((r) => ({
        kind: r.kind === 'version' ? 'version' : r.kind === 'missing' ? 'missing' : 'invalid',
        value: r.value,
        count: Number(r.n),
      }));
    },
  };
};
