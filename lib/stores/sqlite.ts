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
import { describeCause } from '../core/errors.js';
import {
  StoreError,
  type BatchResult,
  type RunCounts,
  type StateStore,
  type StoredState,
  type StoreRejection,
  type StoreSession,
  type StoreTarget,
  type StoreWrite,
  type VersionCount,
} from '../core/store.js';
import {
  checkTableOptions,
  missingDriver,
  quoteIdent,
  quoteQualified,
  schemaOf,
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

/** Options of {@link sqliteStore}: a database or a file, and the table. */
export interface SqliteStoreOptions extends TableOptions {
  /** An open `better-sqlite3` database (the store does not close it). Give this or `file`. */
  readonly database?: SqliteDatabaseLike;
  /** The database file to open (the store closes it in `close()`). */
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
  const table = checkTableOptions(options);
  if ((options.database === undefined) === (options.file === undefined)) {
    throw new TypeError('Expected exactly one of database and file');
  }
  if (options.file !== undefined && (typeof options.file !== 'string' || options.file === '')) {
    throw new TypeError(`Expected file to be a path, got ${String(options.file)}`);
  }
  const name = `sqlite ${table.table}.${table.column}`;
  const T = quoteQualified(table.table);
  const R = quoteQualified(table.rejectedTable);
  const C = quoteIdent(table.column);
  const I = quoteIdent(table.id);
  const J = `CAST(t.${C} AS TEXT)`;
  let db: SqliteDatabaseLike | undefined;
  let own = false;
  let checked = false;

  const wrap = (error: unknown): StoreError =>
    error instanceof StoreError
      ? error
      : new StoreError(`${name}: ${describeCause(error)}`, {
          reason: 'query',
          store: name,
          cause: error,
        });

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

  const open = async (): Promise<SqliteDatabaseLike> => {
    const database = await openDatabase();
    if (!checked) {
      const schema = schemaOf(table.table);
      const base = table.table.slice(schema === undefined ? 0 : schema.length + 1);
      const columns = (
        database
          .prepare(`SELECT name FROM pragma_table_info(?${schema === undefined ? '' : ', ?'})`)
          .all(...(schema === undefined ? [base] : [base, schema])) as { name: string }[]
      ).map((c) => c.name);
      if (columns.length === 0) {
        throw new StoreError(`${name}: no table ${table.table} (names are case-sensitive)`, {
          reason: 'schema',
          store: name,
        });
      }
      for (const [what, column] of [
        ['column', table.column],
        ['id column', table.id],
      ] as const) {
        if (!columns.includes(column) && !(what === 'id column' && ROWID.has(column))) {
          throw new StoreError(
            `${name}: table ${table.table} has no ${what} ${column} (it has ${columns.join(', ')})`,
            { reason: 'schema', store: name },
          );
        }
      }
      checked = true;
    }
    return database;
  };

  const guarded = async <T>(f: (d: SqliteDatabaseLike) => T | Promise<T>): Promise<T> => {
    try {
      return await f(await open());
    } catch (error) {
      throw wrap(error);
    }
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
  const runParams = (target: StoreTarget) => ({
    path: jsonPath(target.path),
    target: target.text,
    table: table.table,
    column: table.column,
  });

  /** Inside a write transaction: one statement per row, each only if the row is unchanged. */
  const commitBatch = (
    d: SqliteDatabaseLike,
    writes: readonly StoreWrite[],
    rejections: readonly StoreRejection[],
  ): BatchResult => {
    const update = d.prepare(
      `UPDATE ${T} AS t SET ${C} = @text WHERE t.${I} = @id AND t.${C} = @value`,
    );
    // Another process may have claimed the same rows (SQLite has no row locks) and recorded
    // them first: such a row is recorded and counted once, by whoever committed first.
    const recordedAlready = d.prepare(
      `SELECT 1 FROM ${R} WHERE "table" = @table AND "column" = @column AND id = @key`,
    );
    const record = d.prepare(
      `INSERT INTO ${R} ("table", "column", id, version, error, at)
       SELECT @table, @column, @key, @version, @error, @at
       WHERE EXISTS (SELECT 1 FROM ${T} AS t WHERE t.${I} = @id AND t.${C} = @value)`,
    );
    let written = 0;
    let recorded = 0;
    const conflicts: string[] = [];
    const refused: StoreRejection[] = [];
    for (const write of writes) {
      const ref = write.state.ref as Ref;
      try {
        if (update.run({ text: write.text, id: ref.id, value: ref.value }).changes === 1) written++;
        else conflicts.push(write.state.id);
      } catch (error) {
        if (
          !/^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/.test(String((error as { code?: unknown }).code))
        ) {
          throw error;
        }
        const message = `the database refused the migrated state: ${describeCause(error)}`;
        refused.push({ state: write.state, version: null, error: message });
      }
    }
    const at = new Date().toISOString();
    for (const rejection of [...rejections, ...refused]) {
      const ref = rejection.state.ref as Ref;
      const key = { table: table.table, column: table.column, key: rejection.state.id };
      if (recordedAlready.get(key) !== undefined) continue;
      const done = record.run({
        ...key,
        version: rejection.version,
        error: rejection.error,
        at,
        id: ref.id,
        value: ref.value,
      });
      if (done.changes === 1) recorded++;
      else conflicts.push(rejection.state.id);
    }
    return { written, recorded, conflicts, refused };
  };

  /** Runs `f` in an immediate write transaction, all or nothing. */
  const transaction = <T>(d: SqliteDatabaseLike, f: () => T): T => {
    d.exec('BEGIN IMMEDIATE');
    try {
      const result = f();
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

  const prepare = (target: StoreTarget, run: { retryRejected: boolean }): Promise<RunCounts> =>
    guarded((d) => {
      d.exec(
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
      const params = runParams(target);
      if (run.retryRejected) {
        d.prepare(`DELETE FROM ${R} WHERE "table" = ? AND "column" = ?`).run(
          params.table,
          params.column,
        );
      }
      const version = versionAt(target.path);
      const counts = d
        .prepare(
          `SELECT coalesce(sum(${version} IS @target), 0) AS atTarget,
                  coalesce(sum(${version} IS NOT @target AND ${notRejected}), 0) AS pending,
                  coalesce(sum(${version} IS NOT @target AND NOT ${notRejected}), 0) AS rejected
           FROM ${T} AS t WHERE t.${C} IS NOT NULL`,
        )
        .get(params) as { atTarget: number; pending: number; rejected: number };
      return {
        atTarget: Number(counts.atTarget),
        pending: Number(counts.pending),
        rejected: Number(counts.rejected),
      };
    });

  const session = (target: StoreTarget): Promise<StoreSession> =>
    guarded((d) => {
      const version = versionAt(target.path);
      const claimSql = (after: boolean) =>
        `SELECT t.${I} AS id, CAST(t.${I} AS TEXT) AS key, t.${C} AS text
         FROM ${T} AS t
         WHERE t.${C} IS NOT NULL AND ${version} IS NOT @target AND ${notRejected}${after ? ` AND t.${I} > @after` : ''}
         ORDER BY t.${I} LIMIT @size`;
      const first = d.prepare(claimSql(false));
      const next = d.prepare(claimSql(true));
      for (const statement of [first, next]) statement.safeIntegers(true);
      const params = runParams(target);
      const session: StoreSession = {
        claim: (size, after) =>
          guarded(() => {
            const rows = (
              after === undefined
                ? first.all({ ...params, size })
                : next.all({ ...params, size, after })
            ) as Row[];
            if (rows.length === 0) return undefined;
            const states = rows.map(asState);
            return {
              states,
              next: (states.at(-1)!.ref as Ref).id,
              commit: (writes, rejections) =>
                guarded((db) => transaction(db, () => commitBatch(db, writes, rejections))),
              release: async () => undefined,
            };
          }),
        close: async () => undefined,
      };
      return session;
    });

  const read = (id: string): Promise<StoredState | undefined> =>
    guarded((d) => {
      const statement = d.prepare(
        `SELECT t.${I} AS id, CAST(t.${I} AS TEXT) AS key, t.${C} AS text
         FROM ${T} AS t WHERE t.${I} = ? AND t.${C} IS NOT NULL`,
      );
      statement.safeIntegers(true);
      const row = statement.get(id) as Row | undefined;
      return row === undefined ? undefined : asState(row);
    });

  const write = (w: StoreWrite): Promise<boolean> =>
    guarded((d) => {
      const ref = w.state.ref as Ref;
      const done = d
        .prepare(`UPDATE ${T} AS t SET ${C} = ? WHERE t.${I} = ? AND t.${C} = ?`)
        .run(w.text, ref.id, ref.value);
      return done.changes === 1;
    });

  const countVersions = (path: readonly string[]): Promise<readonly VersionCount[]> =>
    guarded((d) => {
      const rows = d
        .prepare(
          `SELECT CASE
                    WHEN NOT json_valid(${J}) THEN 'invalid'
                    WHEN json_type(${J}) <> 'object' THEN 'invalid'
                    WHEN ${ambiguous(path)} THEN 'invalid'
                    WHEN json_type(${J}, @path) IS NULL THEN 'missing'
                    WHEN json_type(${J}, @path) IN ('object', 'array') THEN 'invalid'
                    ELSE 'version'
                  END AS kind,
                  CASE
                    WHEN NOT json_valid(${J}) THEN NULL
                    WHEN json_type(${J}) <> 'object' THEN NULL
                    WHEN ${ambiguous(path)} THEN NULL
                    WHEN json_type(${J}, @path) IS NULL THEN NULL
                    WHEN json_type(${J}, @path) IN ('object', 'array') THEN NULL
                    ELSE json_quote(json_extract(${J}, @path))
                  END AS value,
                  count(*) AS n
           FROM ${T} AS t WHERE t.${C} IS NOT NULL
           GROUP BY 1, 2`,
        )
        .all({ path: jsonPath(path) }) as { kind: string; value: string | null; n: number }[];
      return rows.map((r): VersionCount => {
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
    close: async () => {
      if (own) db?.close();
      if (own) db = undefined;
      checked = false;
    },
  };
};
