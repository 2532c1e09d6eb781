/**
 * `migraph/zustand`: migrations for zustand's `persist` middleware, up or down the version
 * graph, with the raw stored value backed up before a failure is reported.
 *
 * @example
 * import { persist } from 'zustand/middleware';
 * import { persistMigration } from 'migraph/zustand';
 * const useStore = create(persist(init, { name: 'settings', ...persistMigration(m, { name: 'settings' }) }));
 *
 * @packageDocumentation
 */
import * as E from '#fp/Either.js';
import type { Migrator } from '../core/migrator.js';
import {
  defaultStorage,
  migrateSyncFirst,
  thenMaybe,
  throwWithBackup,
  type RawStorage,
} from './storage.js';

export type { RawStorage, StoredMigrationError } from './storage.js';
export { BACKUP_SUFFIX } from './storage.js';

/** Options of {@link persistMigration}. */
export interface PersistMigrationOptions {
  /** Where zustand stores the state (its `name` option): the key that is backed up on failure. */
  readonly name?: string;
  /** The storage holding it, as raw strings. Default: `globalThis.localStorage`. */
  readonly storage?: RawStorage;
}

/** What to spread into zustand's `persist` options. */
export interface PersistMigration<S> {
  /** The current version, as zustand stores it (an integer). */
  readonly version: number;
  /** zustand's `migrate(persistedState, version)`. */
  readonly migrate: (persistedState: unknown, version: number) => S | Promise<S>;
}

/** The integer zustand stores for a version (`3.0.0` → 3); `undefined` when it has none. */
const integerOf = (version: string | undefined): number | undefined => {
  const match = version === undefined ? null : /^(\d+)\.0\.0$/.exec(version);
  return match === null ? undefined : Number(match[1]);
};

/**
 * zustand `persist` options that migrate stored states with `m`: `version` is the migrator's
 * current version (versions must be integers, `N` or `N.0.0`), and `migrate` moves a stored
 * state up or down the graph to it. During the migration the state carries its version at
 * the migrator's `versionKey`; a top-level version field is removed from the result (use a
 * top-level `versionKey` here: a nested one stays in the state). On failure, the raw
 * stored value is first copied to `<name>.migraph-backup` in the same storage (so the app's
 * next write cannot destroy it), then the error is thrown, carrying `backupKey`. A stored
 * version newer than every known one follows the migrator's `onNewerVersion`.
 *
 * @example
 * const m = new Migrator({ versionFormat: 'integer' }).register(1, 2, (s) => ({ ...s, theme: 'light' }));
 * persist(init, { name: 'settings', ...persistMigration(m, { name: 'settings' }) })
 * @since 0.1.0
 */
export const persistMigration = <S extends object>(
  m: Migrator<S>,
  options: PersistMigrationOptions = {},
): PersistMigration<S> => {
  const version = integerOf(m.targetVersion());
  if (version === undefined) {
    throw new TypeError(
      `persistMigration needs a migrator whose current version is an integer (N or N.0.0), got ${String(m.targetVersion())}`,
    );
  }
  const storage = options.storage ?? defaultStorage();
  const [first, ...rest] = m.options.versionPath;
  const strip = (state: S): S => {
    if (rest.length > 0) return state;
    const { [first!]: _version, ...without } = state as Record<string, unknown>;
    return without as S;
  };
  const asVersion = (stored: number): string | number =>
    m.options.versionFormat === 'integer' ? stored : `${stored}.0.0`;
  return {
    version,
    migrate: (persistedState, storedVersion) => {
      const input =
        typeof persistedState === 'object' &&
        persistedState !== null &&
        !Array.isArray(persistedState)
          ? m.withVersion(persistedState, asVersion(storedVersion))
          : persistedState;
      return thenMaybe(migrateSyncFirst(m, input, asVersion(version)), (result) =>
        E.isRight(result)
          ? strip(result.right)
          : throwWithBackup(result.left, storage, options.name),
      );
    },
  };
};
