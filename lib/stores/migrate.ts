/**
 * `migrateStore`: migrates every state of a store in place, in batches claimed by concurrent
 * sessions (and by any number of other processes and machines running the same call), one
 * transaction per batch. Rows the application changes meanwhile are never overwritten; rows
 * that cannot be migrated stay as they are and are recorded in `migraph_rejected`.
 *
 * @since 0.1.0
 */
import type { ProcessPool, WorkerTally } from './process-pool.js';
import * as E from '#fp/Either.js';
import { MigrationError, type MigraphError } from '../core/errors.js';
import { describeCause } from '../core/describe-cause.js';
import type { Migrator } from '../core/migrator.js';
import {
  isRanged,
  StoreError,
  type BatchResult,
  type ClaimedBatch,
  type HandledRows,
  type IdRange,
  type MigrateStoreOptions,
  type RangedSession,
  type RunCounts,
  type StateStore,
  type StoredState,
  type StoreReport,
  type StoreRejection,
  type StoreSession,
  type StoreTarget,
  type StoreWrite,
  type StoreProject,
} from '../core/store.js';
import type { Version } from '../core/version.js';
import { parseExact } from '../core/json-exact.js';
import { serially } from '../core/ordered.js';
import { checkOptions, type OptionRules } from '../core/options.js';
import { formatVersion, resolveTargetVersion, versionValueAt } from '../core/version-field.js';

/** The module that forks worker processes (Node only), imported when a run asks for them. */
const PROCESS_POOL = './process-pool.js';

/** Passes over the table while rows keep being changed under a run (each pass retries them). */
const MAX_PASSES = 10;

/**
 * Batches in a range of ids that a worker process claims alone: ranges few enough that
 * handing them out costs nothing, small enough that no worker is left with much to do alone
 * at the end.
 */
const RANGE_BATCHES = 4;

/** How long a run waits for states another transaction holds locked (ms). */
const DEFAULT_LOCK_WAIT = 5_000;

/** Longest error text recorded for a rejected row. */
const MAX_ERROR = 4_000;

/** A run's target: the normalised version, as `migrate` takes it, and as the store sees it. */
export interface RunTarget {
  readonly version: Version;
  readonly store: StoreTarget;
}

/** The version a state carries, as written there, for `migraph_rejected` (`null` when none). */
const writtenVersion = (state: unknown, path: readonly string[]): string | null => {
  const value = versionValueAt(state, path);
  if (typeof value === 'string') return value.slice(0, 200);
  if (typeof value === 'number') return String(value);
  return null;
};

/**
 * An error as one line for `migraph_rejected`: the message, then the validation lines it
 * does not quote already (a message names the first few; each line is stored once).
 */
const errorText = (error: MigraphError): string => {
  const unquoted =
    error instanceof MigrationError
      ? error.validationErrors.filter((line) => !error.message.includes(line))
      : [];
  const text = unquoted.length > 0 ? `${error.message}: ${unquoted.join('; ')}` : error.message;
  return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text;
};

/**
 * Resolves a run's target: `to`, else the migrator's current version; and how the store
 * renders it (the version field of a state at the target, as text).
 */
export const resolveTarget = (
  m: Migrator<object>,
  to: string | number | undefined,
): E.Either<MigraphError, RunTarget> => {
  const version = resolveTargetVersion(m, to);
  if (E.isLeft(version)) return version;
  const written = formatVersion(m.options.versionFormat, version.right);
  return E.right({
    version: version.right,
    store: { path: m.options.versionPath, text: String(written) },
  });
};

/** What became of one stored state. */
export type StoredOutcome =
  | { readonly kind: 'migrated'; readonly state: object; readonly text: string }
  | { readonly kind: 'at-target'; readonly state: object }
  | {
      readonly kind: 'rejected';
      readonly version: string | null;
      readonly error: string;
      readonly cause: StoreError | MigraphError;
    };

/** A row's state, parsed for this run; frozen, so the migrator checks these once. */
const CONSUME = Object.freeze({ consume: true });
/** The same, for a row only written back as text (see `MigrateCallOptions.readOnly`). */
const TEXT_ONLY = Object.freeze({ consume: true, readOnly: true });

