/**
 * `migraph/redux-persist`: a `createMigrate` for redux-persist's `persistReducer` that goes up
 * or down the version graph, with the raw stored value backed up before a failure is reported.
 *
 * @example
 * import { createMigrate } from 'migraph/redux-persist';
 * const config = { key: 'root', storage, version: 3, migrate: createMigrate(m, { storage, key: 'root' }) };
 *
 * @packageDocumentation
 */
import * as E from '#fp/Either.js';
import type { Migrator } from '../core/migrator.js';
import { throwWithBackup, type RawStorage } from './storage.js';

export type { RawStorage, StoredMigrationError } from './storage.js';
export { BACKUP_SUFFIX } from './storage.js';

/** Options of {@link createMigrate}. */
export interface CreateMigrateOptions {
  /** The persist config's storage: the raw stored value is backed up there on failure. */
  readonly storage?: RawStorage;
  /** The persist config's `key`. */
  readonly key?: string;
  /** The persist config's `keyPrefix` (default `'persist:'`). */
  readonly keyPrefix?: string;
}

/** What redux-persist keeps beside a state: its version and whether it was rehydrated. */
export interface PersistMarker {
  readonly _persist: { version: number; rehydrated: boolean };
}

/** redux-persist's version of a state persisted without `version` in its config. */
const UNVERSIONED = -1;

const PERSIST_PATH = ['_persist', 'version'];

/**
 * A redux-persist `migrate` function, `(state, currentVersion) => Promise<state>`, that
 * migrates with `m` (whose `versionKey` must be `'_persist.version'` and `versionFormat`
 * `'integer'`) up or down to the config's `version`. A state persisted without a version
 * (`-1`) is read at the migrator's `missingVersion`. On failure the raw stored value
 * (`<keyPrefix><key>`) is first copied to `<keyPrefix><key>.migraph-backup`, then the promise
 * rejects with the error, carrying `backupKey`.
 *
 * @example
 * const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer', missingVersion: 1 })
 *   .register(1, 2, (s) => ({ ...s, todos: [] }), { down: ({ todos: _t, ...s }) => s });
 * persistReducer({ key: 'root', storage, version: 2, migrate: createMigrate(m, { storage, key: 'root' }) }, reducer)
 * @since 0.1.0
 */
export const createMigrate = <S extends object>(
  m: Migrator<S>,
  options: CreateMigrateOptions = {},
): ((state: unknown, currentVersion: number) => Promise<(S & PersistMarker) | undefined>) => {
  const path = m.options.versionPath;
  if (path.length !== 2 || path[0] !== PERSIST_PATH[0] || path[1] !== PERSIST_PATH[1]) {
    throw new TypeError(
      `createMigrate needs a migrator with versionKey '_persist.version', got '${m.options.versionKey}'`,
    );
  }
  if (m.options.versionFormat !== 'integer') {
    throw new TypeError("createMigrate needs a migrator with versionFormat 'integer'");
  }
  const storageKey =
    options.key === undefined ? undefined : `${options.keyPrefix ?? 'persist:'}${options.key}`;
  return async (state, currentVersion) => {
    if (state === undefined || state === null) return undefined;
    const result = await m.migrateAsync(readableVersion(state), currentVersion);
    if (E.isRight(result)) return result.right as S & PersistMarker;
    return throwWithBackup(result.left, options.storage, storageKey);
  };
};

/**
 * The state as the migrator should read it: a `_persist.version` of -1 (never set) removed, so
 * the migrator reads its `missingVersion`. Anything else, damaged or not, is left to the
 * migrator, which answers with a typed error (and so a backup) instead of a throw.
 */
const readableVersion = (state: unknown): unknown => {
  if (typeof state !== 'object' || state === null) return state;
  const persist: unknown = (state as { _persist?: unknown })._persist;
  if (typeof persist !== 'object' || persist === null) return state;
  if ((persist as { version?: unknown }).version !== UNVERSIONED) return state;
  const { version: _version, ...rest } = persist as Record<string, unknown>;
  return { ...state, _persist: rest };
};
