// migraph/indexeddb over fake-indexeddb in Node: batches, rejected records, the backup, newer
// records, census, readMigrated, and a transaction aborted mid-batch (a tab closed).
import 'fake-indexeddb/auto';
import { expect } from 'chai';
import { Dexie } from 'dexie';
import * as E from 'fp-ts/lib/Either.js';
import { openDB, unwrap } from 'idb';
import {
  BACKUP_STORE,
  REJECTED_STORE,
  StoreError,
  census,
  createMigraphStores,
  indexedDbStore,
  migrateStore,
  readMigrated,
  watchMigration,
  type IndexedDbStore,
  type MigrationMessage,
} from '../../lib/stores/indexeddb.js';
import { compatibility } from '../../lib/core/index.js';
import { docMigrator } from '../support/store-suite.js';
import { firstProfile, release } from '../support/ten-version-builds.js';

let nextDb = 0;

const request = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

/** A fresh database holding `records` in `notes` (in-line keys `id`, 1..n). */
const seed = async (records: readonly Record<string, unknown>[]): Promise<string> => {
  const name = `app-${nextDb++}`;
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore('notes', { keyPath: 'id' });
  const db = await request(open);
  const tx = db.transaction('notes', 'readwrite');
  records.forEach((r, i) => tx.objectStore('notes').put({ id: i + 1, ...r }));
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
  return name;
};

const doc = (i: number, extra: Record<string, unknown> = {}) => ({
  state_version: '1.0.0',
  name: `row ${i}`,
  ...extra,
});

const all = async (name: string, store: string) => {
  const db = await request(indexedDB.open(name));
  const tx = db.transaction(store, 'readonly');
  const [keys, values] = await Promise.all([
    request(tx.objectStore(store).getAllKeys()),
    request(tx.objectStore(store).getAll()),
  ]);
  db.close();
  return new Map(keys.map((k, i) => [JSON.stringify(k), values[i] as Record<string, unknown>]));
};