/**
 * Migrates one stored state: parsed without loss, migrated (steps may be async; a state at
 * the target is validated as `migrate` does), and written as JSON text. A state already at
 * the target (or newer and kept) is left as it is.
 */
export const migrateStored = async (
  m: Migrator<object>,
  stored: StoredState,
  target: RunTarget,
  /** The state is only written back as text (a run's batch), not handed to the application. */
  textOnly = false,
): Promise<StoredOutcome> => {
  const path = m.options.versionPath;
  const parsed =
    stored.unreadable === undefined
      ? parseExact(stored.text, { uniqueKeys: stored.uniqueKeys === true })
      : E.left(stored.unreadable);
  if (E.isLeft(parsed)) {
    const cause = new StoreError(`Row ${stored.id}: ${parsed.left}`, {
      reason: 'unreadable',
      id: stored.id,
    });
    return { kind: 'rejected', version: null, error: parsed.left, cause };
  }
  const state = parsed.right;
  const version = writtenVersion(state, path);
  // The state was parsed for this run alone (the row keeps its text): no copy is needed.
  const result = await m.migrateReportAsync(state, target.version, textOnly ? TEXT_ONLY : CONSUME);
  if (E.isLeft(result)) {
    return { kind: 'rejected', version, error: errorText(result.left), cause: result.left };
  }
  const migrated = result.right.state;
  // Already at the target (written differently, such as `v1.1.0`), or newer and kept.
  if (result.right.outcome !== 'migrated') return { kind: 'at-target', state: migrated };
  let text: string;
  try {
    text = JSON.stringify(migrated);
  } catch (cause) {
    const error = `the migrated state cannot be written as JSON: ${describeCause(cause)}`;
    return {
      kind: 'rejected',
      version,
      error,
      cause: new StoreError(error, { reason: 'unreadable', id: stored.id, cause }),
    };
  }
  return { kind: 'migrated', state: migrated, text };
};

/** The options `migrateStore` knows; the values that `checkOptions` cannot judge are checked below. */
export const MIGRATE_STORE_OPTIONS: OptionRules = {
  to: 'any',
  batchSize: 'positive integer',
  workers: 'positive integer',
  project: 'any',
  retryRejected: 'boolean',
  onProgress: 'function',
  lockWait: 'any',
};

/** Any failure of a store as a {@link StoreError}. */
export const asStoreError = (store: StateStore, error: unknown): StoreError =>
  error instanceof StoreError
    ? error
    : new StoreError(`${store.name}: ${describeCause(error)}`, {
        reason: 'query',
        store: store.name,
        cause: error,
      });

interface Tally {
  migrated: number;
  /**
   * The rows found at the target by this run's claims (once each, whichever pass), by id,
   * with their `ref` as read: left as they were.
   */
  readonly atTarget: Map<string, unknown>;
  rejected: number;
  conflicts: number;
  /**
   * The tokens of the values this run wrote (`BatchResult.tokens`), which its last count
   * skips without reading; undefined where the store cannot count so, or gave none, or once
   * there are more than {@link MAX_TOKENS}.
   */
  tokens: Set<unknown> | undefined;
}

/**
 * Tokens a run keeps for its last count (one per batch, or per row of a batch written one row
 * at a time): past this many, it counts every state instead, so that its memory and the
 * count's parameter do not grow with the table.
 */
const MAX_TOKENS = 100_000;

/**
 * A tally of nothing done yet, for a run on `store`; `tokens`, those its workers wrote
 * (undefined when one of them could not tell its writes: the last count then reads every state).
 */
const freshTally = (store: StateStore, tokens: readonly unknown[] | undefined): Tally => ({
  migrated: 0,
  atTarget: new Map(),
  rejected: 0,
  conflicts: 0,
  tokens:
    store.pendingBesides === undefined || tokens === undefined || tokens.length > MAX_TOKENS
      ? undefined
      : new Set(tokens),
});

