/**
 * The store contract over one IndexedDB object store. A batch is read in a `readonly`
 * transaction and written in one `readwrite` transaction of its own (the object store, the
 * rejected records and the backups): IndexedDB commits a transaction as soon as no request
 * is pending, so it cannot stay open while steps run. Each record is checked, inside the
 * write transaction, to still hold what was read (the optimistic check of every store), so a
 * write another tab or the application made meanwhile is never overwritten; an aborted
 * transaction (a tab closed mid-batch) writes nothing, and the next run takes the batch again.
 *
 * @since 0.1.0
 */
import { describeCause } from '../../core/describe-cause.js';
import {
  StoreError,
  type BatchResult,
  type ClaimedBatch,
  type RunCounts,
  type StateStore,
  type StoredState,
  type StoreRejection,
  type StoreSession,
  type StoreTarget,
  type StoreWrite,
  type VersionCount,
} from '../../core/store.js';
import { versionValueAt } from '../../core/version-field.js';
import { groupOf } from '../census.js';
import {
  web,
  type IdbDatabase,
  type IdbFactory,
  type IdbKey,
  type IdbKeyRangeFactory,
  type IdbObjectStore,
  type IdbRequest,
  type IdbTransaction,
} from './web-types.js';
import { checkOptions } from '../../core/options.js';

/** The object store where rejected records are recorded, keyed `[objectStore, key]`. */
export const REJECTED_STORE = 'migraph_rejected';

/** The object store holding each record as it was before its first rewrite, keyed `[objectStore, key]`. */
export const BACKUP_STORE = 'migraph_backup';

/** Records read per request while scanning (counts, census, claims). */
const SCAN_CHUNK = 1_000;

/** Most records a claim reads per request while passing over records at the target. */
const MAX_SKIP = 8_000;

/** A Dexie database: its IndexedDB database once open. */
export interface DexieLike {
  readonly name: string;
  backendDB(): IdbDatabase;
}

/** A Dexie table: its name and its database. */
export interface DexieTableLike {
  readonly name: string;
  readonly db: DexieLike;
}

/** Options of {@link indexedDbStore}. */
export interface IndexedDbStoreOptions {
  /**
   * An open database: an `IdbDatabase` (for `idb`, `unwrap(db)`), or an open Dexie database.
   * The store does not close it. Give this, `table` or `name`.
   */
  readonly database?: IdbDatabase | DexieLike;
  /** A Dexie table (its database must be open): both the database and the object store. */
  readonly table?: DexieTableLike;
  /** The name of a database to open (the store closes it in `close()`). */
  readonly name?: string;
  /** The object store holding the states (one state a record). Not needed with `table`. */
  readonly objectStore?: string;
  /**
   * The object store's key path, when its keys are in-line: checked against the object
   * store's own on first use (a store migrated under a wrong assumption is refused).
   */
  readonly keyPath?: string | readonly string[];
  /** The `IdbFactory` to open `name` with. Default: `globalThis.indexedDB`. */
  readonly factory?: IdbFactory;
}

/** An IndexedDB store: the store contract, its lock's name, and its backup. */
export interface IndexedDbStore extends StateStore {
  /** The database's name. */
  readonly database: string;
  /** The object store's name. */
  readonly objectStore: string;
  /** The Web Lock (and BroadcastChannel) name of this store's migration. */
  readonly lockName: string;
  /** Drops this object store's backups (kept until then). */
  clearBackup(): Promise<void>;
}

// --- requests as promises -------------------------------------------------------------------

const result = <T>(request: IdbRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('request failed'));
  });

/** Resolves when `tx` commits; rejects when it aborts (nothing of it is written then). */
const completion = (tx: IdbTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });

// --- keys and records -----------------------------------------------------------------------

/** A key as text: a string as it is, anything else as JSON (`42`, `["a",1]`). */
const idOf = (key: IdbKey): string =>
  typeof key === 'string' ? key : key instanceof Date ? key.toISOString() : JSON.stringify(key);

