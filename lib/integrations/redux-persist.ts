/**
 * `migraph/redux-persist`: migrations for redux-persist's `persistReducer` that go up or down
 * the version graph, with the raw stored value backed up before the first step runs.
 *
 * @example
 * import { persistConfig, fromManifest } from 'migraph/redux-persist';
 * const reducer = persistReducer(persistConfig(fromManifest(migrations), { key: 'root', storage }), root);
 *
 * @packageDocumentation
 */
import * as E from '#fp/Either.js';
import { MigrationError, type MigraphError } from '../core/errors.js';
import { Migrator, type MigratorOptions } from '../core/migrator.js';
import { isSamePath } from '../core/version-field.js';
import {
  integerOf,
  keepsNewer,
  isPromise,
  protectedRun,
  releaseBackup,
  resolveStorage,
  sameVersion,
  thenMaybe,
  unversionedAt,
  warn,
  type Backup,
  type MaybePromise,
  type RawStorage,
} from './storage.js';
import { checkOptions } from '../core/options.js';

export type { RawStorage, StoredMigrationError } from './storage.js';
export { BACKUP_SUFFIX } from './storage.js';

/**
 * Options of {@link createMigrate}: where the state is persisted, so it can be backed up.
 *
 * @since 0.1.0
 */
export interface CreateMigrateOptions {
  /** The persist config's storage: the raw stored value is backed up there. Required. */
  readonly storage?: RawStorage;
  /** The persist config's `key`. Required. */
  readonly key?: string;
  /** The persist config's `keyPrefix` (default `'persist:'`). */
  readonly keyPrefix?: string;
}

/**
 * What redux-persist keeps beside a state: its version and whether it was rehydrated.
 *
 * @since 0.1.0
 */
export interface PersistMarker {
  readonly _persist: { version: number; rehydrated: boolean };
}

/**
 * redux-persist's `migrate`: `(state, currentVersion) => Promise<state>`.
 *
 * @since 0.1.0
 */
export type PersistMigrate<S> = (
  state: unknown,
  currentVersion: number,
) => Promise<(S & PersistMarker) | undefined>;

/**
 * A storage as redux-persist's persist config takes it (`redux-persist/lib/storage`,
 * AsyncStorage, localForage…).
 *
 * @since 0.1.0
 */
export interface PersistStorage {
  getItem(key: string): unknown;
  setItem(key: string, value: unknown): unknown;
  removeItem(key: string): unknown;
}

/**
 * What {@link persistConfig} needs: redux-persist's persist config, without `version` and
 * `migrate` (they come from the migrator). Every other field is passed on as it is.
 *
 * @since 0.1.0
 */
export interface PersistConfigInput {
  readonly key: string;
  readonly storage: PersistStorage;
  readonly keyPrefix?: string;
  /** redux-persist's rehydration timeout in ms (default 5000; 0: none). */
  readonly timeout?: number;
  /** As redux-persist's: `false` stores values as they are (a function is used as the serializer). */
  readonly serialize?: boolean;
  readonly deserialize?: boolean | ((value: unknown) => unknown);
  readonly version?: never;
  readonly migrate?: never;
}

/**
 * The persist config {@link persistConfig} gives: the input's fields, with migraph's
 * `version`, `migrate` and a storage that keeps the protection's bookkeeping.
 *
 * @since 0.1.0
 */
export type MigratingPersistConfig<S, C> = Omit<C, 'storage' | 'version' | 'migrate'> & {
  readonly key: string;
  readonly storage: PersistStorage;
  readonly version: number;
  readonly migrate: PersistMigrate<S>;
};

/** redux-persist's default `timeout`. */
const DEFAULT_TIMEOUT = 5000;
/** redux-persist's version of a state persisted without `version` in its config. */
const UNVERSIONED = -1;
const PERSIST_PATH = ['_persist', 'version'];

const checkMigrator = (m: Migrator<object>, caller: string): void => {
  if (!isSamePath(m.options.versionPath, PERSIST_PATH)) {
    throw new TypeError(
      `${caller} needs a migrator with versionKey '_persist.version', got '${m.options.versionKey}'`,
    );
  }
  if (m.options.versionFormat !== 'integer') {
    throw new TypeError(`${caller} needs a migrator with versionFormat 'integer'`);
  }
};