/** The rows a tally tells, for a store's last count (see `StateStore.pendingBesides`). */
const handledBy = (tally: Tally, tokens: ReadonlySet<unknown>): HandledRows => ({
  tokens: [...tokens],
  seen: [...tally.atTarget].map(([id, ref]) => ({ id, ref })),
});

/** Adds the tokens of a batch's writes to the tally's (see {@link Tally.tokens}). */
const addTokens = (tally: Tally, result: BatchResult): void => {
  if (tally.tokens === undefined || result.written === 0) return;
  if (result.tokens === undefined) {
    tally.tokens = undefined;
    return;
  }
  for (const token of result.tokens) tally.tokens.add(token);
  if (tally.tokens.size > MAX_TOKENS) tally.tokens = undefined;
};

/**
 * Migrates every state of `store` to `options.to` (default: the migrator's current version)
 * in batches of `batchSize`, each claimed, migrated, written back and committed as one
 * transaction by one of `workers` concurrent sessions. Run it in as many processes and on as
 * many machines as you like: the store hands each batch to one of them (PostgreSQL's
 * `SELECT … FOR UPDATE SKIP LOCKED`), and a killed process loses only its open transaction.
 *
 * A state the application changes while it is being migrated is not written (it is migrated
 * again from its new value); a state that cannot be read without loss or migrated stays as it
 * is and is recorded in `migraph_rejected` (`table`, `column`, `id`, `version`, `error`, `at`),
 * and later runs leave it alone until `retryRejected`. Steps may be async. Throws a
 * `TypeError` on an unknown option or a bad value (naming it); every other failure is a `Left`.
 *
 * @example
 * const report = await migrateStore(m, postgresStore({ connectionString, table: 'agents', column: 'state' }), {
 *   batchSize: 500,
 *   onProgress: (p) => console.log(`${p.done}/${p.total}`),
 * }) // Right({ migrated: 99_990, alreadyAtTarget: 0, rejected: 10, previouslyRejected: 0, conflicts: 0 })
 * @since 0.1.0
 */
export const migrateStore = <S extends object>(
  m: Migrator<S>,
  store: StateStore,
  options: MigrateStoreOptions = {},
): Promise<E.Either<StoreError | MigraphError, StoreReport>> => {
  checkOptions('migrateStore', options, MIGRATE_STORE_OPTIONS);
  const batchSize = options.batchSize ?? 500;
  const workers = options.workers ?? 1;
  const lockWait = options.lockWait ?? DEFAULT_LOCK_WAIT;
  if (typeof lockWait !== 'number' || !(lockWait >= 0) || lockWait === Infinity) {
    throw new TypeError(
      `Expected option lockWait of migrateStore to be a number of milliseconds ≥ 0, got ${String(lockWait)}`,
    );
  }
  if (options.project !== undefined) {
    checkProcesses(store, options.project, workers);
    return runInProcesses(m as Migrator<object>, store, options, batchSize, workers, lockWait);
  }
  return runMigrateStore(m as Migrator<object>, store, options, batchSize, workers, lockWait);
};

/** Worker processes need a project to load and a store they can open, one that allows them. */
const checkProcesses = (store: StateStore, project: StoreProject, workers: number): void => {
  if (typeof project !== 'object' || project === null || typeof project.dir !== 'string') {
    throw new TypeError(
      `Expected project to be { dir, schemas?, loadTimeoutMs?, validate? }, got ${String(project)}`,
    );
  }
  const { validate } = project;
  if (validate !== undefined && !['each-step', 'final', 'off'].includes(validate)) {
    throw new TypeError(
      `Expected project.validate to be 'each-step', 'final' or 'off', got ${String(validate)}`,
    );
  }
  if (store.location === undefined) {
    throw new TypeError(
      `Expected a store worker processes can open, got ${store.name}, made from a handle ` +
        '(a pool or a database) that cannot leave this process: make it from a connection ' +
        'string or a file, or leave out project to run the workers as sessions here',
    );
  }
  if (store.singleProcess !== undefined && workers > 1) {
    throw new TypeError(
      `Expected workers to be 1 for ${store.name}, got ${workers}: ${store.singleProcess}`,
    );
  }
};

