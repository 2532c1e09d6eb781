/// <reference lib="dom" />
// The page of spec/stores/indexeddb-browser.spec.ts, bundled by esbuild and loaded into
// headless Chromium: a tab of an app whose records live in IndexedDB, built with the newest
// version (1.2.0) or as an old release that knows only 1.1.0. The spec drives it through
// `window.harness` and hears from it through the binding `migraphFlush`.
import * as E from 'fp-ts/lib/Either.js';
import { Migrator } from '../../lib/core/index.js';
import {
  createMigraphStores,
  indexedDbStore,
  migrateStore,
  readMigrated,
  watchMigration,
  BACKUP_STORE,
  REJECTED_STORE,
  type IndexedDbStore,
  type MigrationMessage,
} from '../../lib/stores/indexeddb.js';

type Note = Record<string, unknown> & { readonly id: number; readonly marks?: readonly string[] };

declare global {
  interface Window {
    /** The spec's binding: the page's step calls so far, told before each batch commits. */
    migraphFlush(run: string, calls: number): Promise<void>;
    harness: typeof harness;
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

const open = (db: string) => request(indexedDB.open(db));

/** Each step adds its mark (`a:` or `b:`, then who ran it) to the record's `marks`. */
const mark = (s: Note, step: string, by: string): Note => ({
  ...s,
  marks: [...(s.marks ?? []), `${step}:${by}`],
});

/**
 * The app's migrator: the newest build (1.0.0 → 1.1.0 → 1.2.0) or an old one (→ 1.1.0, and
 * `onNewerVersion: 'keep'`, so that it leaves a newer record as it is). `count` is called
 * once per step call.
 */
const migrator = (build: 'new' | 'old', by: string, count: () => void) => {
  const m = new Migrator<Note>({ onNewerVersion: 'keep' }).register('1.0.0', '1.1.0', (s: Note) => {
    count();
    return mark(s, 'a', by);
  });
  return build === 'old'
    ? m
    : m.register('1.1.0', '1.2.0', (s: Note) => {
        count();
        return mark(s, 'b', by);
      });
};

/** What a page's run came to, read by the spec. */
interface RunState {
  /** Step calls of `migrateStore` (not of reads). */
  calls: number;
  /** Whether the run got past the lock (its `prepare` ran). */
  holding: boolean;
  /** Reads through `readMigrated` while waiting, and how many ran steps (a record not yet migrated). */
  reads: number;
  readsMigrated: number;
  /** Reads that did not come back at 1.2.0. */
  badReads: string[];
  /** Progress messages seen from another tab's run. */
  progressSeen: number;
  result?:
    | { ok: true; report: unknown; ms: number }
    | { ok: false; error: string; reason?: string; ms: number };
}

const runs = new Map<string, RunState>();

/**
 * The store, with a spy: before each batch commits, the page tells the spec its step calls so
 * far (and waits for the answer). So every call whose result can commit has been counted.
 */
const spied = (store: IndexedDbStore, run: string, state: RunState): IndexedDbStore => ({
  ...store,
  prepare: (target, options) => {
    state.holding = true;
    return store.prepare(target, options);
  },
  session: async (target) => {
    const session = await store.session(target);
    return {
      ...session,
      claim: async (size, after) => {
        const batch = await session.claim(size, after);
        return (
          batch && {
            ...batch,
            commit: async (writes, rejections) => {
              await window.migraphFlush(run, state.calls);
              return batch.commit(writes, rejections);
            },
          }
        );
      },
    };
  },
});

const harness = {
  /** Creates `db` with `n` records in `notes` (`id` 1..n), at 1.0.0 or as `newer` makes them. */
  async seed(db: string, n: number, newer?: 'even'): Promise<void> {
    const r = indexedDB.open(db, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore('notes', { keyPath: 'id' });
      createMigraphStores(r.result);
    };
    const database = await request(r);
    for (let from = 1; from <= n; from += 10_000) {
      const tx = database.transaction('notes', 'readwrite');
      const notes = tx.objectStore('notes');
      for (let id = from; id < from + 10_000 && id <= n; id++) {
        notes.put(
          newer === 'even' && id % 2 === 0
            ? // Written by a newer release: fields in an order of its own, a float, a nested array.
              {
                extra: { z: 1.25, a: [null, 'x', { k: -0.5 }] },
                id,
                name: `row ${id}`,
                state_version: '1.2.0',
              }
            : { id, state_version: '1.0.0', name: `row ${id}` },
        );
      }
      await done(tx);
    }
    database.close();
  },

  /**
   * Starts this tab's run (not awaited): `migrateStore` of the `build` migrator over `db`,
   * and, while it waits for the lock, reads of random records through `readMigrated`.
   */
  start(options: {
    run: string;
    db: string;
    build: 'new' | 'old';
    batchSize: number;
    ifLocked?: 'wait' | 'skip';
    read?: number;
  }): void {
    const { run, db, build, batchSize } = options;
    const state: RunState = {
      calls: 0,
      holding: false,
      reads: 0,
      readsMigrated: 0,
      badReads: [],
      progressSeen: 0,
    };
    runs.set(run, state);
    const store = indexedDbStore({ name: db, objectStore: 'notes' });
    const stop = watchMigration(store, (message: MigrationMessage) => {
      if (message.kind === 'progress' && !state.holding) state.progressSeen++;
    });
    const m = migrator(build, run, () => state.calls++);
    const started = performance.now();
    void (async () => {
      if (options.read === undefined) return;
      // A separate reader: its steps mark `r:`, so a write of a read would show.
      let readSteps = 0;
      const reader = migrator('new', `reader-${run}`, () => readSteps++);
      const readStore = indexedDbStore({ name: db, objectStore: 'notes' });
      while (!state.holding && state.result === undefined) {
        const before = readSteps;
        const id = 1 + Math.floor(Math.random() * options.read);
        const read = await readMigrated(reader, readStore, String(id));
        state.reads++;
        if (readSteps > before) state.readsMigrated++;
        if (E.isLeft(read) || read.right.state_version !== '1.2.0' || read.right.id !== id) {
          state.badReads.push(JSON.stringify(E.isLeft(read) ? read.left.message : read.right));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await readStore.close();
    })();
    void (async () => {
      try {
        const report = await migrateStore(m, spied(store, run, state), {
          batchSize,
          ...(options.ifLocked === undefined ? {} : { ifLocked: options.ifLocked }),
        });
        const ms = performance.now() - started;
        state.result = E.isRight(report)
          ? { ok: true, report: report.right, ms }
          : {
              ok: false,
              error: report.left.message,
              ...('reason' in report.left ? { reason: String(report.left.reason) } : {}),
              ms,
            };
      } catch (error) {
        state.result = { ok: false, error: String(error), ms: performance.now() - started };
      } finally {
        stop();
        await store.close();
      }
    })();
  },

  /** A run's state so far. */
  state(run: string): RunState | undefined {
    return runs.get(run);
  },

  /** Every record's value as JSON text, by id. */
  async texts(db: string): Promise<Record<string, string>> {
    const database = await open(db);
    const tx = database.transaction('notes', 'readonly');
    const values = (await request(tx.objectStore('notes').getAll())) as Note[];
    database.close();
    return Object.fromEntries(values.map((v) => [v.id, JSON.stringify(v)]));
  },

  /**
   * What the spec checks at the end: records missing, extra or wrong (not at 1.2.0 with one
   * `a:` and one `b:` mark of the same run, or changed otherwise), each run's committed
   * records (counted from the marks), reads written back, backups and rejections.
   */
  async summary(db: string, n: number) {
    const database = await open(db);
    const tx = database.transaction(['notes', BACKUP_STORE, REJECTED_STORE], 'readonly');
    const [values, backups, backupKeys, rejected] = await Promise.all([
      request(tx.objectStore('notes').getAll()) as Promise<Note[]>,
      request(tx.objectStore(BACKUP_STORE).getAll()) as Promise<Note[]>,
      request(tx.objectStore(BACKUP_STORE).getAllKeys()),
      request(tx.objectStore(REJECTED_STORE).count()),
    ]);
    database.close();
    const perRun: Record<string, number> = {};
    const wrong: string[] = [];
    const seen = new Set<number>();
    for (const v of values) {
      seen.add(v.id);
      const by = v.marks?.[0]?.slice(2) ?? '';
      const expected = JSON.stringify({
        id: v.id,
        state_version: '1.2.0',
        name: `row ${v.id}`,
        marks: [`a:${by}`, `b:${by}`],
      });
      if (by === '' || by.startsWith('reader') || JSON.stringify(v) !== expected) {
        wrong.push(JSON.stringify(v));
      } else perRun[by] = (perRun[by] ?? 0) + 1;
    }
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((id) => !seen.has(id));
    const badBackups = backups.filter(
      (b, i) =>
        JSON.stringify(b) !==
          JSON.stringify({ id: b.id, state_version: '1.0.0', name: `row ${b.id}` }) ||
        JSON.stringify(backupKeys[i]) !== JSON.stringify(['notes', b.id]),
    ).length;
    return {
      records: values.length,
      missing: missing.slice(0, 5),
      missingCount: missing.length,
      wrong: wrong.slice(0, 5),
      wrongCount: wrong.length,
      perRun,
      backups: new Set(backups.map((b) => b.id)).size,
      badBackups,
      rejected,
    };
  },
};

window.harness = harness;
document.body.dataset.ready = 'true';
