/**
 * The store contract: what `migrateStore`, `census` and `readMigrated` need of a place where
 * states live (a table of PostgreSQL or SQLite, or any other store). Stated in core terms —
 * states as exact JSON text, versions, batches claimed and committed all or nothing — and
 * free of I/O: the drivers (`migraph/postgres`, `migraph/sqlite`) implement it.
 *
 * @since 0.1.0
 */

// --- what a store holds ---------------------------------------------------------------------

/** One stored state: its id (as text, for people), its exact JSON text, and a driver handle. */
export interface StoredState {
  /** The row's id as text: what `migraph_rejected` records and people look up. */
  readonly id: string;
  /** The state as the store holds it, as JSON text, never converted on the way. */
  readonly text: string;
  /**
   * Why the stored value cannot be read as text at all (a BLOB that is not UTF-8, say): such
   * a state is rejected as it is.
   */
  readonly unreadable?: string;
  /**
   * True when the store keeps one value per key (PostgreSQL `jsonb`): the text then needs no
   * scan for keys that appear twice.
   */
  readonly uniqueKeys?: boolean;
  /**
   * The driver's own handle on the row (its native id and a token of the value read, such as
   * PostgreSQL's `xmin` or the text itself): what the optimistic check compares.
   */
  readonly ref: unknown;
}

/** Where a version sits in each state and how the target version is written there. */
export interface StoreTarget {
  /** Keys leading to the version field (the migrator's `versionPath`). */
  readonly path: readonly string[];
  /**
   * The target as a store's JSON functions render the field as text (`'1.1.0'`, or `'3'` in
   * the integer format): rows whose field renders as this are at the target and not claimed.
   */
  readonly text: string;
}

/** A migrated state to write back, only where the row still holds what was read. */
export interface StoreWrite {
  readonly state: StoredState;
  /** The migrated state as JSON text. */
  readonly text: string;
}

/** A state that cannot be migrated: it stays as it is, and is recorded. */
export interface StoreRejection {
  readonly state: StoredState;
  /** The version the state carries, as written (`null` when it cannot be read). */
  readonly version: string | null;
  readonly error: string;
}

/** What committing a batch did. */
export interface BatchResult {
  /** Migrated states written back. */
  readonly written: number;
  /**
   * The tokens of the values this batch wrote, each once, from a store that counts without
   * reading them ({@link StateStore.pendingBesides}); absent from others. PostgreSQL: the ids
   * of the (sub)transactions that wrote them, one for the batch (or one per row, for the rows
   * of a batch written one at a time).
   */
  readonly tokens?: readonly unknown[];
  /**
   * Rejections this batch recorded (those asked for, plus the writes the store refused).
   * A row another session or process recorded after this batch was claimed is not recorded
   * (nor counted) twice, and is not a conflict either.
   */
  readonly recorded: number;
  /**
   * Ids neither written nor recorded because the application changed the row after it was
   * read: the next pass reads and migrates them again.
   */
  readonly conflicts: readonly string[];
  /**
   * Writes the store itself refused (for example a string PostgreSQL's `jsonb` cannot hold):
   * those rows stay as they were and are recorded as rejected instead.
   */
  readonly refused: readonly StoreRejection[];
}

/** A batch of states claimed by one session: nobody else migrates them until it ends. */
export interface ClaimedBatch {
  readonly states: readonly StoredState[];
  /** Where the next claim of this pass starts (a driver cursor, after the last state). */
  readonly next: unknown;
  /**
   * Writes `writes` and records `rejections` — each only if its row still holds what was
   * read — and commits: one transaction, all or nothing.
   */
  commit(
    writes: readonly StoreWrite[],
    rejections: readonly StoreRejection[],
  ): Promise<BatchResult>;
  /** Ends the batch without writing anything. */
  release(): Promise<void>;
}

/** One worker's connection to a store. */
export interface StoreSession {
  /**
   * Claims up to `size` states after the cursor `after` (from the start when undefined) that
   * are not at the target, not recorded as rejected, and not claimed by another session;
   * `undefined` when none is left.
   */
  claim(size: number, after: unknown): Promise<ClaimedBatch | undefined>;
  close(): Promise<void>;
}

/** The rows a run starts with. */
export interface RunCounts {
  /** States not at the target and not recorded as rejected. */
  readonly pending: number;
  /** States at the target already. */
  readonly atTarget: number;
  /**
   * States not at the target that earlier runs recorded as rejected: this run leaves them
   * alone (0 after `retryRejected`, which forgets those records).
   */
  readonly rejected: number;
}

/** One group of a census: states whose version field holds the same JSON value. */
export type VersionCount =
  | {
      readonly kind: 'version';
      /** The field's JSON value (a string, or a number in the integer format). */
      readonly value: unknown;
      readonly count: number;
    }
  | { readonly kind: 'missing'; readonly count: number }
  /** Not JSON, not an object, or a version field that is an object or array. */
  | { readonly kind: 'invalid'; readonly count: number };