/** The keys an id may stand for: the string itself, then the number or array it spells. */
const keysOf = (id: string): IdbKey[] => {
  const keys: IdbKey[] = [id];
  if (/^-?\d/.test(id) && String(Number(id)) === id) keys.push(Number(id));
  if (id.startsWith('[')) {
    try {
      keys.push(JSON.parse(id) as IdbKey);
    } catch {
      // Not an array key.
    }
  }
  return keys;
};

/** Whether `keys` are all numbers or all strings, in ascending order (so they bound a range). */
const ascending = (keys: readonly IdbKey[]): boolean => {
  const kind = typeof keys[0];
  return (
    (kind === 'number' || kind === 'string') &&
    keys.every((key, i) => typeof key === kind && (i === 0 || keys[i - 1]! < key))
  );
};

/** Why a record is not JSON data (a `Date`, a `Blob`, `undefined`, `NaN`…), if so. */
const notJson = (value: unknown, at = 'the record'): string | undefined => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `${at} holds ${value}, which JSON cannot`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const why = notJson(value[i], `${at}[${i}]`);
      if (why !== undefined) return why;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      return `${at} is a ${(value as object).constructor?.name ?? 'non-plain object'}, not JSON data`;
    }
    for (const [key, item] of Object.entries(value)) {
      const why = notJson(item, `${at}.${key}`);
      if (why !== undefined) return why;
    }
    return undefined;
  }
  return `${at} is ${typeof value}, not JSON data`;
};

