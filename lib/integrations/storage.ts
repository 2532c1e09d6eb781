/**
 * What the store integrations need of a storage (`localStorage`, an async storage, a memory
 * one), and the backup of a raw stored value taken before a failed migration is reported.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import type { MigraphError } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';

/** A string key-value storage, sync or async: `localStorage` is one, redux-persist's storages too. */
export interface RawStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): unknown;
}

/** The suffix of the key a raw stored value is backed up under. */
export const BACKUP_SUFFIX = '.migraph-backup';

/** A failed migration of a stored state, with where its raw value was backed up. */
export type StoredMigrationError = MigraphError & {
  /** The storage key holding the backup of the raw stored value, when one was taken. */
  readonly backupKey?: string;
};

/** `globalThis.localStorage`, where there is one. */
export const defaultStorage = (): RawStorage | undefined => {
  try {
    return (globalThis as { localStorage?: RawStorage }).localStorage;
  } catch {
    return undefined;
  }
};

/** A value, or a promise of it. */
type MaybePromise<A> = A | Promise<A>;

const isPromise = <A>(value: MaybePromise<A>): value is Promise<A> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** `f(value)`, synchronously when `value` is not a promise: a synchronous storage stays synchronous. */
const andThen = <A, B>(value: MaybePromise<A>, f: (a: A) => MaybePromise<B>): MaybePromise<B> =>
  isPromise(value) ? value.then(f) : f(value);

/**
 * Copies the raw value at `key` to `key.migraph-backup`, never replacing an earlier, different
 * backup (this one then goes to `key.migraph-backup.1`, `.2`…). Gives the backup's key, or
 * undefined when nothing is stored. Synchronous with a synchronous storage (`localStorage`),
 * so the backup exists before the application can write again.
 */
export const backUpRaw = (storage: RawStorage, key: string): MaybePromise<string | undefined> =>
  andThen(storage.getItem(key), (raw) => {
    if (raw === null || raw === undefined) return undefined;
    const place = (n: number): MaybePromise<string> => {
      const backupKey = n === 0 ? `${key}${BACKUP_SUFFIX}` : `${key}${BACKUP_SUFFIX}.${n}`;
      return andThen(storage.getItem(backupKey), (held) => {
        if (held === raw) return backupKey;
        if (held !== null && held !== undefined) return place(n + 1);
        return andThen(storage.setItem(backupKey, raw) as MaybePromise<unknown>, () => backupKey);
      });
    };
    return place(0);
  });

/**
 * Migrates `state` with `m`, synchronously when every step is synchronous (so a synchronous
 * storage hydrates synchronously), else through `migrateAsync`.
 */
export const migrateSyncFirst = <S>(
  m: Migrator<S & object>,
  state: unknown,
  to: string | number,
): E.Either<MigraphError, S> | Promise<E.Either<MigraphError, S>> => {
  const result = m.migrate(state, to);
  return E.isLeft(result) && result.left.reason === 'async_step'
    ? m.migrateAsync(state, to)
    : result;
};

/**
 * Backs the raw stored value up (when a storage and key are known), then gives the error to
 * throw, carrying `backupKey`. Synchronous with a synchronous storage.
 */
export const withBackup = (
  error: MigraphError,
  storage: RawStorage | undefined,
  key: string | undefined,
): MaybePromise<StoredMigrationError> => {
  if (storage === undefined || key === undefined) return error;
  const unbacked = (cause: unknown): StoredMigrationError =>
    Object.assign(error, {
      message: `${error.message} (and the raw stored value could not be backed up: ${String(cause)})`,
    });
  try {
    const backupKey = backUpRaw(storage, key);
    const carry = (k: string | undefined): StoredMigrationError =>
      k === undefined ? error : Object.assign(error, { backupKey: k });
    return isPromise(backupKey) ? backupKey.then(carry, unbacked) : carry(backupKey);
  } catch (cause) {
    return unbacked(cause);
  }
};

/** Throws the error (after its backup), synchronously when it can. */
export const throwWithBackup = (
  error: MigraphError,
  storage: RawStorage | undefined,
  key: string | undefined,
): never | Promise<never> =>
  andThen(withBackup(error, storage, key), (e) => {
    throw e;
  });

export { andThen as thenMaybe, isPromise };