/** Anything whose states can be counted by version: a store, an NDJSON file. */
export interface CensusSource {
  /** Counts states by the raw value at `path`. */
  countVersions(path: readonly string[]): Promise<readonly VersionCount[]>;
}

/**
 * A table (or any collection) of states that can be migrated in place by many workers at
 * once. Implemented by `postgresStore` and `sqliteStore`.
 */
export interface StateStore extends CensusSource {
  /** A short description for messages, such as `postgres agents.state`. */
  readonly name: string;
  /**
   * Gets the store ready for a run to `target` (creating the `migraph_rejected` table where
   * missing; forgetting earlier rejections when `retryRejected`) and counts its rows.
   */
  prepare(target: StoreTarget, options: { readonly retryRejected: boolean }): Promise<RunCounts>;
  /** Opens a session for one worker. */
  session(target: StoreTarget): Promise<StoreSession>;
  /** Reads one state by id; `undefined` when there is no such row (or it holds no state). */
  read(id: string): Promise<StoredState | undefined>;
  /** Writes one state back if its row still holds what was read; false when it changed. */
  write(write: StoreWrite): Promise<boolean>;
  /**
   * How many states are still to do (as `prepare` counts `pending`) but those the run has
   * handled and the application has not written since: the count a run ends with, where a
   * store can take it so. The rows holding a value one of `handled.tokens` names are not read.
   * `undefined` when the store cannot tell its own writes for this table (PostgreSQL: before
   * 14, or a trigger or rule on `UPDATE` that might write other rows of the table in the same
   * transaction); without it, or then, a run ends by counting every state again.
   */
  pendingBesides?(target: StoreTarget, handled: HandledRows): Promise<number | undefined>;
  /** Releases the store's connections (those it opened itself). */
  close(): Promise<void>;
  /**
   * How another process opens this same store (what worker processes of `migrateStore` use);
   * undefined when it cannot, such as a store over a pool or database handle given in code.
   */
  readonly location?: StoreLocation;
  /**
   * Why only one process may migrate this store at a time, if so: SQLite has no row locks, so
   * several processes would claim the same batches and wait on one another's writes.
   */
  readonly singleProcess?: string;
}

/**
 * A store as another process can open it: a module exporting a store factory, and the
 * factory's options as plain JSON data (a connection string, never a pool).
 */