describe('migraph/indexeddb (fake-indexeddb)', () => {
  it('migrates every record in batches, one readwrite transaction each, backing each up first', async () => {
    const name = await seed(Array.from({ length: 25 }, (_, i) => doc(i + 1)));
    const store = indexedDbStore({ name, objectStore: 'notes', keyPath: 'id' });
    let steps = 0;
    const progress: number[] = [];
    const report = await migrateStore(docMigrator({ step: () => void steps++ }), store, {
      batchSize: 10,
      onProgress: (p) => progress.push(p.done),
    });
    expect(report).to.deep.equal(
      E.right({
        migrated: 25,
        alreadyAtTarget: 0,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      }),
    );
    expect(steps).to.equal(25);
    expect(progress).to.deep.equal([10, 20, 25]);
    const notes = await all(name, 'notes');
    expect(notes.get('1')).to.deep.equal({
      id: 1,
      state_version: '1.1.0',
      name: 'row 1',
      tags: ['row 1'],
    });
    const backup = await all(name, BACKUP_STORE);
    expect(backup.size).to.equal(25);
    expect(backup.get('["notes",1]')).to.deep.equal({ id: 1, ...doc(1) });
    // A second run finds everything at the target and writes nothing.
    expect(await migrateStore(docMigrator(), store)).to.deep.equal(
      E.right({
        migrated: 0,
        alreadyAtTarget: 25,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      }),
    );
    expect(await census(store)).to.deep.equal(E.right({ '1.1.0': 25 }));
    await store.clearBackup();
    expect((await all(name, BACKUP_STORE)).size).to.equal(0);
    await store.close();
  });

  it('records rejected records and leaves them as they are, and non-JSON records too', async () => {
    const name = await seed([
      doc(1),
      doc(2, { poison: true }),
      doc(3, { at: new Date(0) }),
      doc(4),
    ]);
    const store = indexedDbStore({ name, objectStore: 'notes' });
    const report = await migrateStore(docMigrator(), store);
    expect(E.isRight(report) && report.right).to.deep.include({ migrated: 2, rejected: 2 });
    const notes = await all(name, 'notes');
    expect(notes.get('2')).to.deep.equal({ id: 2, ...doc(2, { poison: true }) });
    expect(notes.get('3')!.at).to.be.instanceOf(Date);
    const rejected = await all(name, REJECTED_STORE);
    expect([...rejected.keys()]).to.deep.equal(['["notes",2]', '["notes",3]']);
    expect(rejected.get('["notes",2]')).to.deep.include({ id: '2', version: '1.0.0' });
    expect(String(rejected.get('["notes",3]')!.error)).to.contain('Date');
    // Later runs leave them alone, until retryRejected.
    const again = await migrateStore(docMigrator(), store);
    expect(E.isRight(again) && again.right).to.deep.include({ migrated: 0, previouslyRejected: 2 });
    const retried = await migrateStore(docMigrator(), store, { retryRejected: true });
    expect(E.isRight(retried) && retried.right).to.deep.include({
      rejected: 2,
      previouslyRejected: 0,
    });
    await store.close();
  });

  it("leaves a newer release's record it may read as it is, under 'read-compatible' (§17), and rejects one it may not", async () => {
    const writtenBy = (k: number, who: string) =>
      release(k, { stampReadableFrom: compatibility }).migrateOrThrow({
        state_version: '1.0.0',
        ...firstProfile(who),
      }) as Record<string, unknown>;
    // Release 7 stamps readableFrom 5.0.0; release 8 (past a NONE edge) stamps 8.0.0.
    const readable = writtenBy(7, 'Ada');
    const unreadable = writtenBy(8, 'Cy');
    const name = await seed([
      { state_version: '1.0.0', ...firstProfile('Old') },
      readable,
      unreadable,
    ]);
    const before = await all(name, 'notes');
    const store = indexedDbStore({ name, objectStore: 'notes' });
    const older = release(6, { onNewerVersion: 'read-compatible' });
    const report = await migrateStore(older, store);
    expect(E.isRight(report) && report.right).to.deep.include({
      migrated: 1,
      alreadyAtTarget: 1,
      rejected: 1,
    });
    const after = await all(name, 'notes');
    expect(after.get('2')).to.deep.equal(before.get('2'));
    expect(after.get('3')).to.deep.equal(before.get('3'));
    expect(after.get('1')).to.deep.include({ state_version: '6.0.0' });
    const rejected = await all(name, REJECTED_STORE);
    expect([...rejected.keys()]).to.deep.equal(['["notes",3]']);
    // Read on demand: as it is, with the newer release's fields.
    const read = await readMigrated(older, store, '2');
    expect(read).to.deep.equal(E.right(before.get('2')));
    await store.close();
  });

  it('never writes a record newer than every known version (onNewerVersion)', async () => {
    const newer = { state_version: '2.0.0', name: 'from a newer tab' };
    const name = await seed([doc(1), newer]);
    for (const keep of [false, true]) {
      const store = indexedDbStore({ name, objectStore: 'notes' });
      const report = await migrateStore(docMigrator({ keep }), store, { retryRejected: true });
      expect(E.isRight(report)).to.equal(true);
      expect((await all(name, 'notes')).get('2')).to.deep.equal({ id: 2, ...newer });
      expect((await all(name, BACKUP_STORE)).has('["notes",2]')).to.equal(false);
      expect((await all(name, REJECTED_STORE)).has('["notes",2]')).to.equal(!keep);
      await store.close();
    }
  });

  it('reads through readMigrated, writing back only when asked and only over an unchanged record', async () => {
    const name = await seed([doc(1), doc(2)]);
    const store = indexedDbStore({ name, objectStore: 'notes' });
    const read = await readMigrated(docMigrator(), store, '1');
    expect(read).to.deep.equal(
      E.right({ id: 1, state_version: '1.1.0', name: 'row 1', tags: ['row 1'] }),
    );
    expect((await all(name, 'notes')).get('1')).to.deep.equal({ id: 1, ...doc(1) });
    await readMigrated(docMigrator(), store, '2', { writeBack: true });
    expect((await all(name, 'notes')).get('2')!.state_version).to.equal('1.1.0');
    expect((await all(name, BACKUP_STORE)).get('["notes",2]')).to.deep.equal({ id: 2, ...doc(2) });
    const missing = await readMigrated(docMigrator(), store, '9');
    expect(E.isLeft(missing) && missing.left.message).to.contain('no row 9');
    await store.close();
  });

  it('leaves nothing half-written when a batch transaction aborts, and a re-run resumes', async () => {
    const name = await seed(Array.from({ length: 30 }, (_, i) => doc(i + 1)));
    const store = indexedDbStore({ name, objectStore: 'notes' });
    const put = IDBObjectStore.prototype.put;
    let puts = 0;
    // The tab closes during the second batch's writes: its transaction aborts.
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args) {
      if (this.name === 'notes' && ++puts === 15) this.transaction.abort();
      return put.apply(this, args);
    } as typeof put;
    let report;
    try {
      report = await migrateStore(docMigrator(), store, { batchSize: 10 });
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(E.isLeft(report)).to.equal(true);
    const versions = [...(await all(name, 'notes')).values()].map((n) => n.state_version);
    expect(versions.filter((v) => v === '1.1.0')).to.have.length(10);
    expect((await all(name, BACKUP_STORE)).size).to.equal(10);
    let steps = 0;
    const resumed = await migrateStore(docMigrator({ step: () => void steps++ }), store, {
      batchSize: 10,
    });
    expect(E.isRight(resumed) && resumed.right).to.deep.include({
      migrated: 20,
      alreadyAtTarget: 10,
    });
    expect(steps).to.equal(20);
    await store.close();
  });

  it('does not overwrite a record changed between the read and the write of its batch', async () => {
    const name = await seed([doc(1), doc(2)]);
    const store = indexedDbStore({ name, objectStore: 'notes' });
    let changed = false;
    const m = docMigrator({
      step: async (s) => {
        if (s.name !== 'row 1' || changed) return;
        changed = true;
        const db = await request(indexedDB.open(name));
        const tx = db.transaction('notes', 'readwrite');
        tx.objectStore('notes').put({ id: 1, ...doc(1), app: 'edited' });
        await new Promise((resolve) => (tx.oncomplete = resolve));
        db.close();
      },
    });
    const report = await migrateStore(m, store);
    expect(E.isRight(report) && report.right).to.deep.include({ migrated: 2, conflicts: 0 });
    expect((await all(name, 'notes')).get('1')).to.deep.include({
      app: 'edited',
      state_version: '1.1.0',
    });
    await store.close();
  });

  it('works over a database opened with idb (unwrapped) and over a Dexie table', async () => {
    const name = await seed([doc(1)]);
    const wrapped = await openDB(name, 2, { upgrade: (db) => createMigraphStores(unwrap(db)) });
    const store = indexedDbStore({ database: unwrap(wrapped), objectStore: 'notes' });
    expect(E.isRight(await migrateStore(docMigrator(), store))).to.equal(true);
    wrapped.close();

    const dexie = new Dexie(`dexie-${nextDb++}`, { indexedDB, IDBKeyRange });
    dexie.version(1).stores({ notes: 'id', migraph_rejected: '', migraph_backup: '' });
    const notes = dexie.table('notes');
    await notes.bulkPut([
      { id: 1, ...doc(1) },
      { id: 2, ...doc(2) },
    ]);
    const seen: MigrationMessage[] = [];
    const dexieStore: IndexedDbStore = indexedDbStore({ table: notes });
    const stop = watchMigration(dexieStore, (message) => seen.push(message));
    const report = await migrateStore(docMigrator(), dexieStore);
    expect(E.isRight(report) && report.right.migrated).to.equal(2);
    expect((await notes.get(2)).tags).to.deep.equal(['row 2']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    expect(seen.map((s) => s.kind)).to.deep.equal(['progress', 'done']);
    dexie.close();
  });

  it('names what is missing when a given database lacks migraph’s object stores', async () => {
    const name = await seed([doc(1)]);
    const db = await request(indexedDB.open(name));
    const report = await migrateStore(
      docMigrator(),
      indexedDbStore({ database: db, objectStore: 'notes' }),
    );
    expect(E.isLeft(report) && report.left.message).to.contain('createMigraphStores');
    db.close();
    expect(() => indexedDbStore({ objectStore: 'notes' } as never)).to.throw(TypeError);
  });

  it('claims past long stretches of records at the target, and only what is left', async () => {
    // Records 1..40 done by an earlier run, then every third one.
    const name = await seed(
      Array.from({ length: 200 }, (_, i) =>
        i < 40 || i % 3 === 0 ? { ...doc(i + 1), state_version: '1.1.0', tags: [] } : doc(i + 1),
      ),
    );
    const store = indexedDbStore({ name, objectStore: 'notes' });
    let steps = 0;
    const report = await migrateStore(docMigrator({ step: () => void steps++ }), store, {
      batchSize: 7,
    });
    const pending = Array.from({ length: 200 }, (_, i) => i).filter(
      (i) => i >= 40 && i % 3 !== 0,
    ).length;
    expect(E.isRight(report) && report.right).to.deep.include({
      migrated: pending,
      alreadyAtTarget: 200 - pending,
    });
    expect(steps).to.equal(pending);
    const versions = [...(await all(name, 'notes')).values()].map((n) => n.state_version);
    expect(versions.every((v) => v === '1.1.0')).to.equal(true);
    await store.close();
  });

  it('commits a batch spread thinly over the keys too (read one record at a time)', async () => {
    const pending = new Set([1, 50, 51, 100]);
    const name = await seed(
      Array.from({ length: 100 }, (_, i) =>
        pending.has(i + 1) ? doc(i + 1) : { ...doc(i + 1), state_version: '1.1.0', tags: [] },
      ),
    );
    const store = indexedDbStore({ name, objectStore: 'notes' });
    let steps = 0;
    const report = await migrateStore(docMigrator({ step: () => void steps++ }), store, {
      batchSize: 4,
    });
    expect(E.isRight(report) && report.right).to.deep.include({ migrated: 4, alreadyAtTarget: 96 });
    // One batch, written at once: none of it taken for changed and migrated again.
    expect(steps).to.equal(4);
    const notes = await all(name, 'notes');
    expect([...pending].map((id) => notes.get(String(id))!.tags)).to.deep.equal(
      [...pending].map((id) => [`row ${id}`]),
    );
    const backup = await all(name, BACKUP_STORE);
    expect([...backup.keys()]).to.deep.equal([...pending].map((id) => `["notes",${id}]`));
    expect(backup.get('["notes",50]')).to.deep.equal({ id: 50, ...doc(50) });
    await store.close();
  });

  describe('ifLocked', () => {
    const holder = globalThis as { navigator?: unknown };
    const own = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    /** Web Locks where the store's lock is `taken` (or free), for the length of `f`. */
    const withLocks = async (taken: boolean, f: () => Promise<void>) => {
      const asked: { name: string; ifAvailable: boolean | undefined }[] = [];
      const locks = {
        request: (
          name: string,
          options: { ifAvailable?: boolean },
          callback: (lock: object | null) => Promise<unknown>,
        ) => {
          asked.push({ name, ifAvailable: options.ifAvailable });
          if (taken && options.ifAvailable !== true) throw new Error('would wait forever');
          return callback(taken ? null : {});
        },
      };
      Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true });
      try {
        await f();
      } finally {
        if (own === undefined) delete holder.navigator;
        else Object.defineProperty(globalThis, 'navigator', own);
      }
      return asked;
    };

    it("returns a StoreError with reason 'locked', having done nothing, when another tab holds the lock", async () => {
      const name = await seed([doc(1), doc(2)]);
      const store = indexedDbStore({ name, objectStore: 'notes' });
      let steps = 0;
      const asked = await withLocks(true, async () => {
        const report = await migrateStore(docMigrator({ step: () => void steps++ }), store, {
          ifLocked: 'skip',
        });
        expect(E.isLeft(report) && report.left).to.be.instanceOf(StoreError);
        expect(E.isLeft(report) && (report.left as StoreError).reason).to.equal('locked');
        expect(E.isLeft(report) && report.left.message).to.contain(store.lockName);
      });
      expect(asked).to.deep.equal([{ name: store.lockName, ifAvailable: true }]);
      expect(steps).to.equal(0);
      expect((await all(name, 'notes')).get('1')!.state_version).to.equal('1.0.0');
      // Free, the same call runs; `wait` (the default) asks for the lock to wait on.
      const free = await withLocks(false, async () => {
        const report = await migrateStore(docMigrator(), store, { ifLocked: 'skip' });
        expect(E.isRight(report) && report.right.migrated).to.equal(2);
        await migrateStore(docMigrator(), store);
      });
      expect(free.map((a) => a.ifAvailable)).to.deep.equal([true, false]);
      await store.close();
    });

    it('runs without the lock where Web Locks are missing, whatever ifLocked says', async () => {
      const name = await seed([doc(1)]);
      const store = indexedDbStore({ name, objectStore: 'notes' });
      expect(holder.navigator).to.equal(undefined);
      const report = await migrateStore(docMigrator(), store, { ifLocked: 'skip' });
      expect(E.isRight(report) && report.right.migrated).to.equal(1);
      await store.close();
    });

    it('is checked: a bad value, a misspelling, and a store that has no lock are TypeErrors', async () => {
      const store = indexedDbStore({ name: 'unused', objectStore: 'notes' });
      // @ts-expect-error not one of the choices
      expect(() => migrateStore(docMigrator(), store, { ifLocked: 'later' })).to.throw(
        TypeError,
        /option ifLocked of migrateStore to be one of 'wait', 'skip', got 'later'/,
      );
      expect(() => migrateStore(docMigrator(), store, { ifLoked: 'skip' } as never)).to.throw(
        TypeError,
        /Unknown option ifLoked of migrateStore .*did you mean ifLocked\?/,
      );
      const other = { ...store, lockName: undefined, name: 'sqlite states.doc' } as never;
      expect(() => migrateStore(docMigrator(), other, { ifLocked: 'skip' })).to.throw(
        TypeError,
        /Expected an IndexedDB store with option ifLocked of migrateStore, got sqlite states.doc/,
      );
    });
  });
});