const checkPlace = (caller: string, storage: unknown, key: unknown, prefix: unknown): string => {
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(
      `${caller}: expected key to be the persist config's key, got ${String(key)}: without it the stored value cannot be backed up`,
    );
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new TypeError(`${caller}: expected keyPrefix to be a string, got ${String(prefix)}`);
  }
  if (storage === undefined || storage === null) {
    throw new TypeError(
      `${caller}: expected storage, the persist config's storage: without it the stored value cannot be backed up`,
    );
  }
  return `${prefix ?? 'persist:'}${key}`;
};

// --- manifests ---

/**
 * A redux-persist migration manifest: `{ 0: fn, 1: fn, … }`, where the function at key `k`
 * takes a state of version `k - 1` (`-1`: never versioned) to version `k`.
 *
 * @since 0.1.0
 */
export type MigrationManifest = Readonly<Record<number | string, (state: never) => unknown>>;

/**
 * Options of {@link fromManifest}: the migrator's, but for the version key and format
 * (redux-persist's) and `onNewerVersion`, `'keep'` by default as redux-persist does.
 *
 * @since 0.1.0
 */
export interface ManifestOptions extends Omit<
  MigratorOptions,
  'versionKey' | 'versionFormat' | 'currentVersion' | 'missingVersion'
> {
  /** The persist config's version (default: the highest key of the manifest). */
  readonly version?: number;
}

/**
 * A migrator made from a redux-persist manifest: its key-0 migration (from a state never
 * versioned) is no edge of the graph; the integrations run it first for such states.
 *
 * @since 0.1.0
 */
export class ManifestMigrator<S extends object = Record<string, unknown>> extends Migrator<S> {
  /** The manifest's key-0 migration, run for a state persisted without a version (`-1`). */
  readonly unversioned: ((state: never) => unknown) | undefined;

  constructor(options: MigratorOptions, unversioned: ((state: never) => unknown) | undefined) {
    super(options);
    this.unversioned = unversioned;
  }
}

/**
 * A migrator for `persistConfig` or `createMigrate` from an existing redux-persist manifest,
 * as it is: switching from redux-persist's `createMigrate(migrations)` is one line. The
 * function at key `k` becomes the edge `k-1 → k`; versions without a function pass the state
 * on unchanged (as redux-persist skips them); key `0` runs for states persisted without a
 * version. The current version is `options.version`, else the highest key.
 *
 * @example
 * import { fromManifest, persistConfig } from 'migraph/redux-persist';
 * import storage from 'redux-persist/lib/storage';
 * const migrations = { 0: (s: any) => ({ ...s, todos: [] }), 1: (s: any) => ({ ...s, filter: 'all' }) };
 * const config = persistConfig(fromManifest(migrations), { key: 'root', storage });
 * @since 0.1.0
 */
export const fromManifest = <S extends object = Record<string, unknown>>(
  manifest: MigrationManifest,
  options: ManifestOptions = {},
): ManifestMigrator<S> => {
  if (typeof manifest !== 'object' || manifest === null) {
    throw new TypeError('fromManifest: expected a manifest { 0: fn, 1: fn, … }');
  }
  const steps = new Map<number, (state: never) => unknown>();
  for (const [key, fn] of Object.entries(manifest)) {
    if (!/^(0|[1-9]\d{0,14})$/.test(key)) {
      throw new TypeError(
        `fromManifest: expected the manifest's keys to be versions 0, 1, 2…, got '${key}'`,
      );
    }
    if (typeof fn !== 'function') {
      throw new TypeError(`fromManifest: expected a function at key ${key}, got ${typeof fn}`);
    }
    steps.set(Number(key), fn);
  }
  const { version, ...rest } = options;
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 0)) {
    throw new TypeError(
      `fromManifest: expected version to be an integer ≥ 0, got ${String(version)}`,
    );
  }
  // Keys above the config's version are not run (redux-persist's createMigrate skips them): a
  // state stored at such a version is newer than the app, and kept as it is.
  const current = version ?? Math.max(0, ...steps.keys());
  const m = new ManifestMigrator<S>(
    {
      onNewerVersion: 'keep',
      ...rest,
      versionKey: '_persist.version',
      versionFormat: 'integer',
      missingVersion: 0,
      currentVersion: current,
    },
    steps.get(0),
  );
  for (let k = 1; k <= current; k++) {
    const fn = steps.get(k);
    if (fn === undefined)
      m.register(k - 1, k, (s) => s, { pure: true, description: `version ${k}: no migration` });
    else
      m.register(k - 1, k, fn as (s: object) => object, { description: `manifest migration ${k}` });
  }
  return m;
};