/** The progress of a run, from its starting counts and its tally so far. */
const progressOf =
  (counts: RunCounts, tally: Tally, onProgress: MigrateStoreOptions['onProgress']) => () =>
    onProgress?.({
      done: tally.migrated + tally.atTarget.size + tally.rejected,
      total: counts.pending,
      migrated: tally.migrated,
      alreadyAtTarget: counts.atTarget + tally.atTarget.size,
      rejected: tally.rejected,
    });

const reportOf = (counts: RunCounts, tally: Tally, conflicts: number): StoreReport => ({
  migrated: tally.migrated,
  alreadyAtTarget: counts.atTarget + tally.atTarget.size,
  rejected: tally.rejected,
  previouslyRejected: counts.rejected,
  conflicts,
});

/**
 * `workers` processes (see `process-pool.ts`), forked first so that their start-up overlaps
 * the one `prepare` here: old rejections are forgotten once, and the counts are taken before
 * any worker claims a row. Once every worker has ended, this process counts what remains,
 * once, skipping unread the states the workers wrote (by the tokens they tell it), and waits
 * for the states still locked.
 */
const runInProcesses = async (
  m: Migrator<object>,
  store: StateStore,
  options: MigrateStoreOptions,
  batchSize: number,
  workers: number,
  lockWait: number,
): Promise<E.Either<StoreError | MigraphError, StoreReport>> => {
  const target = resolveTarget(m, options.to);
  if (E.isLeft(target)) return target;
  let session: StoreSession | undefined;
  let pool: ProcessPool | undefined;
  try {
    // Loaded on use, through a specifier bundlers leave alone: `node:child_process` stays out
    // of in-process runs and of browser bundles (`migraph/indexeddb` runs in one page).
    const { startProcesses } = (await import(
      /* @vite-ignore */ PROCESS_POOL
    )) as typeof import('./process-pool.js');
    pool = startProcesses({
      workers,
      job: {
        project: options.project!,
        store: store.location!,
        to: target.right.version,
        batchSize,
      },
    });
    // The workers claim in ranges of ids handed out in turn, where the store can split them.
    const [counts, ranges] = await Promise.all([
      store.prepare(target.right.store, { retryRejected: options.retryRejected === true }),
      isRanged(store) ? store.ranges(batchSize * RANGE_BATCHES) : undefined,
    ]);
    const done = await pool.run(counts, ranges, options.onProgress);
    if (E.isLeft(done)) {
      return E.left(new StoreError(done.left.join('\n'), { reason: 'worker', store: store.name }));
    }
    const { handled } = done.right;
    const tally: Tally = {
      ...freshTally(store, handled?.tokens),
      migrated: done.right.migrated,
      atTarget: new Map(done.right.atTarget.map((id) => [id, undefined])),
      rejected: done.right.rejected,
    };
    for (const { id, ref } of handled?.seen ?? []) tally.atTarget.set(id, ref);
    const conflicts = await settle(
      m,
      store,
      target.right,
      async () => [(session ??= await store.session(target.right.store))],
      batchSize,
      tally,
      lockWait,
      progressOf(counts, tally, options.onProgress),
    );
    return E.right(reportOf(counts, tally, conflicts));
  } catch (error) {
    return E.left(asStoreError(store, error));
  } finally {
    pool?.stop();
    await session?.close().catch(() => undefined);
  }
};

