/// <reference lib="dom" />
// The page of bench/indexeddb.ts, bundled by esbuild and run in headless Chromium: the same
// records and the same step, migrated by `migrateStore` over `indexedDbStore` and by a plain
// cursor loop; and a lazy first read through `readMigrated` against a plain `get`.
import * as E from 'fp-ts/lib/Either.js';
import { Migrator } from '../lib/core/index.js';
import {
  createMigraphStores,
  indexedDbStore,
  migrateStore,
  readMigrated,
} from '../lib/stores/indexeddb.js';

type Note = Record<string, unknown> & { readonly name: string };

declare global {
  interface Window {
    bench: typeof bench;
  }
}

const request = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

const done = (tx: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('aborted'));
  });

/** The change both sides make: 1.0.0 → 1.1.0 adds `tags: [name]`. */
const step = (s: Note): Note => ({ ...s, tags: [s.name] });

const migrator = () => new Migrator<Note>().register('1.0.0', '1.1.0', step);

/** A fresh database `name` of `n` records at 1.0.0 (`id` 1..n, in-line keys). */
const seed = async (name: string, n: number): Promise<void> => {
  await request(indexedDB.deleteDatabase(name));
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore('notes', { keyPath: 'id' });
    createMigraphStores(r.result);
  };
  const db = await request(r);
  const tx = db.transaction('notes', 'readwrite');
  const notes = tx.objectStore('notes');
  for (let id = 1; id <= n; id++) {
    notes.put({ id, state_version: '1.0.0', name: `note ${id}`, body: 'x'.repeat(64), n: id });
  }
  await done(tx);
  db.close();
};

/** The floor: one cursor over the object store, each record changed by the step and updated. */
const cursorLoop = async (name: string): Promise<number> => {
  const db = await request(indexedDB.open(name));
  const tx = db.transaction('notes', 'readwrite');
  let changed = 0;
  const cursor = tx.objectStore('notes').openCursor();
  cursor.onsuccess = () => {
    const c = cursor.result;
    if (c === null) return;
    const value = c.value as Note;
    if (value.state_version === '1.0.0') {
      c.update({ ...step(value), state_version: '1.1.0' });
      changed++;
    }
    c.continue();
  };
  await done(tx);
  db.close();
  return changed;
};

const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const value = await f();
  return [value, performance.now() - t0];
};

const bench = {
  /** Records/s of both sides, best of `rounds`, alternating, each over freshly seeded records. */
  async throughput(n: number, rounds: number, batchSize: number) {
    const migraph: number[] = [];
    const cursor: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await seed('loop', n);
      const [changed, loopMs] = await timed(() => cursorLoop('loop'));
      if (changed !== n) throw new Error(`the loop changed ${changed} of ${n}`);
      cursor.push((n / loopMs) * 1000);
      await seed('store', n);
      const store = indexedDbStore({ name: 'store', objectStore: 'notes' });
      const [report, storeMs] = await timed(() => migrateStore(migrator(), store, { batchSize }));
      await store.close();
      if (E.isLeft(report) || report.right.migrated !== n) {
        throw new Error(
          `migrateStore: ${JSON.stringify(E.isLeft(report) ? report.left.message : report.right)}`,
        );
      }
      migraph.push((n / storeMs) * 1000);
    }
    return { migraph: Math.max(...migraph), cursor: Math.max(...cursor) };
  },

  /**
   * A lazy first read: `readMigrated` of a record that needs migrating (without write-back,
   * so every read is a first) against a plain `get` of the same record on an open database;
   * time per read, best of `rounds` rounds of `reads` reads each side, alternating.
   */
  async lazyRead(n: number, reads: number, rounds: number) {
    await seed('read', n);
    const db = await request(indexedDB.open('read'));
    const store = indexedDbStore({ database: db, objectStore: 'notes' });
    const m = migrator();
    const get = async (id: number) => {
      const value = (await request(
        db.transaction('notes', 'readonly').objectStore('notes').get(id),
      )) as Note | undefined;
      if (value?.state_version !== '1.0.0') throw new Error('not found');
    };
    const read = async (id: number) => {
      const state = await readMigrated(m, store, String(id));
      if (E.isLeft(state) || state.right.state_version !== '1.1.0') throw new Error('not migrated');
    };
    const ids = Array.from({ length: reads }, (_, i) => 1 + ((i * 7919) % n));
    const gets: number[] = [];
    const lazy: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      const [, getMs] = await timed(async () => {
        for (const id of ids) await get(id);
      });
      const [, readMs] = await timed(async () => {
        for (const id of ids) await read(id);
      });
      // Round 0 warms up.
      if (round > 0) {
        gets.push(getMs / reads);
        lazy.push(readMs / reads);
      }
    }
    db.close();
    return { getMs: Math.min(...gets), readMs: Math.min(...lazy) };
  },
};

window.bench = bench;
document.body.dataset.ready = 'true';
