/**
 * What an SQL driver gives the shared SQL-store layer (kysely's `Dialect`, cut to migraph's
 * needs): how to open the database and describe the table, the connection a session holds,
 * the driver's errors, and each statement's SQL text. Everything else — the option checks,
 * the guards that turn failures into `StoreError`s, the claim / write / reject flow of a
 * batch, the census mapping, the store's name and location — is `sqlStore`'s, once.
 *
 * @since 0.1.0
 */
import type {
  HandledRows,
  RunCounts,
  StoredState,
  StoreRejection,
  StoreTarget,
  StoreWrite,
} from '../../core/store.js';

/** A row a batch wrote: its id, and, where the dialect counts besides them, its token. */
export interface WrittenRow {
  readonly id: string;
  /**
   * What tells the value written (see `pendingBesides`). PostgreSQL: the row's new `xmin`, the
   * id of the (sub)transaction that wrote it (the batch's savepoint, or a row's own).
   */
  readonly token?: unknown;
}

/** What a dialect learnt of its table on first use. */
export interface SqlTable {
  /**
   * Why rows cannot be told apart by the id column (no unique index on it alone, or NULL
   * allowed in it), if so: writes by id would overwrite other rows or miss their own, so
   * nothing is migrated or written.
   */
  readonly notUnique?: string;
}

/** The connection one session holds from its first claim to its close. */
export interface SqlConnection {
  /** Runs a statement without parameters or result (`SAVEPOINT …`, `ROLLBACK TO …`). */
  exec(sql: string): Promise<void>;
  /** Starts the claim of a batch (PostgreSQL: `BEGIN`, so that the claimed rows stay locked). */
  beginClaim(): Promise<void>;
  /**
   * Runs a batch's writes and commits them: in the claim's transaction (PostgreSQL), or in a
   * write transaction of their own, one at a time per database (SQLite's `BEGIN IMMEDIATE`).
   */
  commit<R>(writes: () => Promise<R>): Promise<R>;
  /** Ends a claim without writing: rolls back what is open. */
  rollback(): Promise<void>;
  /** The error the connection reported while held, if any (it says more than the next one). */
  lost(): unknown;
  /** Gives the connection back; a `broken` one is destroyed. */
  release(broken: boolean): void;
}

/** A claimed row, with the driver's cursor after it. */
export interface ClaimedRow {
  readonly state: StoredState;
  /** Where the next claim starts when this row is the batch's last. */
  readonly cursor: unknown;
}

/** One group of a census, as the database counted it. */
export interface CountedRow {
  readonly kind: 'version' | 'missing' | 'invalid';
  /** The version field's value as JSON text, for `version`. */
  readonly value: string | null;
  readonly count: number;
}

/** What a failed write of one row means. */
export type RowFailure =
  /** The database refused that value (a constraint, a type, a size): the row is recorded. */
  | { readonly kind: 'refused'; readonly why: string }
  /**
   * Refused either for that row or for the statement as a whole (privileges, the transaction's
   * state, the server's resources, an internal error — which a trigger may raise for one row
   * too): the row is recorded when the same statement runs for other rows, else the batch fails.
   */
  | { readonly kind: 'row-or-statement'; readonly why: string }
  /** A transient failure (a deadlock): the row is left to the next pass. */
  | { readonly kind: 'transient' }
  /** The connection is gone (or the driver failed): the batch fails. */
  | { readonly kind: 'fatal' };

/**
 * A driver of `sqlStore`: one per database system (`postgres/dialect.ts`, `sqlite/dialect.ts`).
 * `T` is what it learns of its table, `C` the connection a session holds.
 */
export interface SqlDialect<T extends SqlTable, C extends SqlConnection> {
  // --- connection and table ---
  /** Opens the database on first use and describes the table (a `StoreError` when unusable). */
  open(): Promise<T>;
  /** Closes what the dialect opened itself (a pool or database given to it stays open). */
  close(): Promise<void>;
  /** A connection for one session. */
  connect(table: T): Promise<C>;
  // --- errors ---
  /** The `StoreError` reason of a failure. */
  reasonOf(error: unknown): 'connection' | 'query';
  /** What a failed write of one row means. */
  rowFailure(error: unknown): RowFailure;
  // --- statements ---
  /** Creates the rejected-rows table where missing. */
  createRejectedTable(table: T): Promise<void>;
  /** Forgets the table's recorded rejections. */
  forgetRejected(table: T): Promise<void>;
  /** Counts the rows at the target, to do, and recorded as rejected. */
  count(table: T, target: StoreTarget): Promise<RunCounts>;
  /**
   * Claims up to `size` rows after `after` (none past `upTo`, when given), not at the target
   * and not recorded as rejected.
   */
  claim(
    connection: C,
    table: T,
    target: StoreTarget,
    size: number,
    after: unknown,
    upTo?: unknown,
  ): Promise<readonly ClaimedRow[]>;
  /**
   * The cursors that split the table's rows into groups of `every` rows in claim order (the
   * cursor of each group's last row): how a run with worker processes hands out ranges of ids,
   * where the database can tell them cheaply (see `RangedStore`).
   */
  readonly bounds?: (table: T, every: number) => Promise<readonly unknown[]>;
  /**
   * Counts the rows still to do (as `count` counts them `pending`) but those whose value one
   * of `handled.tokens` names ({@link WrittenRow.token}), whose states are not read, and those
   * of `handled.seen` still as read. Where the database can tell (see
   * `StateStore.pendingBesides`); undefined when it cannot for this table.
   */
  readonly pendingBesides?: (
    table: T,
    target: StoreTarget,
    handled: HandledRows,
  ) => Promise<number | undefined>;
  /** Writes states back where their rows are unchanged: the rows written. */
  update(connection: C, table: T, writes: readonly StoreWrite[]): Promise<readonly WrittenRow[]>;
  /** Records rejections of rows still unchanged and not recorded yet; the ids recorded. */
  record(connection: C, table: T, records: readonly StoreRejection[]): Promise<readonly string[]>;
  /** Which of `ids` are recorded as rejected already. */
  recordedAmong(connection: C, table: T, ids: readonly string[]): Promise<readonly string[]>;
  /** One row by id, outside any session. */
  read(table: T, id: string): Promise<StoredState | undefined>;
  /** Writes one state back if its row is unchanged, outside any session. */
  write(table: T, write: StoreWrite): Promise<boolean>;
  /** Counts the rows by the raw value at `path`. */
  countVersions(table: T, path: readonly string[]): Promise<readonly CountedRow[]>;
}