// --- one hydration ---

/** The stored state's version, as redux-persist reads it: undefined when never versioned. */
const inboundVersion = (state: object): unknown => {
  const persist: unknown = (state as { _persist?: unknown })._persist;
  if (typeof persist !== 'object' || persist === null) return undefined;
  const version = (persist as { version?: unknown }).version;
  return version === UNVERSIONED ? undefined : version;
};

/** The key-0 migration of a manifest as an `Either`, its result then at version 0. */
const runUnversioned = (
  m: Migrator<object>,
  fn: (state: never) => unknown,
  state: object,
): MaybePromise<E.Either<MigraphError, object>> => {
  const failed = (cause: unknown) =>
    E.left(
      new MigrationError(
        `Migration failed at -1->0 (the manifest's key 0, for a state persisted without a version): ${String(cause instanceof Error ? cause.message : cause)}`,
        { reason: 'step_failed', from: '-1', to: '0.0.0', step: 0, cause },
      ),
    );
  const done = (out: unknown): E.Either<MigraphError, object> =>
    typeof out === 'object' && out !== null && !Array.isArray(out)
      ? E.right(m.withVersion(out, 0))
      : E.left(
          new MigrationError(
            `Migration failed at -1->0: the manifest's key 0 returned ${out === null ? 'null' : typeof out}, expected a state object`,
            { reason: 'invalid_output', from: '-1', to: '0.0.0', step: 0 },
          ),
        );
  try {
    const out = fn(structuredClone(state) as never);
    return isPromise(out) ? out.then(done, failed) : done(out);
  } catch (cause) {
    return failed(cause);
  }
};

/** What a hydration found out, beside the state. */
interface Outcome<S> {
  readonly state: (S & PersistMarker) | undefined;
  readonly backup: Backup | undefined;
  /** The stored version of a newer state kept as it is. */
  readonly kept: number | undefined;
}

/** Migrates one stored state to `currentVersion` under the backup of `raw`. */
const hydrate = <S extends object>(
  m: Migrator<S>,
  state: unknown,
  currentVersion: number,
  storage: RawStorage,
  storageKey: string,
  raw: string | null | undefined,
): MaybePromise<Outcome<S>> => {
  if (state === undefined || state === null)
    return { state: undefined, backup: undefined, kept: undefined };
  const target = E.getOrElse((): string | undefined => undefined)(
    m.normalizeVersion(currentVersion),
  );
  const place = { storage, key: storageKey, raw };
  const pre =
    m instanceof ManifestMigrator
      ? (m.unversioned as ((s: never) => unknown) | undefined)
      : undefined;
  const object = typeof state === 'object' && !Array.isArray(state);
  const stored = object ? inboundVersion(state) : undefined;
  if (object && stored === undefined) {
    // Never versioned: the manifest's key 0 first, else read at the first version.
    if (currentVersion === UNVERSIONED)
      return { state: state as S & PersistMarker, backup: undefined, kept: undefined };
    const at = pre === undefined ? unversionedAt(m) : undefined;
    const input = at === undefined ? state : m.withVersion(state, integerOf(at)!);
    const run = (): MaybePromise<E.Either<MigraphError, S>> =>
      pre === undefined
        ? m.migrateSyncFirst(input, currentVersion)
        : thenMaybe(runUnversioned(m, pre, state), (zero) =>
            E.isLeft(zero) ? zero : m.migrateSyncFirst(zero.right, currentVersion),
          );
    return thenMaybe(
      protectedRun(place, pre !== undefined || !sameVersion(at, target), run),
      (done) => ({
        state: done.state as S & PersistMarker,
        backup: done.backup,
        kept: undefined,
      }),
    );
  }
  const at = E.getOrElse((): string | undefined => undefined)(m.normalizeVersion(stored));
  return thenMaybe(
    protectedRun(place, !sameVersion(at, target), () =>
      m.migrateReportSyncFirst(state, currentVersion),
    ),
    // A newer state the migrator kept as it is goes back under its own version.
    (done) => ({
      state: done.state.state as S & PersistMarker,
      backup: done.backup,
      kept: done.state.outcome === 'kept-newer' ? (stored as number) : undefined,
    }),
  );
};

// --- the config helper ---

