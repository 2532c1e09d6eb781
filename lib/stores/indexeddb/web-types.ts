/**
 * The parts of IndexedDB, Web Locks and BroadcastChannel that `migraph/indexeddb` uses,
 * declared structurally: its published types then compile in a project without
 * `lib: ["dom"]` (a worker, a Node test on `fake-indexeddb`), and the browser's own objects
 * (`IDBDatabase`, a Dexie table, `idb`'s `unwrap(db)`) are accepted as they are. Event
 * handlers take `never`, so that the DOM's handlers, which take an event, fit them.
 *
 * @since 0.1.0
 */

/** A key of an IndexedDB record (the DOM's `IDBValidKey`). */
export type IdbKey = number | string | Date | ArrayBufferView | ArrayBuffer | IdbKey[];

/** A key range (the DOM's `IDBKeyRange`), as the browser makes it. */
export interface IdbKeyRange {
  readonly lower: unknown;
  readonly upper: unknown;
}

/** The DOM's `IDBKeyRange` constructor: the two ranges this entry asks for. */
export interface IdbKeyRangeFactory {
  bound(lower: unknown, upper: unknown, lowerOpen?: boolean, upperOpen?: boolean): IdbKeyRange;
  lowerBound(lower: unknown, open?: boolean): IdbKeyRange;
}

/** A pending request (the DOM's `IDBRequest`). */
export interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((event: never) => unknown) | null;
  onerror: ((event: never) => unknown) | null;
}

/** The request of `open` (the DOM's `IDBOpenDBRequest`). */
export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: ((event: never) => unknown) | null;
}

/** What a read of an object store selects: one key, a range of keys, or every record. */
export type IdbQuery = IdbKey | IdbKeyRange | null;

/** An object store within a transaction (the DOM's `IDBObjectStore`). */
export interface IdbObjectStore {
  readonly name: string;
  readonly keyPath: string | string[] | null;
  readonly transaction: IdbTransaction;
  get(query: IdbKey | IdbKeyRange): IdbRequest<unknown>;
  getAll(query?: IdbQuery, count?: number): IdbRequest<unknown[]>;
  getAllKeys(query?: IdbQuery, count?: number): IdbRequest<IdbKey[]>;
  count(query?: IdbKey | IdbKeyRange): IdbRequest<number>;
  put(value: unknown, key?: IdbKey): IdbRequest<IdbKey>;
  delete(query: IdbKey | IdbKeyRange): IdbRequest<undefined>;
}

/** A transaction (the DOM's `IDBTransaction`). */
export interface IdbTransaction {
  readonly error: unknown;
  objectStore(name: string): IdbObjectStore;
  abort(): void;
  oncomplete: ((event: never) => unknown) | null;
  onabort: ((event: never) => unknown) | null;
}

/** An open database (the DOM's `IDBDatabase`). */
export interface IdbDatabase {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: { contains(name: string): boolean };
  transaction(storeNames: string | string[], mode?: 'readonly' | 'readwrite'): IdbTransaction;
  createObjectStore(name: string): IdbObjectStore;
  close(): void;
  onversionchange: ((event: never) => unknown) | null;
}

/** What opens databases (the DOM's `IDBFactory`, `globalThis.indexedDB`). */
export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
}

/** A held Web Lock, or `null` when `ifAvailable` found it taken. */
export type HeldLock = object | null;

/** `navigator.locks` (the DOM's `LockManager`): the one request this entry makes. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { readonly ifAvailable?: boolean },
    callback: (lock: HeldLock) => Promise<T>,
  ): Promise<T>;
}

/** A BroadcastChannel, as this entry posts and listens on it. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { readonly data: unknown }) => unknown) | null;
  close(): void;
}

/** The globals this entry reaches for, each possibly absent (Node, an old browser). */
interface WebGlobals {
  readonly indexedDB?: IdbFactory;
  readonly IDBKeyRange?: IdbKeyRangeFactory;
  readonly BroadcastChannel?: new (name: string) => ChannelLike;
  readonly navigator?: { readonly locks?: LockManagerLike };
}

/** The globals, as this entry uses them. */
export const web = (): WebGlobals => globalThis as WebGlobals;
