/**
 * `migraph/indexeddb`: migrate the records of an IndexedDB object store in place, in the
 * browser, with the database opened by plain IndexedDB, `idb` (`unwrap(db)`) or Dexie (a
 * table). One tab migrates at a time, under a Web Lock named after the database and object
 * store; the others wait for it (or read through `readMigrated` meanwhile) and can follow its
 * progress with `watchMigration`. Free of Node built-ins.
 *
 * @example
 * import { indexedDbStore, migrateStore } from 'migraph/indexeddb';
 * const store = indexedDbStore({ table: db.notes });
 * const report = await migrateStore(m, store, { onProgress: (p) => show(p.done, p.total) });
 *
 * @packageDocumentation
 */
import * as E from '#fp/Either.js';
import type { MigraphError } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import { checkOptions, type OptionRules } from '../core/options.js';
import {
  StoreError,
  type MigrateStoreOptions,
  type StateStore,
  type StoreProgress,
  type StoreReport,
} from '../core/store.js';
import { MIGRATE_STORE_OPTIONS, migrateStore as migrateAnyStore } from './migrate.js';
import type { IndexedDbStore } from './indexeddb/store.js';
import { web, type ChannelLike } from './indexeddb/web-types.js';

export {
  indexedDbStore,
  createMigraphStores,
  REJECTED_STORE,
  BACKUP_STORE,
} from './indexeddb/store.js';
export type {
  IndexedDbStore,
  IndexedDbStoreOptions,
  DexieLike,
  DexieTableLike,
} from './indexeddb/store.js';
export type {
  IdbDatabase,
  IdbFactory,
  IdbKey,
  IdbKeyRange,
  IdbObjectStore,
  IdbQuery,
  IdbOpenRequest,
  IdbRequest,
  IdbTransaction,
} from './indexeddb/web-types.js';
export { readMigrated } from './read.js';
export type { ReadMigratedOptions } from './read.js';
export { census } from './census.js';
export type { Census } from './census.js';
export { StoreError } from '../core/store.js';
export type {
  StateStore,
  StoreReport,
  StoreProgress,
  MigrateStoreOptions,
  StoreErrorReason,
  StoreErrorDetails,
} from '../core/store.js';

/** What a migrating tab tells the others on the store's BroadcastChannel. */
export type MigrationMessage =
  | { readonly kind: 'progress'; readonly progress: StoreProgress }
  | { readonly kind: 'done'; readonly report: StoreReport | null };

/** Options of this entry's {@link migrateStore}: those of every store, and the lock's. */
export interface IndexedDbMigrateOptions extends MigrateStoreOptions {
  /**
   * When another tab holds the store's lock (is migrating it): `'wait'` for it (the default),
   * or `'skip'`, and return at once a `StoreError` with reason `'locked'`, having done nothing.
   * Only for an IndexedDB store. Where `navigator.locks` is missing, both run at once.
   */
  readonly ifLocked?: 'wait' | 'skip';
}

const MIGRATE_OPTIONS: OptionRules = { ...MIGRATE_STORE_OPTIONS, ifLocked: ['wait', 'skip'] };

const channel = (name: string): ChannelLike | undefined => {
  const Channel = web().BroadcastChannel;
  return Channel === undefined ? undefined : new Channel(name);
};

const isIndexedDb = (store: StateStore): store is IndexedDbStore =>
  typeof (store as Partial<IndexedDbStore>).lockName === 'string';

/**
 * Migrates every record of `store` as `migrateStore` does over any store, and, for an
 * IndexedDB store, under the Web Lock `store.lockName`: a tab that finds another migrating
 * waits for it, then finds (nearly) nothing left to do; with `ifLocked: 'skip'` it returns at
 * once instead, a `StoreError` with reason `'locked'`. Progress is posted on the
 * BroadcastChannel of the same name. Where `navigator.locks` is missing (Node with
 * `fake-indexeddb`, old browsers) the run goes without the lock, whatever `ifLocked` says: the
 * optimistic check still keeps two runs from overwriting each other, but both may run the
 * steps of a record. Throws a `TypeError` on an unknown option or a bad value.
 *
 * @example
 * import { indexedDbStore, migrateStore, StoreError } from 'migraph/indexeddb';
 * const report = await migrateStore(m, indexedDbStore({ name: 'app', objectStore: 'notes' }), { ifLocked: 'skip' })
 * if (E.isLeft(report) && report.left instanceof StoreError && report.left.reason === 'locked') log(report.left.message)
 * @since 0.1.0
 */
export const migrateStore = <S extends object>(
  m: Migrator<S>,
  store: StateStore,
  options: IndexedDbMigrateOptions = {},
): Promise<E.Either<StoreError | MigraphError, StoreReport>> => {
  checkOptions('migrateStore', options, MIGRATE_OPTIONS);
  const { ifLocked, ...rest } = options;
  if (!isIndexedDb(store)) {
    if (ifLocked !== undefined) {
      throw new TypeError(
        `Expected an IndexedDB store with option ifLocked of migrateStore, got ${store.name}`,
      );
    }
    return migrateAnyStore(m, store, rest);
  }
  return runLocked(m, store, rest, ifLocked ?? 'wait');
};

/** The run of {@link migrateStore} over an IndexedDB store, under its lock. */
const runLocked = <S extends object>(
  m: Migrator<S>,
  store: IndexedDbStore,
  options: MigrateStoreOptions,
  ifLocked: 'wait' | 'skip',
): Promise<E.Either<StoreError | MigraphError, StoreReport>> => {
  const run = async () => {
    const broadcast = channel(store.lockName);
    try {
      const report = await migrateAnyStore(m, store, {
        ...options,
        onProgress: (progress) => {
          broadcast?.postMessage({ kind: 'progress', progress } satisfies MigrationMessage);
          options.onProgress?.(progress);
        },
      });
      broadcast?.postMessage({
        kind: 'done',
        report: report._tag === 'Right' ? report.right : null,
      } satisfies MigrationMessage);
      return report;
    } finally {
      broadcast?.close();
    }
  };
  const locks = web().navigator?.locks;
  if (locks === undefined) return run();
  return locks.request(store.lockName, { ifAvailable: ifLocked === 'skip' }, (lock) =>
    lock === null
      ? Promise.resolve(
          E.left(
            new StoreError(
              `${store.name}: another tab is migrating it (it holds the Web Lock ${store.lockName}); skipped, as ifLocked: 'skip' asks`,
              { reason: 'locked', store: store.name },
            ),
          ),
        )
      : run(),
  );
};

/**
 * Follows, from any tab, the migration of `store` another tab runs: `listener` gets its
 * progress and its end. Returns a function that stops listening.
 *
 * @example
 * const stop = watchMigration(store, (message) => message.kind === 'progress' && show(message.progress))
 * @since 0.1.0
 */
export const watchMigration = (
  store: IndexedDbStore,
  listener: (message: MigrationMessage) => void,
): (() => void) => {
  const broadcast = channel(store.lockName);
  if (broadcast === undefined) return () => undefined;
  broadcast.onmessage = (event) => listener(event.data as MigrationMessage);
  return () => broadcast.close();
};
