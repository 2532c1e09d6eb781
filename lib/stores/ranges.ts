/**
 * Ranges of ids: how a run with worker processes hands out a store's rows, so that each
 * process claims only in ranges of its own and never scans past rows a sibling is migrating
 * or has migrated (each such row read again costs the database about as much as a claimed
 * one). A store that can split its rows so implements {@link RangedStore}.
 *
 * @since 0.1.0
 */
import type { ClaimedBatch, StateStore, StoreSession, StoreTarget } from '../core/store.js';

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

/** A store that splits its rows into ranges of ids, and whose sessions claim within one. */
export interface RangedStore extends StateStore {
  /**
   * Ranges of about `rows` rows each, in order, that together cover every id (rows added
   * later included: the first range has no `after`, the last no `upTo`).
   */
  ranges(rows: number): Promise<readonly IdRange[]>;
  /**
   * How many states of `range` are still to do (not at the target, not recorded as rejected),
   * but those of `besides`, ids a worker has just settled: their states are not read again.
   */
  pendingIn(target: StoreTarget, range: IdRange, besides: readonly string[]): Promise<number>;
  session(target: StoreTarget): Promise<RangedSession>;
}

/** Whether `store` splits its rows into ranges of ids. */
export const isRanged = (store: StateStore): store is RangedStore =>
  typeof (store as Partial<RangedStore>).ranges === 'function' &&
  typeof (store as Partial<RangedStore>).pendingIn === 'function';
