/**
 * `migraph/zustand`: migrations for zustand's `persist` middleware, up or down the version
 * graph, with the raw stored value backed up before the first step runs.
 *
 * @example
 * import { persist } from 'zustand/middleware';
 * import { persistOptions } from 'migraph/zustand';
 * const store = createStore(persist(init, { ...persistOptions(m, { name: 'settings' }), onRehydrateStorage }));
 *
 * @packageDocumentation
 */
import type { PersistStorage, StorageValue } from 'zustand/middleware';
import { StateVersionError } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import { topLevelVersionKey, withVersionAt } from '../core/version-field.js';
import {
  backUpRaw,
  integerOf,
  keepsNewer,
  protectedRun,
  releaseBackup,
  resolveStorage,
  sameVersion,
  thenMaybe,
  unversionedAt,
  type Backup,
  type MaybePromise,
  type RawStorage,
} from './storage.js';
import { checkOptions, type OptionRules } from '../core/options.js';

export type { RawStorage, StoredMigrationError } from './storage.js';
export { BACKUP_SUFFIX } from './storage.js';

/**
 * Options of {@link persistOptions}.
 *
 * @since 0.1.0
 */
export interface PersistOptionsInput {
  /** The key zustand stores the state under (zustand's `name`); backed up as `<name>.migraph-backup`. */
  readonly name: string;
  /**
   * The storage, as raw strings: a storage, or a function giving it (called once, as with
   * zustand's `createJSONStorage`). Default `localStorage` (none during server rendering:
   * zustand then persists nothing, as it does with its own default).
   */
  readonly storage?: RawStorage | (() => RawStorage | undefined);
}

/**
 * zustand `persist` options with migrations: spread them into `persist`'s options.
 *
 * @since 0.1.0
 */
export interface PersistOptions<S> {
  readonly name: string;
  /** zustand's JSON storage over the raw storage, keeping the protection's bookkeeping. */
  readonly storage: PersistStorage<S> | undefined;
  /** The current version, as zustand stores it (an integer). */
  readonly version: number;
  /** zustand's `migrate(persistedState, version)`. */
  readonly migrate: (persistedState: unknown, version: number) => S | Promise<S>;
}

/**
 * Options of {@link persistMigration}.
 *
 * @since 0.1.0
 */
export interface PersistMigrationOptions {
  /** Where zustand stores the state (its `name` option): the key that is backed up. Required. */
  readonly name?: string;
  /** The storage holding it, as raw strings. Default: `globalThis.localStorage`. */
  readonly storage?: RawStorage;
}

/**
 * What {@link persistMigration} gives, to spread into zustand's `persist` options.
 *
 * @since 0.1.0
 */
export interface PersistMigration<S> {
  /** The current version, as zustand stores it (an integer). */
  readonly version: number;
  /** zustand's `migrate(persistedState, version)`. */
  readonly migrate: (persistedState: unknown, version: number) => S | Promise<S>;
}

/** The current version of `m` as zustand's integer; a TypeError when it has none. */
const currentInteger = (m: Migrator<object>, caller: string): number => {
  const version = integerOf(m.targetVersion());
  if (version === undefined) {
    throw new TypeError(
      `${caller} needs a migrator whose current version is an integer (N or N.0.0), got ${String(m.targetVersion())}`,
    );
  }
  return version;
};

const checkName = (name: unknown, caller: string): string => {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `${caller}: expected name to be the key zustand stores the state under (its persist name option), got ${typeof name === 'string' ? "''" : String(name)}: without it the stored value cannot be backed up`,
    );
  }
  return name;
};

/** One store's migration: the stored state, versioned as the migrator reads it, migrated. */
const migration = <S extends object>(m: Migrator<S>) => {
  const target = m.targetVersion();
  const version = currentInteger(m, 'persistOptions');
  const key = topLevelVersionKey(m.options.versionPath);
  const strip = (state: S): S => {
    if (key === undefined) return state;
    const { [key]: _version, ...without } = state as Record<string, unknown>;
    return without as S;
  };
  /** The version a stored integer is read at (an unregistered 0 is zustand's "never set"). */
  const readAt = (stored: number): string | undefined => {
    const normal = `${stored}.0.0`;
    if (stored === 0 && !m.versions().includes(normal)) return unversionedAt(m);
    return Number.isSafeInteger(stored) && stored >= 0 ? normal : undefined;
  };
  /** The state with its version at the migrator's key (an unreadable one as stored: the migrator reports it). */
  const asInput = (state: unknown, at: string | undefined, stored: number): unknown => {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) return state;
    if (at === undefined) return withVersionAt(state, m.options.versionPath, stored);
    return m.withVersion(state, m.options.versionFormat === 'integer' ? integerOf(at)! : at);
  };
  return { target, version, strip, readAt, asInput };
};

