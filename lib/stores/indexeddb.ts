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
import type * as E from '#fp/Either.js';
import type { MigraphError } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import type {
  MigrateStoreOptions,
  StateStore,
  StoreError,
  StoreProgress,
  StoreReport,
} from '../core/store.js';
import { migrateStore as migrateAnyStore } from './migrate.js';
import type { IndexedDbStore } from './indexeddb/store.js';

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

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

const locks = (): LockManagerLike | undefined =>
  (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;

const channel = (name: string): BroadcastChannel | undefined =>
  typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : undefined;

const isIndexedDb = (store: StateStore): store is IndexedDbStore =>
  typeof (store as Partial<IndexedDbStore>).lockName === 'string';

/**
 * Migrates every record of `store` as `migrateStore` does over any store, and, for an
 * IndexedDB store, under the Web Lock `store.lockName`: a tab that finds another migrating
 * waits for it, then finds (nearly) nothing left to do. Progress is posted on the
 * BroadcastChannel of the same name. Where `navigator.locks` is missing (Node with
 * `fake-indexeddb`, old browsers) the run goes without the lock: the optimistic check still
 * keeps two runs from overwriting each other, but both may run the steps of a record.
 *
 * @example
 * const report = await migrateStore(m, indexedDbStore({ name: 'app', objectStore: 'notes' }))
 * @since 0.1.0
 */
export const migrateStore = async <S extends object>(
  m: Migrator<S>,
  store: StateStore,
  options: MigrateStoreOptions = {},
): Promise<E.Either<StoreError | MigraphError, StoreReport>> => {
  if (!isIndexedDb(store)) return migrateAnyStore(m, store, options);
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
  const manager = locks();
  return manager === undefined ? run() : manager.request(store.lockName, run);
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
  broadcast.onmessage = (event: MessageEvent<MigrationMessage>) => listener(event.data);
  return () => broadcast.close();
};