/** A clock for the timeout check (never for behaviour a test depends on). */
const now = (): number => globalThis.performance?.now() ?? Date.now();

/**
 * redux-persist's whole persist config, migrating with `m`: the key and storage are given
 * once and protected, so no setup migrates without a backup. `version` is the migrator's
 * current version; every field of `config` but `version` and `migrate` is passed on.
 *
 * - Before the first step runs, the raw stored value (`<keyPrefix><key>`) is copied to
 *   `<keyPrefix><key>.migraph-backup` (an earlier, different backup is never replaced: this
 *   one goes to `.1`, `.2`…). On success the backup is removed once redux-persist has stored
 *   the migrated state; on failure it stays, the migration rejects with the error carrying
 *   `backupKey`, and redux-persist rehydrates the reducer's initial state (its REHYDRATE
 *   action carries the error as `err`).
 * - A migration that outlasts redux-persist's `timeout` (default 5000 ms) is dropped by
 *   redux-persist, which rehydrates the initial state and stores it: the backup then stays,
 *   and a warning goes to the migrator's logger (or `console.warn`). Raise `timeout` (or set
 *   it to 0) when steps may be slow.
 * - A state persisted without a version (`-1`) runs the manifest's key 0 ({@link fromManifest}),
 *   else is read at `missingVersion` when registered, else at the lowest registered version.
 * - A stored state newer than every known version follows `onNewerVersion`; with `'keep'` it
 *   is kept and stored again under its own version, never relabelled as the current one.
 * - Each step runs exactly once per hydration.
 *
 * @example
 * import { Migrator } from 'migraph';
 * import { persistConfig } from 'migraph/redux-persist';
 * import { persistReducer } from 'redux-persist';
 * import storage from 'redux-persist/lib/storage';
 * const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer' })
 *   .register(1, 2, (s) => ({ ...s, todos: [] }));
 * const reducer = persistReducer(persistConfig(m, { key: 'root', storage }), (state = { todos: [] }) => state);
 * @since 0.1.0
 */
export const persistConfig = <S extends object, C extends PersistConfigInput>(
  m: Migrator<S>,
  config: C,
): MigratingPersistConfig<S, C> => {
  checkMigrator(m, 'persistConfig');
  if (typeof config !== 'object' || config === null) {
    throw new TypeError('persistConfig: expected the persist config { key, storage, … }');
  }
  const given = config as PersistConfigInput & { version?: unknown; migrate?: unknown };
  if (given.version !== undefined || given.migrate !== undefined) {
    throw new TypeError(
      'persistConfig: expected no version or migrate in the config: they come from the migrator',
    );
  }
  const storageKey = checkPlace('persistConfig', config.storage, config.key, config.keyPrefix);
  const raw = resolveStorage(config.storage as RawStorage, 'persistConfig')!;
  const version = integerOf(m.targetVersion());
  if (version === undefined) {
    throw new TypeError(
      `persistConfig needs a migrator whose current version is an integer, got ${String(m.targetVersion())}`,
    );
  }
  const timeout = config.timeout ?? DEFAULT_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    throw new TypeError(
      `persistConfig: expected timeout to be a number of ms ≥ 0, got ${String(timeout)}`,
    );
  }
  const serializer: unknown = config.serialize;
  const serialize =
    typeof serializer === 'function'
      ? (serializer as (value: unknown) => unknown)
      : config.serialize === false
        ? (x: unknown) => x
        : (x: unknown) => JSON.stringify(x);
  const deserialize =
    typeof config.deserialize === 'function'
      ? config.deserialize
      : config.deserialize === false
        ? (x: unknown) => x
        : (x: unknown) => JSON.parse(x as string) as unknown;

  /** The last read of the key: its raw value and when it was read. */
  let read: { raw: string | null | undefined; at: number; written: boolean } | undefined;
  let keptVersion: number | undefined;
  let toRelease: Backup | undefined;

  /** The stored value with `_persist.version` set to the kept version. */
  const keepVersion = (value: unknown): unknown => {
    if (keptVersion === undefined) return value;
    try {
      const outer = deserialize(value) as Record<string, unknown>;
      const persist = deserialize(outer._persist) as Record<string, unknown>;
      return serialize({ ...outer, _persist: serialize({ ...persist, version: keptVersion }) });
    } catch {
      return value;
    }
  };

  const storage: PersistStorage = {
    getItem: (key) => {
      // redux-persist's timeout runs from before this read: a slow read counts towards it.
      const at = now();
      return thenMaybe(raw.getItem(key), (value) => {
        if (key === storageKey) read = { raw: value, at, written: false };
        return value;
      });
    },
    setItem: (key, value) => {
      if (key !== storageKey) return raw.setItem(key, value as string);
      if (read !== undefined) read.written = true;
      const release = toRelease;
      toRelease = undefined;
      return thenMaybe(
        raw.setItem(key, keepVersion(value) as string) as MaybePromise<unknown>,
        () => releaseBackup(raw, release),
      );
    },
    removeItem: (key) => raw.removeItem?.(key),
  };

  const migrate: PersistMigrate<S> = async (state, currentVersion) => {
    keptVersion = undefined;
    toRelease = undefined;
    const started = read;
    const done = await hydrate(m, state, currentVersion, raw, storageKey, started?.raw);
    if (done.backup === undefined && done.kept === undefined) return done.state;
    const elapsed = started === undefined ? 0 : now() - started.at;
    const late =
      started?.written === true || (timeout > 0 && elapsed >= timeout - Math.min(25, timeout / 4));
    if (late) {
      warn(
        m,
        `migraph: the migration of ${storageKey} took ${Math.round(elapsed)} ms, past redux-persist's timeout (${timeout} ms): redux-persist has rehydrated without it and stores the initial state${done.backup === undefined ? '' : `; the stored value from before the migration is kept at ${done.backup.key}`}. Raise the persist config's timeout.`,
      );
      return done.state;
    }
    keptVersion = done.kept;
    toRelease = done.backup;
    return done.state;
  };

  return { ...config, key: config.key, storage, version, migrate } as MigratingPersistConfig<S, C>;
};