/** The options of {@link persistOptions} and {@link persistMigration} (checked by their code). */
const PERSIST_OPTIONS: OptionRules = { name: 'any', storage: 'any' };

/**
 * zustand `persist` options that migrate stored states with `m`, the protected key and
 * storage given once: `{ name, storage, version, migrate }`, to spread into `persist`'s
 * options (add `onRehydrateStorage` to hear of a failure). `version` is the migrator's
 * current version (versions must be integers, `N` or `N.0.0`).
 *
 * - Before the first step runs, the raw stored value is copied to `<name>.migraph-backup`
 *   (synchronously with `localStorage`; awaited with an async storage), so a write by the app
 *   during an async migration cannot destroy it. An earlier, different backup is never
 *   replaced: this one goes to `<name>.migraph-backup.1`, `.2`…
 * - On success the backup is removed once zustand has stored the migrated state: no pile of
 *   backups grows. On failure it stays, and the error (given to `onRehydrateStorage`) carries
 *   `backupKey`. A stored value that is not JSON is backed up the same way.
 * - Each step runs exactly once per hydration; hydration is synchronous when every step is.
 * - A stored version `0` (zustand's default) that the migrator does not register is read at
 *   `missingVersion` when registered, else at the lowest registered version.
 * - A stored state newer than every known version follows `onNewerVersion`; with `'keep'` it
 *   is kept as it is and stored again under its own version, never relabelled as the current.
 *
 * During the migration the state carries its version at the migrator's `versionKey`; a
 * top-level version field is removed from the result (a nested one stays in the state).
 *
 * @example
 * import { Migrator } from 'migraph';
 * import { persistOptions } from 'migraph/zustand';
 * import { persist } from 'zustand/middleware';
 * import { createStore } from 'zustand/vanilla';
 * const m = new Migrator({ versionFormat: 'integer' }).register(1, 2, (s) => ({ ...s, theme: 'light' }));
 * const store = createStore(
 *   persist(() => ({ theme: 'dark' }), {
 *     ...persistOptions(m, { name: 'settings' }),
 *     onRehydrateStorage: () => (_state, error) => { if (error) console.error(error) },
 *   }),
 * );
 * @since 0.1.0
 */
export const persistOptions = <S extends object>(
  m: Migrator<S>,
  options: PersistOptionsInput,
): PersistOptions<S> => {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('persistOptions: expected options { name, storage? }');
  }
  checkOptions('persistOptions()', options, PERSIST_OPTIONS);
  const name = checkName(options.name, 'persistOptions');
  const { target, version, strip, readAt, asInput } = migration(m);
  const raw = resolveStorage(options.storage, 'persistOptions');

  /** The raw value last read under `name`, for the backup. */
  let lastRaw: string | null | undefined;
  /** The version of a newer state kept as it is: written instead of `version`. */
  let keptVersion: number | undefined;
  /** A backup to remove once the migrated state is stored. */
  let toRelease: Backup | undefined;

  const storage: PersistStorage<S> | undefined =
    raw === undefined
      ? undefined
      : {
          getItem: (key) =>
            thenMaybe(raw.getItem(key), (text): MaybePromise<StorageValue<S> | null> => {
              if (key === name) lastRaw = text;
              if (text === null || text === undefined) return null;
              try {
                return JSON.parse(text) as StorageValue<S>;
              } catch (cause) {
                // zustand would store the initial state over it: back it up first.
                return thenMaybe(backUpRaw(raw, key, text), (backup) => {
                  throw Object.assign(
                    new StateVersionError(`The value stored under ${key} is not JSON`, {
                      reason: 'not_json',
                      cause,
                    }),
                    backup === undefined ? {} : { backupKey: backup.key },
                  );
                });
              }
            }),
          setItem: (key, value) => {
            const written =
              key === name && keptVersion !== undefined
                ? { ...value, version: keptVersion }
                : value;
            const release = key === name ? toRelease : undefined;
            if (release !== undefined) toRelease = undefined;
            return thenMaybe(
              raw.setItem(key, JSON.stringify(written)) as MaybePromise<unknown>,
              () => releaseBackup(raw, release),
            );
          },
          removeItem: (key) => raw.removeItem?.(key),
        };

  return {
    name,
    storage,
    version,
    migrate: (persistedState, storedVersion) => {
      keptVersion = undefined;
      toRelease = undefined;
      const at = readAt(storedVersion);
      const input = asInput(persistedState, at, storedVersion);
      return thenMaybe(
        protectedRun({ storage: raw!, key: name, raw: lastRaw }, !sameVersion(at, target), () =>
          m.migrateReportSyncFirst(input),
        ),
        ({ state: report, backup }) => {
          // A newer state the migrator kept as it is goes back under its own version.
          if (report.outcome === 'kept-newer') keptVersion = storedVersion;
          toRelease = backup;
          return strip(report.state);
        },
      );
    },
  };
};