const runMigrateStore = async (
  m: Migrator<object>,
  store: StateStore,
  options: MigrateStoreOptions,
  batchSize: number,
  workers: number,
  lockWait: number,
): Promise<E.Either<StoreError | MigraphError, StoreReport>> => {
  const target = resolveTarget(m, options.to);
  if (E.isLeft(target)) return target;
  const sessions: StoreSession[] = [];
  try {
    const counts = await store.prepare(target.right.store, {
      retryRejected: options.retryRejected === true,
    });
    for (let i = 0; i < workers; i++) sessions.push(await store.session(target.right.store));
    const tally = freshTally(store, []);
    const progress = progressOf(counts, tally, options.onProgress);
    await runPasses(m, sessions, target.right, batchSize, tally, progress);
    const conflicts = await settle(
      m,
      store,
      target.right,
      async () => sessions,
      batchSize,
      tally,
      lockWait,
      progress,
    );
    return E.right(reportOf(counts, tally, conflicts));
  } catch (error) {
    return E.left(asStoreError(store, error));
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
};

/**
 * The part of a run one worker process does (`process-worker.ts`): passes over the store with
 * one session until nothing is left to claim; the first in the ranges of ids `nextRange`
 * hands out (the run's, shared with the other workers), where the store claims by range. The
 * run's `prepare`, its wait for locked states and its last count are the parent's, once,
 * after every worker has ended: the worker tells it the tokens of what it wrote.
 */
export const runWorker = async (
  m: Migrator<object>,
  store: StateStore,
  job: { readonly to: string | number; readonly batchSize: number },
  onProgress: (progress: { migrated: number; seen: number; rejected: number }) => void,
  nextRange?: () => Promise<IdRange | undefined>,
): Promise<WorkerTally> => {
  const target = resolveTarget(m, job.to);
  if (E.isLeft(target)) throw target.left;
  // Claims by range where the run hands ranges out and the store can claim within one.
  const ranges =
    nextRange !== undefined && isRanged(store)
      ? { session: await store.session(target.right.store), next: nextRange }
      : undefined;
  const session = ranges?.session ?? (await store.session(target.right.store));
  try {
    const tally = freshTally(store, []);
    const progress = () =>
      onProgress({ migrated: tally.migrated, seen: tally.atTarget.size, rejected: tally.rejected });
    await runPasses(
      m,
      [session],
      target.right,
      job.batchSize,
      tally,
      progress,
      ranges === undefined
        ? undefined
        : () => runRanges(m, ranges, target.right, job.batchSize, tally, progress),
    );
    return {
      migrated: tally.migrated,
      rejected: tally.rejected,
      atTarget: [...tally.atTarget.keys()],
      ...(tally.tokens === undefined ? {} : { handled: handledBy(tally, tally.tokens) }),
    };
  } catch (error) {
    throw asStoreError(store, error);
  } finally {
    await session.close();
  }
};

/**
 * Passes over the store while rows keep being changed under the run (each retries them); the
 * first is `firstPass` when given.
 */
const runPasses = async (
  m: Migrator<object>,
  sessions: readonly StoreSession[],
  target: RunTarget,
  batchSize: number,
  tally: Tally,
  progress: () => void,
  firstPass?: () => Promise<void>,
): Promise<void> => {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    tally.conflicts = 0;
    if (pass === 0 && firstPass !== undefined) await firstPass();
    else await runPass(m, sessions, target, batchSize, tally, progress);
    if (tally.conflicts === 0) return;
  }
};

/**
 * One pass over the ranges of ids `ranges.next` hands out, each claimed by this session alone
 * to its end: no claim reads past the range into rows another worker of the run has (each
 * row read again costs the database about as much as a claimed one).
 */
const runRanges = async (
  m: Migrator<object>,
  ranges: {
    readonly session: RangedSession;
    readonly next: () => Promise<IdRange | undefined>;
  },
  target: RunTarget,
  batchSize: number,
  tally: Tally,
  progress: () => void,
): Promise<void> => {
  for (let range = await ranges.next(); range !== undefined; range = await ranges.next()) {
    for (let after = range.after; ;) {
      const batch = await ranges.session.claim(batchSize, after, range.upTo);
      if (batch === undefined) break;
      try {
        await runBatch(m, batch, target, tally);
      } catch (error) {
        await batch.release().catch(() => undefined);
        throw error;
      }
      progress();
      // A short batch, or one that ends at the range's last id, leaves nothing to claim there.
      if (batch.states.length < batchSize || batch.next === range.upTo) break;
      after = batch.next;
    }
  }
};