export interface StoreLocation {
  /** The module's URL (`file:` URL of the driver's entry). */
  readonly module: string;
  /** The name of the factory it exports, such as `postgresStore`. */
  readonly factory: string;
  /** The factory's options, as JSON data. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The rows a run has handled, as its last count skips them (see `StateStore.pendingBesides`). */
export interface HandledRows {
  /** The tokens of the values the run wrote ({@link BatchResult.tokens}): at the target. */
  readonly tokens: readonly unknown[];
  /**
   * The rows the run found at the target as the migrator reads them (a version written
   * differently, or a newer state kept), each with its `ref` as read: left as they were,
   * skipped while they still hold that value.
   */
  readonly seen: readonly Pick<StoredState, 'id' | 'ref'>[];
}

// --- ranges of ids -------------------------------------------------------------------------

/**
 * The ids after `after` (from the first when absent) up to and including `upTo` (to the last
 * when absent), as the store's cursors write them: JSON data, sent to worker processes.
 */
export interface IdRange {
  readonly after?: unknown;
  readonly upTo?: unknown;
}

/** A session that can claim within a range: up to `size` states after `after`, none past `upTo`. */
export interface RangedSession extends StoreSession {
  claim(size: number, after: unknown, upTo?: unknown): Promise<ClaimedBatch | undefined>;
}

/**
 * A store that splits its rows into ranges of ids, and whose sessions claim within one: how
 * a run with worker processes hands out its rows, so that each process claims only in ranges
 * of its own and never scans past rows a sibling is migrating or has migrated (each such row
 * read again costs the database about as much as a claimed one). Implemented by
 * `postgresStore`.
 */
export interface RangedStore extends StateStore {
  /**
   * Ranges of about `rows` rows each, in order, that together cover every id (rows added
   * later included: the first range has no `after`, the last no `upTo`).
   */
  ranges(rows: number): Promise<readonly IdRange[]>;
  session(target: StoreTarget): Promise<RangedSession>;
}

/**
 * Whether `store` splits its rows into ranges of ids ({@link RangedStore}).
 *
 * @since 0.1.0
 */
export const isRanged = (store: StateStore): store is RangedStore =>
  typeof (store as Partial<RangedStore>).ranges === 'function';

// --- runs -----------------------------------------------------------------------------------

/** Counts of a `migrateStore` run. */
export interface StoreReport {
  /** States migrated and written back. */
  readonly migrated: number;
  /**
   * States at the target when the run started, plus those it found there: a version written
   * differently, such as `v1.1.0`, or a newer state kept as it is (under `onNewerVersion`
   * `'keep'` or `'read-compatible'`).
   */
  readonly alreadyAtTarget: number;
  /**
   * States this run could not migrate: left as they were and recorded in `migraph_rejected`
   * (each counted once, whichever session or process recorded it).
   */
  readonly rejected: number;
  /**
   * States still recorded in `migraph_rejected` by earlier runs, not at the target and not
   * tried again by this one (`retryRejected` tries them): 0 when the table is otherwise done.
   */
  readonly previouslyRejected: number;
  /**
   * States left for the next run because the application was using them: changed while they
   * were being migrated, still changing after every retry, or held locked by another
   * transaction (`SELECT … FOR UPDATE`) past `lockWait`. 0 when the run did every state it
   * counted.
   */
  readonly conflicts: number;
}

/** Progress of a `migrateStore` run, after each committed batch. */
export interface StoreProgress {
  /** States handled so far (migrated, at the target or rejected). */
  readonly done: number;
  /** States to migrate when the run started (other workers may take some of them). */
  readonly total: number;
  readonly migrated: number;
  readonly alreadyAtTarget: number;
  readonly rejected: number;
}

/**
 * A project on disk, as worker processes load it: the same shape as `migraph/node`'s
 * `ProjectOptions`. Relative paths are resolved against the calling process's directory.
 */
export interface StoreProject {
  /** The migrations directory. */
  readonly dir: string;
  /** The schemas module (default: `<dir>/schemas.{js,mjs,ts}` when there is one). */
  readonly schemas?: string;
  /** How long one module may take to load, in milliseconds (default 30,000). */
  readonly loadTimeoutMs?: number;
  /** When states are checked against their version's codec (default `'each-step'`). */
  readonly validate?: 'each-step' | 'final' | 'off';
}

/** Options of `migrateStore`. */
export interface MigrateStoreOptions {
  /** Target version. Default: the migrator's current version. */
  readonly to?: string | number;
  /** States per batch (per transaction). Default 500. */
  readonly batchSize?: number;
  /**
   * Concurrent workers, each with its own connection and transaction. Default 1. Without
   * `project` they are sessions of this process (more connections, one CPU); with `project`
   * they are worker processes (one CPU each), each rebuilding the migrator from the project.
   * Other processes and machines running the same call share the work as well.
   */
  readonly workers?: number;
  /**
   * Where worker processes find the migrations: the project on disk that `m` was loaded from
   * (its migrations directory, schemas module and load time limit, as `migraph/node`'s
   * `loadCompleteProject` takes them). Given, `workers` counts processes; the store must be
   * one another process can open (`location`: a connection string or a file, not a pool or a
   * database handle), and one that several processes may migrate at once (not SQLite).
   */
  readonly project?: StoreProject;
  /** Forget the table's recorded rejections first, so that those rows are tried again. */
  readonly retryRejected?: boolean;
  /** Called after each committed batch. */
  readonly onProgress?: (progress: StoreProgress) => void;
  /**
   * How long (ms) to wait, at the end, for states another transaction holds locked (the
   * application's `SELECT … FOR UPDATE`, or another run's batch) and migrate them once
   * free; those still locked then are counted in `conflicts`. Default 5000; 0 waits not.
   */
  readonly lockWait?: number;
}

// --- errors ---------------------------------------------------------------------------------

/** Why a {@link StoreError} was raised. */
export type StoreErrorReason =
  /** The driver (`pg`, `better-sqlite3`) is not installed. */
  | 'missing_driver'
  /** The database cannot be reached or opened. */
  | 'connection'
  /** The table or one of its columns does not exist, or has a type that cannot hold states. */
  | 'schema'
  /** A statement failed. */
  | 'query'
  /** No row has that id (or it holds no state). */
  | 'not_found'
  /** The stored text cannot be read without loss (not JSON, or a number JavaScript cannot hold). */
  | 'unreadable'
  /** The row kept changing while it was being migrated and written back. */
  | 'conflict'
  /** A worker process of `migrateStore` failed or stopped (its open batch is rolled back). */
  | 'worker'
  /** Another tab holds the store's lock, and `ifLocked: 'skip'` asked not to wait (IndexedDB). */
  | 'locked';

/** Structured fields of a {@link StoreError}. */
export interface StoreErrorDetails {
  readonly reason: StoreErrorReason;
  /** The store, as described by its `name`. */
  readonly store?: string;
  /** The row concerned, when there is one. */
  readonly id?: string;
  readonly cause?: unknown;
}

/**
 * A store could not be used: a missing driver, an unreachable database, a missing table or
 * column, a failed statement, or a row that cannot be read without loss.
 *
 * @example
 * if (E.isLeft(report) && report.left instanceof StoreError) console.error(report.left.reason)
 * @since 0.1.0
 */
export class StoreError extends Error {
  override readonly name = 'StoreError' as const;
  readonly reason: StoreErrorReason;
  readonly store: string | undefined;
  readonly id: string | undefined;

  constructor(message: string, details: StoreErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
    this.store = details.store;
    this.id = details.id;
  }
}