/**
 * zustand `persist` options `{ version, migrate }` that migrate stored states with `m`, for a
 * `persist` whose storage is set apart; prefer {@link persistOptions}, which sets both. `name`
 * is required (a TypeError without it: no setup migrates without a backup) and must be
 * `persist`'s `name`; `storage` (default `localStorage`) is the raw storage under it.
 *
 * The raw stored value is copied to `<name>.migraph-backup` before the first step runs. On
 * success the backup is removed when the stored value is still the one read (zustand then
 * writes the migrated state over it); when the app wrote meanwhile, the backup stays. On
 * failure it stays and the error carries `backupKey`. A migrator with
 * `onNewerVersion: 'keep'` is refused: zustand would store the kept state under the current
 * version; {@link persistOptions} keeps its own.
 *
 * @example
 * import { Migrator } from 'migraph';
 * import { persistMigration } from 'migraph/zustand';
 * import { createJSONStorage, persist } from 'zustand/middleware';
 * import { createStore } from 'zustand/vanilla';
 * const m = new Migrator({ versionFormat: 'integer' }).register(1, 2, (s) => ({ ...s, theme: 'light' }));
 * const store = createStore(
 *   persist(() => ({ theme: 'dark' }), {
 *     name: 'settings',
 *     storage: createJSONStorage(() => localStorage),
 *     ...persistMigration(m, { name: 'settings', storage: localStorage }),
 *   }),
 * );
 * @since 0.1.0
 */
export const persistMigration = <S extends object>(
  m: Migrator<S>,
  options: PersistMigrationOptions = {},
): PersistMigration<S> => {
  checkOptions('persistMigration()', options, PERSIST_OPTIONS);
  const name = checkName(options.name, 'persistMigration');
  const { target, version, strip, readAt, asInput } = migration(m);
  if (keepsNewer(m)) {
    throw new TypeError(
      `persistMigration: a migrator with onNewerVersion '${m.options.onNewerVersion}' needs persistOptions, whose storage stores a kept state under its own version (zustand would store it under the current one)`,
    );
  }
  return {
    version,
    migrate: (persistedState, storedVersion) => {
      const storage = resolveStorage(options.storage, 'persistMigration');
      if (storage === undefined) {
        throw new TypeError(
          'persistMigration: no storage to back the stored value up in (no localStorage here): pass { storage }',
        );
      }
      const at = readAt(storedVersion);
      const input = asInput(persistedState, at, storedVersion);
      return thenMaybe(storage.getItem(name), (read) =>
        thenMaybe(
          protectedRun({ storage, key: name, raw: read }, !sameVersion(at, target), () =>
            m.migrateSyncFirst(input),
          ),
          ({ state, backup }) =>
            thenMaybe(storage.getItem(name), (now) =>
              thenMaybe(now === read ? releaseBackup(storage, backup) : undefined, () =>
                strip(state),
              ),
            ),
        ),
      );
    },
  };
};