/**
 * The end of a run, once all of its own workers have claimed what they could: claims skip the
 * states another transaction holds locked (the application's `SELECT … FOR UPDATE`, another
 * run's batch), so it waits up to `lockWait` for the states still to do, migrating them once
 * free; those still not done are left for the next run. Counted here, once per run, when no
 * batch of the run is open: a batch of its own is never taken for the application's.
 * Returns the conflicts: the states left.
 */
const settle = async (
  m: Migrator<object>,
  store: StateStore,
  target: RunTarget,
  sessions: () => Promise<readonly StoreSession[]>,
  batchSize: number,
  tally: Tally,
  lockWait: number,
  progress: () => void,
): Promise<number> => {
  const toDo = async () => {
    // The rows the run handled are told apart where the store can tell them: its own writes
    // unread, and the states it found at the target while the application has left them.
    const besides =
      tally.tokens === undefined
        ? undefined
        : await store.pendingBesides?.(target.store, handledBy(tally, tally.tokens));
    if (besides !== undefined) return besides;
    const { pending } = await store.prepare(target.store, { retryRejected: false });
    // Less the states found at the target as `m` reads them (and, as far as this count can
    // tell, left as they are).
    return Math.max(0, pending - tally.atTarget.size);
  };
  let remaining = await toDo();
  for (let waited = 0, pause = 50; remaining > 0 && waited < lockWait; pause *= 2) {
    const wait = Math.min(pause, 1_000, lockWait - waited);
    await new Promise((resolve) => setTimeout(resolve, wait));
    waited += wait;
    tally.conflicts = 0;
    await runPass(m, await sessions(), target, batchSize, tally, progress);
    remaining = await toDo();
  }
  return Math.max(tally.conflicts, remaining);
};

/** One pass over the store: the sessions claim batches from one cursor until none is left. */
const runPass = async (
  m: Migrator<object>,
  sessions: readonly StoreSession[],
  target: RunTarget,
  batchSize: number,
  tally: Tally,
  progress: () => void,
): Promise<void> => {
  const cursor: { after: unknown; done: boolean; failed: boolean } = {
    after: undefined,
    done: false,
    failed: false,
  };
  const claims = serially();
  const claim = (session: StoreSession) =>
    claims(async (): Promise<ClaimedBatch | undefined> => {
      if (cursor.done || cursor.failed) return undefined;
      const batch = await session.claim(batchSize, cursor.after);
      if (batch === undefined) cursor.done = true;
      else cursor.after = batch.next;
      return batch;
    });
  const work = async (session: StoreSession) => {
    for (;;) {
      const batch = await claim(session);
      if (batch === undefined) return;
      try {
        await runBatch(m, batch, target, tally);
      } catch (error) {
        cursor.failed = true;
        await batch.release().catch(() => undefined);
        throw error;
      }
      progress();
    }
  };
  const settled = await Promise.allSettled(sessions.map(work));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
};

/** Migrates a claimed batch and commits it. */
const runBatch = async (
  m: Migrator<object>,
  batch: ClaimedBatch,
  target: RunTarget,
  tally: Tally,
): Promise<void> => {
  const outcomes = await Promise.all(batch.states.map((s) => migrateStored(m, s, target, true)));
  const writes: StoreWrite[] = [];
  const rejections: StoreRejection[] = [];
  outcomes.forEach((outcome, i) => {
    const state = batch.states[i]!;
    if (outcome.kind === 'migrated') writes.push({ state, text: outcome.text });
    else if (outcome.kind === 'rejected') {
      rejections.push({ state, version: outcome.version, error: outcome.error });
    } else tally.atTarget.set(state.id, state.ref);
  });
  const result = await batch.commit(writes, rejections);
  tally.migrated += result.written;
  tally.rejected += result.recorded;
  tally.conflicts += result.conflicts.length;
  addTokens(tally, result);
  // A state found at the target in an earlier pass, written back at an old version by the
  // application since and migrated now, is counted as migrated only (and is no longer one to
  // take off the last count).
  if (tally.atTarget.size > 0 && result.written > 0) {
    const unwritten = new Set([...result.conflicts, ...result.refused.map((r) => r.state.id)]);
    for (const { state } of writes) if (!unwritten.has(state.id)) tally.atTarget.delete(state.id);
  }
};