/**
 * A redux-persist `migrate` function, `(state, currentVersion) => Promise<state>`, that
 * migrates with `m` (whose `versionKey` must be `'_persist.version'` and `versionFormat`
 * `'integer'`) up or down to the config's `version`, for a persist config written apart;
 * prefer {@link persistConfig}, which writes the whole config. `storage` and `key` are
 * required (a TypeError without them: no setup migrates without a backup).
 *
 * The raw stored value (`<keyPrefix><key>`) is copied to `<keyPrefix><key>.migraph-backup`
 * before the first step runs. On success the backup is removed when the stored value is
 * still the one read; when it changed meanwhile (redux-persist's `timeout` passed and it
 * stored the initial state) the backup stays and a warning is logged. On failure the backup
 * stays and the promise rejects with the error, carrying `backupKey`. States persisted
 * without a version (`-1`) are read as {@link persistConfig} reads them.
 *
 * @example
 * import { Migrator } from 'migraph';
 * import { createMigrate } from 'migraph/redux-persist';
 * import storage from 'redux-persist/lib/storage';
 * const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer' })
 *   .register(1, 2, (s) => ({ ...s, todos: [] }), { down: ({ todos: _t, ...s }) => s });
 * const config = { key: 'root', storage, version: 2, migrate: createMigrate(m, { storage, key: 'root' }) };
 * @since 0.1.0
 */
export const createMigrate = <S extends object>(
  m: Migrator<S>,
  options: CreateMigrateOptions = {},
): PersistMigrate<S> => {
  checkMigrator(m, 'createMigrate');
  checkOptions('createMigrate()', options, { storage: 'any', key: 'any', keyPrefix: 'any' });
  if (keepsNewer(m)) {
    throw new TypeError(
      `createMigrate: a migrator with onNewerVersion '${m.options.onNewerVersion}' would have redux-persist store a newer state again under the app's older version; use persistConfig, which keeps the stored version`,
    );
  }
  const storageKey = checkPlace('createMigrate', options.storage, options.key, options.keyPrefix);
  const storage = resolveStorage(options.storage, 'createMigrate')!;
  return async (state, currentVersion) => {
    if (state === undefined || state === null) return undefined;
    const raw = await storage.getItem(storageKey);
    const done = await hydrate(m, state, currentVersion, storage, storageKey, raw);
    if (done.backup === undefined) return done.state;
    if ((await storage.getItem(storageKey)) === raw) await releaseBackup(storage, done.backup);
    else {
      warn(
        m,
        `migraph: ${storageKey} changed while it was migrated (redux-persist's timeout passed?): the stored value from before the migration is kept at ${done.backup.key}`,
      );
    }
    return done.state;
  };
};