/** What the optimistic check compares: the record as JSON text, or a tagged fallback. */
const fingerprint = (value: unknown): string => {
  try {
    return notJson(value) === undefined
      ? JSON.stringify(value)
      : `\u0000${JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  } catch {
    return '\u0000?';
  }
};

interface Ref {
  readonly key: IdbKey;
  readonly fingerprint: string;
}

const storedOf = (key: IdbKey, value: unknown): StoredState => {
  const why = notJson(value);
  const print = fingerprint(value);
  return {
    id: idOf(key),
    text: why === undefined ? print : '',
    ...(why === undefined ? {} : { unreadable: why }),
    ref: { key, fingerprint: print } satisfies Ref,
  };
};

/** Whether `value`'s version field renders as the target's text. */
const atTarget = (value: unknown, target: StoreTarget): boolean => {
  const version = versionValueAt(value, target.path);
  return (
    (typeof version === 'string' || typeof version === 'number') && String(version) === target.text
  );
};

/** The key path's value in `value` (`undefined` when a part is missing). */
const keyAt = (value: unknown, keyPath: string | readonly string[]): unknown => {
  const one = (path: string) =>
    path === ''
      ? value
      : path
          .split('.')
          .reduce<unknown>(
            (v, k) =>
              typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined,
            value,
          );
  return typeof keyPath === 'string' ? one(keyPath) : keyPath.map(one);
};

// --- the store ------------------------------------------------------------------------------

/** The Dexie database, a plain one, or none. */
const isDexie = (db: unknown): db is DexieLike =>
  typeof (db as { backendDB?: unknown } | undefined)?.backendDB === 'function';

/**
 * Creates the object stores migraph records rejections and backups in, where missing: call it
 * in your `upgradeneeded` handler (or declare them in Dexie: `migraph_rejected: ''`,
 * `migraph_backup: ''`). A store opened by `name` creates them itself.
 *
 * @example
 * request.onupgradeneeded = () => createMigraphStores(request.result)
 * @since 0.1.0
 */
export const createMigraphStores = (db: IdbDatabase): void => {
  for (const name of [REJECTED_STORE, BACKUP_STORE]) {
    if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
  }
};

/**
 * A store over the records of one IndexedDB object store (each record one state, JSON data).
 * Nothing is opened until the store is first used. Rejected records are recorded in
 * `migraph_rejected`, and each record is copied to `migraph_backup` before its first rewrite.
 * Throws a `TypeError` on bad options.
 *
 * @example
 * const store = indexedDbStore({ name: 'app', objectStore: 'notes' })
 * @since 0.1.0
 */
export const indexedDbStore = (options: IndexedDbStoreOptions): IndexedDbStore => {
  checkOptions('indexedDbStore()', options, {
    database: 'any',
    table: 'any',
    name: 'any',
    objectStore: 'any',
    keyPath: 'any',
    factory: 'any',
  });
  const given = [options.database, options.table, options.name].filter((o) => o !== undefined);
  if (given.length !== 1) throw new TypeError('Expected exactly one of database, table and name');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new TypeError(`Expected name to be a database name, got ${String(options.name)}`);
  }
  const objectStore = options.table?.name ?? options.objectStore;
  if (typeof objectStore !== 'string' || objectStore === '') {
    throw new TypeError(
      `Expected objectStore to be an object store's name, got ${String(objectStore)}`,
    );
  }
  const dbOf = (): IdbDatabase => {
    const db = options.table?.db ?? options.database!;
    return isDexie(db) ? db.backendDB() : db;
  };
  const dbName = options.name ?? (options.table?.db ?? options.database!).name;
  const name = `indexeddb ${dbName}.${objectStore}`;
  const wrap = (error: unknown, reason: StoreError['reason'] = 'query'): StoreError =>
    error instanceof StoreError
      ? error
      : new StoreError(`${name}: ${describeCause(error)}`, { reason, store: name, cause: error });

  let opened: Promise<IdbDatabase> | undefined;

  /** Opens `name`, adding migraph's object stores by a version change where missing. */
  const openByName = async (dbName: string): Promise<IdbDatabase> => {
    const factory = options.factory ?? web().indexedDB;
    if (factory === undefined) {
      throw new StoreError(`${name}: no IndexedDB here (give factory)`, {
        reason: 'connection',
        store: name,
      });
    }
    const open = (version?: number) => {
      const request = version === undefined ? factory.open(dbName) : factory.open(dbName, version);
      request.onupgradeneeded = () => createMigraphStores(request.result);
      return result(request);
    };
    let db = await open();
    if (
      !db.objectStoreNames.contains(REJECTED_STORE) ||
      !db.objectStoreNames.contains(BACKUP_STORE)
    ) {
      const version = db.version + 1;
      db.close();
      db = await open(version);
    }
    // Never stand in the way of the application's own upgrades.
    db.onversionchange = () => {
      db.close();
      opened = undefined;
    };
    return db;
  };

  const checked = (db: IdbDatabase): IdbDatabase => {
    const missing = [objectStore, REJECTED_STORE, BACKUP_STORE].filter(
      (s) => !db.objectStoreNames.contains(s),
    );
    if (missing.length > 0) {
      throw new StoreError(
        `${name}: no object store ${missing.join(', ')} in database ${db.name}` +
          (missing.includes(objectStore)
            ? ''
            : ' (create them in your upgrade with createMigraphStores(db))'),
        { reason: 'schema', store: name },
      );
    }
    if (options.keyPath !== undefined) {
      const own = db.transaction(objectStore, 'readonly').objectStore(objectStore).keyPath;
      if (JSON.stringify(own) !== JSON.stringify(options.keyPath)) {
        throw new StoreError(
          `${name}: expected key path ${JSON.stringify(options.keyPath)}, got ${JSON.stringify(own)}`,
          { reason: 'schema', store: name },
        );
      }
    }
    return db;
  };

  const database = (): Promise<IdbDatabase> => {
    opened ??= (async () =>
      checked(options.name === undefined ? dbOf() : await openByName(options.name)))().catch(
      (error: unknown) => {
        opened = undefined;
        throw wrap(error, 'connection');
      },
    );
    return opened;
  };

  const guarded = async <R>(f: (db: IdbDatabase) => Promise<R>): Promise<R> => {
    try {
      return await f(await database());
    } catch (error) {
      throw wrap(error);
    }
  };

  /** The global `IDBKeyRange` (where IndexedDB is, so is it). */
  const ranges = (): IdbKeyRangeFactory => {
    const factory = web().IDBKeyRange;
    if (factory === undefined) {
      throw new StoreError(`${name}: no IDBKeyRange here`, { reason: 'connection', store: name });
    }
    return factory;
  };

  /** The range of this object store's entries in the rejected and backup stores. */
  const ownRange = () => ranges().bound([objectStore], [`${objectStore}\u0000`], false, true);

  /** Calls `f` on each record, in key order, read `SCAN_CHUNK` at a time (one transaction each). */
  const scan = async (
    db: IdbDatabase,
    f: (key: IdbKey, value: unknown, rejected: boolean) => void,
  ): Promise<void> => {
    let after: IdbKey | undefined;
    for (;;) {
      const tx = db.transaction([objectStore, REJECTED_STORE], 'readonly');
      const range = after === undefined ? null : ranges().lowerBound(after, true);
      const os = tx.objectStore(objectStore);
      const [keys, values, rejected] = await Promise.all([
        result(os.getAllKeys(range, SCAN_CHUNK)),
        result(os.getAll(range, SCAN_CHUNK)),
        result(tx.objectStore(REJECTED_STORE).getAllKeys(ownRange())),
      ]);
      const rejectedIds = new Set(rejected.map((k) => idOf((k as IdbKey[])[1]!)));
      keys.forEach((key, i) => f(key, values[i], rejectedIds.has(idOf(key))));
      if (keys.length < SCAN_CHUNK) return;
      after = keys.at(-1);
    }
  };

  /**
   * The entries of `store` at `keys` (their values too, `withValues`), by `idOf`: one range
   * read when the keys are ascending and close together, as a claimed batch's are; undefined
   * when they are not (then read one a key).
   */
  const rangeRead = async (
    store: IdbObjectStore,
    keys: readonly IdbKey[],
    stored: (key: IdbKey) => IdbKey,
    withValues: boolean,
  ): Promise<Map<string, unknown> | undefined> => {
    if (keys.length < 2 || !ascending(keys)) return undefined;
    const range = ranges().bound(stored(keys[0]!), stored(keys.at(-1)!));
    const limit = keys.length * 2;
    const [found, values] = await Promise.all([
      result(store.getAllKeys(range, limit)),
      withValues ? result(store.getAll(range, limit)) : undefined,
    ]);
    // Too many records between them: reading one a key costs less.
    if (found.length === limit) return undefined;
    return new Map(found.map((key, i) => [idOf(key), values?.[i]]));
  };

  /** The current value of each ref's record in `tx` (undefined where it is gone). */
  const currentValues = async (tx: IdbTransaction, refs: readonly Ref[]): Promise<unknown[]> => {
    const os = tx.objectStore(objectStore);
    const keys = refs.map((r) => r.key);
    const read = await rangeRead(os, keys, (key) => key, true);
    return read === undefined
      ? Promise.all(keys.map((key) => result(os.get(key))))
      : keys.map((key) => read.get(idOf(key)));
  };

  /** Whether `store` (rejected records, backups) has an entry for each ref's record. */
  const recordedIn = async (store: IdbObjectStore, refs: readonly Ref[]): Promise<boolean[]> => {
    const entry = (key: IdbKey): IdbKey => [objectStore, key];
    const keys = refs.map((r) => r.key);
    const read = await rangeRead(store, keys, entry, false);
    return read === undefined
      ? (await Promise.all(keys.map((key) => result(store.count(entry(key)))))).map((n) => n > 0)
      : keys.map((key) => read.has(idOf(entry(key))));
  };

  /** True where a ref's record still holds what was read (its value as `currentValues` read it). */
  const unchanged = (refs: readonly Ref[], values: readonly unknown[]): boolean[] =>
    values.map((v, i) => v !== undefined && fingerprint(v) === refs[i]!.fingerprint);

  /**
   * Writes `writes` (each only where unchanged, the record backed up before its first
   * rewrite) and records `rejections` (likewise), in one `readwrite` transaction.
   */
  const commit = async (
    db: IdbDatabase,
    writes: readonly StoreWrite[],
    rejections: readonly StoreRejection[],
  ): Promise<BatchResult> => {
    const tx = db.transaction([objectStore, REJECTED_STORE, BACKUP_STORE], 'readwrite');
    const done = completion(tx);
    done.catch(() => undefined);
    const os = tx.objectStore(objectStore);
    const backups = tx.objectStore(BACKUP_STORE);
    const rejected = tx.objectStore(REJECTED_STORE);
    const keyPath = os.keyPath;
    const refused: StoreRejection[] = [];
    const conflicts: string[] = [];
    let written = 0;
    let recorded = 0;
    try {
      const writeRefs = writes.map((w) => w.state.ref as Ref);
      const rejectRefs = rejections.map((r) => r.state.ref as Ref);
      const [originals, rejectValues, backedUp, recordedBefore] = await Promise.all([
        currentValues(tx, writeRefs),
        currentValues(tx, rejectRefs),
        recordedIn(backups, writeRefs),
        recordedIn(rejected, rejectRefs),
      ]);
      const fresh = unchanged(writeRefs, originals);
      const freshRejected = unchanged(rejectRefs, rejectValues);
      const requests: Promise<unknown>[] = [];
      const record = (r: StoreRejection) => {
        const { key } = r.state.ref as Ref;
        requests.push(
          result(
            rejected.put(
              { id: r.state.id, version: r.version, error: r.error, at: new Date().toISOString() },
              [objectStore, key],
            ),
          ),
        );
        recorded++;
      };
      writes.forEach((w, i) => {
        const { key } = writeRefs[i]!;
        if (!fresh[i]) return void conflicts.push(w.state.id);
        const value = JSON.parse(w.text) as unknown;
        if (keyPath !== null) {
          const next = keyAt(value, keyPath);
          if (typeof next !== typeof key || idOf(next as IdbKey) !== idOf(key)) {
            const refusal: StoreRejection = {
              state: w.state,
              version: null,
              error: `the migrated state's key (at ${JSON.stringify(keyPath)}) is not the record's ${w.state.id}`,
            };
            refused.push(refusal);
            return record(refusal);
          }
        }
        if (!backedUp[i]) {
          // Not the state as parsed: the record itself, as the application stored it.
          requests.push(result(backups.put(originals[i], [objectStore, key])));
        }
        requests.push(result(keyPath === null ? os.put(value, key) : os.put(value)));
        written++;
      });
      rejections.forEach((r, i) => {
        if (recordedBefore[i]) return;
        if (!freshRejected[i]) return void conflicts.push(r.state.id);
        record(r);
      });
      await Promise.all(requests);
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // Already aborted.
      }
      throw error;
    }
    await done;
    return { written, recorded, conflicts, refused };
  };

  const session = (target: StoreTarget): Promise<StoreSession> =>
    guarded(async (db) => ({
      claim: (size, after) =>
        guarded(async (): Promise<ClaimedBatch | undefined> => {
          const states: StoredState[] = [];
          let cursor = after as IdbKey | undefined;
          let more = true;
          // Records read per request: what is left to claim, doubled (up to MAX_SKIP) while
          // whole reads are at the target already (the part an earlier run migrated).
          let ask = size;
          while (states.length < size && more) {
            const tx = db.transaction([objectStore, REJECTED_STORE], 'readonly');
            const os = tx.objectStore(objectStore);
            const range = cursor === undefined ? null : ranges().lowerBound(cursor, true);
            const [keys, values] = await Promise.all([
              result(os.getAllKeys(range, ask)),
              result(os.getAll(range, ask)),
            ]);
            more = keys.length === ask;
            // The records to claim, up to what is left; the claim ends after the last of them.
            const todo: number[] = [];
            let last = keys.length - 1;
            for (let i = 0; i < keys.length && states.length + todo.length < size; i++) {
              if (!atTarget(values[i], target)) todo.push(i);
              if (states.length + todo.length === size) last = i;
            }
            if (last < keys.length - 1) more = true;
            const recorded = await Promise.all(
              todo.map((i) =>
                result(tx.objectStore(REJECTED_STORE).count([objectStore, keys[i]!])),
              ),
            );
            todo.forEach((i, j) => {
              if (recorded[j] === 0) states.push(storedOf(keys[i]!, values[i]));
            });
            if (last >= 0) cursor = keys[last];
            ask =
              todo.length === 0 ? Math.min(ask * 2, MAX_SKIP) : Math.max(size - states.length, 1);
          }
          if (states.length === 0) return undefined;
          return {
            states,
            next: cursor,
            commit: (writes, rejections) => guarded((d) => commit(d, writes, rejections)),
            release: async () => undefined,
          };
        }),
      close: async () => undefined,
    }));

  const prepare = (
    target: StoreTarget,
    run: { readonly retryRejected: boolean },
  ): Promise<RunCounts> =>
    guarded(async (db) => {
      if (run.retryRejected) {
        const tx = db.transaction(REJECTED_STORE, 'readwrite');
        const done = completion(tx);
        tx.objectStore(REJECTED_STORE).delete(ownRange());
        await done;
      }
      let pending = 0;
      let reached = 0;
      let rejected = 0;
      await scan(db, (_, value, isRejected) => {
        if (atTarget(value, target)) reached++;
        else if (isRejected) rejected++;
        else pending++;
      });
      return { pending, atTarget: reached, rejected };
    });

  const read = (id: string): Promise<StoredState | undefined> =>
    guarded(async (db) => {
      const os = db.transaction(objectStore, 'readonly').objectStore(objectStore);
      // Every key the id may stand for at once (one round trip), the first found wins.
      const keys = keysOf(id);
      const values = await Promise.all(keys.map((key) => result(os.get(key))));
      const found = values.findIndex((value) => value !== undefined);
      return found === -1 ? undefined : storedOf(keys[found]!, values[found]);
    });

  const countVersions = (path: readonly string[]): Promise<readonly VersionCount[]> =>
    guarded(async (db) => {
      const groups = new Map<string, VersionCount>();
      await scan(db, (_, value) => {
        const group = groupOf(notJson(value) === undefined ? value : undefined, path);
        const id = group.kind === 'version' ? `v${JSON.stringify(group.value)}` : group.kind;
        const seen = groups.get(id);
        groups.set(id, seen === undefined ? group : { ...seen, count: seen.count + 1 });
      });
      return [...groups.values()];
    });

  return {
    name,
    database: dbName,
    objectStore,
    lockName: `migraph:${dbName}/${objectStore}`,
    prepare,
    session,
    read,
    write: (w) => guarded(async (db) => (await commit(db, [w], [])).written === 1),
    countVersions,
    singleProcess: 'IndexedDB is migrated by one tab at a time, under a Web Lock',
    clearBackup: () =>
      guarded(async (db) => {
        const tx = db.transaction(BACKUP_STORE, 'readwrite');
        const done = completion(tx);
        tx.objectStore(BACKUP_STORE).delete(ownRange());
        await done;
      }),
    close: async () => {
      const db = opened;
      opened = undefined;
      if (options.name !== undefined && db !== undefined)
        (await db.catch(() => undefined))?.close();
    },
  };
};
