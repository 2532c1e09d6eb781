/**
 * What the store integrations need of a storage (`localStorage`, an async storage, a memory
 * one), and the protection of one hydration: the raw stored value is backed up before the
 * first step runs, and the backup is removed once it is no longer the only copy of the data.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import type { MigraphError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Migrator } from '../core/migrator.js';

/**
 * A string key-value storage, sync or async: `localStorage` is one, redux-persist's storages
 * and zustand's `StateStorage` too.
 *
 * @since 0.1.0
 */
export interface RawStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): unknown;
  /** Removes a backup once the migrated state is stored; without it backups stay. */
  removeItem?(key: string): unknown;
}

/**
 * The suffix of the key a raw stored value is backed up under.
 *
 * @since 0.1.0
 */
export const BACKUP_SUFFIX = '.migraph-backup';

/**
 * A failed migration of a stored state, with where its raw value was backed up.
 *
 * @since 0.1.0
 */
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
export type MaybePromise<A> = A | Promise<A>;

export const isPromise = <A>(value: MaybePromise<A>): value is Promise<A> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** `f(value)`, synchronously when `value` is not a promise: a synchronous storage stays synchronous. */
export const thenMaybe = <A, B>(
  value: MaybePromise<A>,
  f: (a: A) => MaybePromise<B>,
): MaybePromise<B> => (isPromise(value) ? value.then(f) : f(value));

/** `f()`, with a throw turned into `onError(cause)`; a rejection too. */
const attempt = <A>(f: () => MaybePromise<A>, onError: (cause: unknown) => A): MaybePromise<A> => {
  try {
    const out = f();
    return isPromise(out) ? out.then(undefined, onError) : out;
  } catch (cause) {
    return onError(cause);
  }
};

/** A backup of a raw stored value: its key, and whether this hydration wrote it. */
export interface Backup {
  readonly key: string;
  /** False when an earlier backup already held the same value (it is then left alone). */
  readonly created: boolean;
}

/**
 * Copies `raw` (by default the value at `key`) to `key.migraph-backup`, never replacing an
 * earlier, different backup (this one then goes to `key.migraph-backup.1`, `.2`…). Gives the
 * backup, or undefined when nothing is stored. Synchronous with a synchronous storage
 * (`localStorage`), so the backup exists before the application can write again.
 */
export const backUpRaw = (
  storage: RawStorage,
  key: string,
  raw?: string | null,
): MaybePromise<Backup | undefined> =>
  thenMaybe(raw ?? storage.getItem(key), (value) => {
    if (value === null || value === undefined) return undefined;
    const place = (n: number): MaybePromise<Backup> => {
      const backupKey = n === 0 ? `${key}${BACKUP_SUFFIX}` : `${key}${BACKUP_SUFFIX}.${n}`;
      return thenMaybe(storage.getItem(backupKey), (held) => {
        if (held === value) return { key: backupKey, created: false };
        if (held !== null && held !== undefined) return place(n + 1);
        return thenMaybe(storage.setItem(backupKey, value) as MaybePromise<unknown>, () => ({
          key: backupKey,
          created: true,
        }));
      });
    };
    return place(0);
  });

/** Removes a backup this hydration wrote (an earlier one stays). Never throws or rejects. */
export const releaseBackup = (
  storage: RawStorage,
  backup: Backup | undefined,
): MaybePromise<void> => {
  if (backup === undefined || !backup.created || typeof storage.removeItem !== 'function') return;
  return attempt(
    () => thenMaybe(storage.removeItem!(backup.key) as MaybePromise<unknown>, () => undefined),
    () => undefined,
  );
};

/** Where a stored state lives, and the raw value the store read there (when known). */
export interface StoredPlace {
  readonly storage: RawStorage;
  readonly key: string;
  readonly raw?: string | null;
}

/** The result of a protected hydration. */
export interface Hydrated<S> {
  readonly state: S;
  /** The backup taken before the first step (undefined when no step had to run). */
  readonly backup: Backup | undefined;
}

/** The error, carrying its backup's key (or saying that none could be taken). */
const withBackupKey = (
  error: MigraphError,
  backup: Backup | undefined | { readonly failed: unknown },
): StoredMigrationError => {
  if (backup === undefined) return error;
  if ('failed' in backup) {
    return Object.assign(error, {
      message: `${error.message} (and the raw stored value could not be backed up: ${String(backup.failed)})`,
    });
  }
  return Object.assign(error, { backupKey: backup.key });
};

