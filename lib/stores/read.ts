/**
 * `readMigrated`: lazy migration on read. The state of one row, migrated to the target as it
 * is read, and (with `writeBack`) stored back under the same optimistic check as
 * `migrateStore`, so that a write the application made meanwhile is never overwritten.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import type { MigraphError } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import { StoreError, type StateStore } from '../core/store.js';
import { asStoreError, migrateStored, resolveTarget } from './migrate.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link readMigrated}. */
export interface ReadMigratedOptions {
  /** Target version. Default: the migrator's current version. */
  readonly to?: string | number;
  /** Store the migrated state back (only if the row is unchanged since it was read). */
  readonly writeBack?: boolean;
  /** Reads and migrations tried when the row keeps changing under a write-back. Default 3. */
  readonly attempts?: number;
}

/**
 * Reads the state of row `id`, migrated to `options.to` (default: the migrator's current
 * version). With `writeBack`, a migrated state is written back if the row still holds what
 * was read; if the application changed it meanwhile, the new value is read and migrated
 * again (up to `attempts` times, then a `StoreError` with reason `conflict`). A missing row,
 * a row that cannot be read without loss, or a failed migration is a `Left`; nothing is
 * recorded in `migraph_rejected`.
 *
 * @example
 * const state = await readMigrated(m, store, '42', { writeBack: true }) // Right(state at the current version)
 * @since 0.1.0
 */
export const readMigrated = async <S extends object>(
  m: Migrator<S>,
  store: StateStore,
  id: string,
  options: ReadMigratedOptions = {},
): Promise<E.Either<StoreError | MigraphError, S>> => {
  checkOptions('readMigrated()', options, { to: 'any', writeBack: 'boolean', attempts: 'any' });
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new TypeError(`Expected attempts to be a positive integer, got ${String(attempts)}`);
  }
  const migrator = m as Migrator<object>;
  const target = resolveTarget(migrator, options.to);
  if (E.isLeft(target)) return target;
  try {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const stored = await store.read(id);
      if (stored === undefined) {
        return E.left(
          new StoreError(`${store.name}: no row ${id}`, {
            reason: 'not_found',
            store: store.name,
            id,
          }),
        );
      }
      const outcome = await migrateStored(migrator, stored, target.right);
      if (outcome.kind === 'rejected') return E.left(outcome.cause);
      if (outcome.kind === 'at-target' || options.writeBack !== true) {
        return E.right(outcome.state as S);
      }
      if (await store.write({ state: stored, text: outcome.text })) {
        return E.right(outcome.state as S);
      }
    }
    return E.left(
      new StoreError(
        `${store.name}: row ${id} changed under every one of ${attempts} write-back attempts`,
        { reason: 'conflict', store: store.name, id },
      ),
    );
  } catch (error) {
    return E.left(asStoreError(store, error));
  }
};