/**
 * Runs one hydration's migration under protection: when `needed` (a step may run), the raw
 * stored value is copied to the backup key first (synchronously with a synchronous storage),
 * then `run` migrates. A failure throws (or rejects with) the error carrying `backupKey`,
 * backed up now if it was not before. A backup that cannot be written does not stop the
 * migration (its success keeps the data); a failure then says so. Nothing stored at the key
 * (the storage or key given is not the one the state was read from) is a `TypeError` before
 * anything runs: no backup of the state could be taken.
 */
export const protectedRun = <S>(
  place: StoredPlace,
  needed: boolean,
  run: () => MaybePromise<E.Either<MigraphError, S>>,
): MaybePromise<Hydrated<S>> => {
  const take = (): MaybePromise<Backup | undefined | { readonly failed: unknown }> =>
    attempt<Backup | undefined | { readonly failed: unknown }>(
      () => backUpRaw(place.storage, place.key, place.raw),
      (failed) => ({ failed }),
    );
  return thenMaybe(needed ? take() : undefined, (backup) => {
    // A state came to be migrated, yet the storage holds nothing under its key: it is not the
    // storage (or key) the state was read from, and no backup of it can be taken.
    if (needed && backup === undefined) throw nothingToBackUp(place.key);
    return thenMaybe(run(), (result) => {
      if (E.isRight(result)) {
        return {
          state: result.right,
          backup: backup !== undefined && 'key' in backup ? backup : undefined,
        };
      }
      return thenMaybe(backup ?? take(), (taken) => {
        throw withBackupKey(result.left, taken);
      });
    });
  });
};

/** Why a run was refused: the storage it was given holds nothing to back up. */
const nothingToBackUp = (key: string): TypeError =>
  new TypeError(
    `Nothing is stored under ${key} in the storage given to migraph, yet a stored state came to be migrated: ` +
      'that storage (or its key) is not the one the state was read from, so no backup of it could be taken and nothing was migrated; ' +
      'give migraph the same storage and key as the persistence library',
  );

/**
 * The version a state stored without one (zustand's `0` when it is not registered,
 * redux-persist's `-1` or missing) is read at: the migrator's `missingVersion` when it is
 * registered, else its lowest registered version (the first schema the app describes).
 */
export const unversionedAt = (m: Migrator<object>): string | undefined => {
  const versions = m.versions();
  return versions.includes(m.options.missingVersion) ? m.options.missingVersion : versions[0];
};

/** True when a state at `from` needs no step to reach `to` (both normalised). */
export const sameVersion = (from: string | undefined, to: string | undefined): boolean =>
  from !== undefined && to !== undefined && from === to;

/**
 * Whether a migrator returns a newer state as it is (`onNewerVersion` `'keep'`, or
 * `'read-compatible'` for a state it may read): the integration then stores it under its own
 * version, never the app's.
 */
export const keepsNewer = (m: Migrator<object>): boolean => m.options.onNewerVersion !== 'error';

/** Warns through the migrator's logger, or `console.warn` when it has the silent default. */
export const warn = (m: Migrator<object>, message: string): void => {
  if (m.options.logger !== silentLogger) m.options.logger.warn(message);
  else console.warn(message);
};

/** The integer a version is stored as in zustand and redux-persist (`3.0.0` → 3). */
export const integerOf = (version: string | undefined): number | undefined => {
  const match = version === undefined ? null : /^(\d+)\.0\.0$/.exec(version);
  return match === null ? undefined : Number(match[1]);
};

/** A storage option: a storage, or a function giving it (called once, as zustand does). */
export const resolveStorage = (
  option: RawStorage | (() => RawStorage | undefined) | undefined,
  name: string,
): RawStorage | undefined => {
  let storage: unknown;
  try {
    storage = typeof option === 'function' ? option() : (option ?? defaultStorage());
  } catch {
    return undefined;
  }
  if (storage === undefined || storage === null) return undefined;
  const s = storage as Partial<RawStorage>;
  if (typeof s.getItem !== 'function' || typeof s.setItem !== 'function') {
    throw new TypeError(
      `${name}: expected storage to be a storage with getItem and setItem (localStorage, a redux-persist storage…) or a function returning one`,
    );
  }
  return storage as RawStorage;
};
