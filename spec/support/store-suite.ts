// The behaviours every SQL store must have, run against each real database by
// spec/postgres.spec.ts and spec/sqlite.spec.ts through a small fixture of their own.
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Migrator, MigrationError, StateVersionError } from '../../lib/core/index.js';
import { StoreError, type StateStore, type StoreProgress } from '../../lib/core/store.js';
import { census, migrateStore, readMigrated } from '../../lib/stores/postgres.js';

/** A test table of integer ids 1..n and a JSON column `doc`. */
export interface TestTable {
  readonly name: string;
  /** A store over the table (its options can be overridden). */
  store(options?: Record<string, unknown>): StateStore;
  /** Each row's stored text, by id (null for SQL NULL). */
  texts(): Promise<Map<number, string | null>>;
  /** How many times each row was written with a different version (an audit trigger). */
  versionWrites(): Promise<Map<number, number>>;
  /** What `migraph_rejected` holds for this table, by id. */
  rejected(): Promise<Map<string, { version: string | null; error: string }>>;
  /** The application replaces a row's state. */
  set(id: number, text: string): Promise<void>;
  /** The application sets `doc.app = value`, keeping the rest (a partial update). */
  touch(id: number, value: number): Promise<void>;
}

/** A database to test against. */
export interface StoreFixture {
  readonly kind: 'postgres' | 'sqlite';
  /** Creates a table holding `rows` (JSON text, or null) as ids 1..n. */
  table(name: string, rows: readonly (string | null)[]): Promise<TestTable>;
}

export const Doc = t.type({ state_version: t.string, name: t.string });
export const DocV11 = t.type({ state_version: t.string, name: t.string, tags: t.array(t.string) });

/** 1.0.0 → 1.1.0 adds `tags: [name]`; a row with `poison` makes the step throw. */
export const docMigrator = (
  options: { step?: (s: Record<string, unknown>) => Promise<void> | void; keep?: boolean } = {},
) =>
  new Migrator({ clock: () => new Date(0), ...(options.keep ? { onNewerVersion: 'keep' } : {}) })
    .register('1.0.0', '1.1.0', async (s: Record<string, unknown>) => {
      await options.step?.(s);
      if (s.poison === true) throw new Error('a poisoned row');
      return { ...s, tags: [s.name] };
    })
    .schema('1.0.0', Doc)
    .schema('1.1.0', DocV11);

export const doc = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ state_version: '1.0.0', name: `row ${i}`, ...extra });

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const parsed = async (table: TestTable) =>
  new Map(
    [...(await table.texts())].map(([id, text]) => [
      id,
      text === null ? null : (JSON.parse(text) as Record<string, unknown>),
    ]),
  );

const right = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw either.left;
  return either.right;
};

export const storeSuite = (fixture: StoreFixture): void => {
  let tables = 0;
  const table = (rows: readonly (string | null)[]) => fixture.table(`states_${++tables}`, rows);

  describe('migrateStore', () => {
    it('migrates every row in batches, one commit each, and reports progress', async () => {
      const t = await table(range(23).map((i) => doc(i)));
      const store = t.store();
      const progress: StoreProgress[] = [];
      const report = right(
        await migrateStore(docMigrator(), store, {
          batchSize: 5,
          onProgress: (p) => progress.push(p),
        }),
      );
      await store.close();
      expect(report).to.deep.equal({
        migrated: 23,
        alreadyAtTarget: 0,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      });
      expect(progress.map((p) => p.done)).to.deep.equal([5, 10, 15, 20, 23]);
      expect(progress.every((p) => p.total === 23)).to.equal(true);
      const docs = await parsed(t);
      for (const i of range(23)) {
        expect(docs.get(i)).to.deep.equal({
          state_version: '1.1.0',
          name: `row ${i}`,
          tags: [`row ${i}`],
        });
      }
      expect([...(await t.versionWrites()).values()]).to.deep.equal(range(23).map(() => 1));
    });

    it('leaves rows at the target untouched and counts them, and skips rows holding no state', async () => {
      const t = await table([
        doc(1),
        JSON.stringify({ state_version: '1.1.0', name: 'done', tags: ['done'] }),
        JSON.stringify({ state_version: 'v1.1.0', name: 'written differently', tags: [] }),
        null,
      ]);
      const before = await t.texts();
      const store = t.store();
      const report = right(await migrateStore(docMigrator(), store, { batchSize: 2 }));
      await store.close();
      expect(report).to.deep.equal({
        migrated: 1,
        alreadyAtTarget: 2,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      });
      const after = await t.texts();
      expect(after.get(2)).to.equal(before.get(2));
      expect(after.get(3)).to.equal(before.get(3));
      expect(after.get(4)).to.equal(null);
      expect([...(await t.versionWrites()).keys()]).to.deep.equal([1]);
    });

    it('rejects rows it cannot migrate: untouched, recorded with version and error, not claimed again', async () => {
      const rows = [
        doc(1),
        doc(2, { poison: true }),
        JSON.stringify({ state_version: '1.0.0', name: 42 }),
        '{"state_version":"1.0.0","name":"big","n":123456789012345678901}',
        JSON.stringify({ state_version: '0.9.0', name: 'unknown version' }),
        JSON.stringify([1, 2, 3]),
        doc(7),
      ];
      const t = await table(rows);
      const before = await t.texts();
      const store = t.store();
      const report = right(await migrateStore(docMigrator(), store, { batchSize: 3 }));
      expect(report).to.deep.equal({
        migrated: 2,
        alreadyAtTarget: 0,
        rejected: 5,
        previouslyRejected: 0,
        conflicts: 0,
      });
      const after = await t.texts();
      for (const id of [2, 3, 4, 5, 6]) expect(after.get(id), `row ${id}`).to.equal(before.get(id));
      const rejected = await t.rejected();
      expect([...rejected.keys()].sort()).to.deep.equal(['2', '3', '4', '5', '6']);
      expect(rejected.get('2')).to.deep.include({ version: '1.0.0' });
      expect(rejected.get('2')!.error).to.include('a poisoned row');
      expect(rejected.get('3')!.error).to.match(/name: expected string, got 42|name/);
      expect(rejected.get('4')!.error).to.include('123456789012345678901').and.include('exactly');
      expect(rejected.get('5')).to.deep.include({ version: '0.9.0' });
      expect(rejected.get('6')).to.deep.include({ version: null });

      // A second run does not claim them again, and says how many remain rejected.
      const again = right(await migrateStore(docMigrator(), store, { batchSize: 3 }));
      expect(again).to.deep.equal({
        migrated: 0,
        alreadyAtTarget: 2,
        rejected: 0,
        previouslyRejected: 5,
        conflicts: 0,
      });
      expect(await t.texts()).to.deep.equal(after);

      // Fixed data and retryRejected: they are tried again.
      await t.set(2, doc(2));
      const retried = right(
        await migrateStore(docMigrator(), store, { batchSize: 3, retryRejected: true }),
      );
      await store.close();
      expect(retried).to.deep.equal({
        migrated: 1,
        alreadyAtTarget: 2,
        rejected: 4,
        previouslyRejected: 0,
        conflicts: 0,
      });
      expect([...(await t.rejected()).keys()].sort()).to.deep.equal(['3', '4', '5', '6']);
    });

    it('reads rows losslessly: exact numbers survive, inexact ones are rejected, never rounded', async () => {
      const t = await table([
        '{"state_version":"1.0.0","name":"a","n":[0.1,1.5e-7,-2,9007199254740991,1e21,3.14159]}',
        '{"state_version":"1.0.0","name":"b","n":9007199254740993}',
        '{"state_version":"1.0.0","name":"c","n":0.10000000000000001}',
        '{"state_version":"1.0.0","name":"d","n":1e400}',
      ]);
      const store = t.store();
      const report = right(await migrateStore(docMigrator(), store));
      await store.close();
      expect(report).to.include({ migrated: 1, rejected: 3 });
      const a = (await parsed(t)).get(1)!;
      expect(a.n).to.deep.equal([0.1, 1.5e-7, -2, 9007199254740991, 1e21, 3.14159]);
      const rejected = await t.rejected();
      expect(rejected.get('2')!.error).to.include('9007199254740993');
      expect(rejected.get('3')!.error).to.include('0.10000000000000001');
      expect(rejected.get('4')!.error).to.include('cannot be held exactly by JavaScript');
    });

    it('reads -0 and keys written twice as file migration does: rejected, unless the column is jsonb', async () => {
      const t = await table([
        '{"state_version":"1.0.0","name":"a","offset":-0}',
        '{"state_version":"1.1.0","state_version":"1.0.0","name":"b"}',
        '{"state_version":"1.0.0","name":"c","meta":{"n":1,"n":2}}',
        doc(4),
      ]);
      const store = t.store();
      if (fixture.kind === 'postgres') {
        // jsonb holds neither: PostgreSQL stored 0 and the last value of each key.
        expect(right(await census(store))).to.deep.equal({ '1.0.0': 4 });
        const report = right(await migrateStore(docMigrator(), store));
        await store.close();
        expect(report).to.include({ migrated: 4, rejected: 0 });
        expect((await parsed(t)).get(1)).to.include({ offset: 0, state_version: '1.1.0' });
        return;
      }
      // SQLite reads the first state_version of row 2 (1.1.0), JavaScript the last: neither
      // counts, and the row is claimed and rejected rather than left for at the target.
      expect(right(await census(store))).to.deep.equal({ '1.0.0': 3, invalid: 1 });
      const before = await t.texts();
      const report = right(await migrateStore(docMigrator(), store));
      expect(report).to.deep.equal({
        migrated: 1,
        alreadyAtTarget: 0,
        rejected: 3,
        previouslyRejected: 0,
        conflicts: 0,
      });
      const after = await t.texts();
      for (const id of [1, 2, 3]) expect(after.get(id), `row ${id}`).to.equal(before.get(id));
      const rejected = await t.rejected();
      expect(rejected.get('1')!.error).to.equal(
        'the number -0 is a negative zero, which JavaScript writes back as 0',
      );
      expect(rejected.get('2')!.error).to.match(/^the key "state_version" appears twice/);
      expect(rejected.get('3')!.error).to.match(/^the key "n" appears twice/);
      expect(right(await census(store))).to.deep.equal({ '1.0.0': 2, '1.1.0': 1, invalid: 1 });
      await store.close();
    });

    it('never overwrites a write the application made while the row was being migrated', async () => {
      const t = await table(range(6).map((i) => doc(i)));
      let written: Promise<void> | undefined;
      const m = docMigrator({
        step: async (s) => {
          if (s.name === 'row 3' && written === undefined) {
            // The application rewrites row 3 while migraph is migrating it.
            written = t.set(3, doc(3, { app: 'the application wrote this' }));
            if (fixture.kind === 'sqlite') await written;
          }
        },
      });
      const store = t.store();
      right(await migrateStore(m, store, { batchSize: 2 }));
      await written;
      // Where the row was locked, the application's write waited and landed after the
      // commit; a second run migrates it. Either way, the application's value is kept.
      right(await migrateStore(m, store, { batchSize: 2 }));
      await store.close();
      const row = (await parsed(t)).get(3)!;
      expect(row).to.deep.equal({
        state_version: '1.1.0',
        name: 'row 3',
        app: 'the application wrote this',
        tags: ['row 3'],
      });
    });

    it('keeps every write of an application writing throughout the run (several sessions)', async () => {
      const n = 400;
      const t = await table(range(n).map((i) => doc(i)));
      const last = new Map<number, number>();
      let running = true;
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const writer = (async () => {
        for (let k = 1; running || k < 50; k++) {
          const id = 1 + Math.floor(random() * n);
          await t.touch(id, k);
          last.set(id, k);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const m = docMigrator({ step: () => new Promise((resolve) => setImmediate(resolve)) });
      const store = t.store();
      const report = right(await migrateStore(m, store, { batchSize: 16, workers: 3 }));
      running = false;
      await writer;
      // Rows the application rewrote after their batch committed are at their new version.
      right(await migrateStore(m, store, { batchSize: 16 }));
      await store.close();
      expect(report.migrated).to.be.at.least(1);
      expect(last.size).to.be.at.least(20);
      const docs = await parsed(t);
      for (const [id, k] of last) expect(docs.get(id)!.app, `row ${id}`).to.equal(k);
      for (const [id, state] of docs) {
        expect(state, `row ${id}`).to.deep.include({ state_version: '1.1.0', tags: [`row ${id}`] });
      }
      expect([...(await t.versionWrites()).values()].every((c) => c === 1)).to.equal(true);
    });

    it('shares the rows among concurrent sessions: each row migrated exactly once', async () => {
      const n = 300;
      const t = await table(range(n).map((i) => doc(i)));
      const m = docMigrator({ step: () => new Promise((resolve) => setImmediate(resolve)) });
      const store = t.store();
      const report = right(await migrateStore(m, store, { batchSize: 7, workers: 4 }));
      await store.close();
      expect(report).to.deep.equal({
        migrated: n,
        alreadyAtTarget: 0,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      });
      const writes = await t.versionWrites();
      expect(writes.size).to.equal(n);
      expect([...writes.values()].every((c) => c === 1)).to.equal(true);
    });

    it('leaves newer rows as they are under onNewerVersion keep, and rejects them by default', async () => {
      const newer = JSON.stringify({ state_version: '2.0.0', name: 'from the future' });
      const t = await table([doc(1), newer]);
      const before = (await t.texts()).get(2);
      const store = t.store();
      expect(right(await migrateStore(docMigrator({ keep: true }), store))).to.deep.equal({
        migrated: 1,
        alreadyAtTarget: 1,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      });
      expect((await t.texts()).get(2)).to.equal(before);
      const second = right(await migrateStore(docMigrator(), store));
      await store.close();
      expect(second).to.include({ rejected: 1 });
      expect((await t.rejected()).get('2')!.error).to.include('newer');
    });

    it('migrates to an explicit target, and down again', async () => {
      const m = docMigrator().register('1.1.0', '2.0.0', (s) => ({ ...s, v2: true }), {
        down: ({ v2: _v2, ...s }) => s,
      });
      const t = await table([doc(1), doc(2)]);
      const store = t.store();
      expect(right(await migrateStore(m, store, { to: '1.1.0' }))).to.include({ migrated: 2 });
      expect(right(await migrateStore(m, store))).to.include({ migrated: 2 });
      expect((await parsed(t)).get(1)).to.include({ state_version: '2.0.0', v2: true });
      expect(right(await migrateStore(m, store, { to: '1.1.0' }))).to.include({ migrated: 2 });
      await store.close();
      expect((await parsed(t)).get(2)).to.deep.equal({
        state_version: '1.1.0',
        name: 'row 2',
        tags: ['row 2'],
      });
    });

    it('reads the version where the migrator keeps it: a nested key, integer versions', async () => {
      const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer' }).register(
        1,
        2,
        (s) => ({ ...s, theme: 'light' }),
      );
      const t = await table([
        JSON.stringify({ _persist: { version: 1 }, title: 'a' }),
        JSON.stringify({ _persist: { version: '1' }, title: 'b' }),
        JSON.stringify({ _persist: { version: 2 }, title: 'c', theme: 'dark' }),
      ]);
      const store = t.store();
      const report = right(await migrateStore(m, store));
      expect(report).to.deep.equal({
        migrated: 2,
        alreadyAtTarget: 1,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      });
      const docs = await parsed(t);
      expect(docs.get(1)).to.deep.equal({ _persist: { version: 2 }, title: 'a', theme: 'light' });
      expect(docs.get(2)).to.deep.equal({ _persist: { version: '2' }, title: 'b', theme: 'light' });
      expect(right(await census(store, m))).to.deep.equal({ '2.0.0': 3 });
      await store.close();
    });

    it('checks its options at the call', async () => {
      const t = await table([doc(1)]);
      const store = t.store();
      expect(() => migrateStore(docMigrator(), store, { batchSize: 0 })).to.throw(
        TypeError,
        /batchSize/,
      );
      expect(() => migrateStore(docMigrator(), store, { workers: 1.5 })).to.throw(
        TypeError,
        /workers/,
      );
      const bad = await migrateStore(docMigrator(), store, { to: 'banana' });
      expect(E.isLeft(bad) && bad.left).to.be.instanceOf(StateVersionError);
      await store.close();
    });

    it('is a Left naming the problem for a missing table or column', async () => {
      const t = await table([doc(1)]);
      for (const [options, pattern] of [
        [{ table: 'no_such_table' }, /no table no_such_table/],
        [{ column: 'nope' }, /no column nope \(it has .*doc/],
        [{ id: 'nope' }, /no id column nope/],
      ] as const) {
        const store = t.store(options);
        const result = await migrateStore(docMigrator(), store);
        await store.close();
        expect(E.isLeft(result), JSON.stringify(options)).to.equal(true);
        const error = (result as E.Left<StoreError>).left;
        expect(error).to.be.instanceOf(StoreError);
        expect(error.reason).to.equal('schema');
        expect(error.message).to.match(pattern);
      }
    });
  });

  describe('census', () => {
    it('counts rows per version, normalised, with the invalid ones apart', async () => {
      const t = await table([
        doc(1),
        doc(2),
        JSON.stringify({ state_version: 'v1.0.0', name: 'v' }),
        JSON.stringify({ state_version: '1.1.0', name: 'x', tags: [] }),
        JSON.stringify({ name: 'no version' }),
        JSON.stringify({ state_version: 'banana' }),
        JSON.stringify({ state_version: { major: 1 } }),
        JSON.stringify('a string'),
        null,
      ]);
      const store = t.store();
      const counts = right(await census(store));
      expect(counts).to.deep.equal({ '0.0.0': 1, '1.0.0': 3, '1.1.0': 1, invalid: 3 });
      expect(Object.keys(counts)).to.deep.equal(['0.0.0', '1.0.0', '1.1.0', 'invalid']);
      right(await migrateStore(docMigrator(), store));
      expect(right(await census(store))).to.deep.equal({
        '0.0.0': 1,
        '1.1.0': 4,
        invalid: 3,
      });
      await store.close();
    });
  });

  describe('readMigrated', () => {
    it('returns the state at the target, and stores it back only with writeBack', async () => {
      const t = await table([doc(1), doc(2)]);
      const store = t.store();
      const before = await t.texts();
      const read = right(await readMigrated(docMigrator(), store, '1'));
      expect(read).to.deep.equal({ state_version: '1.1.0', name: 'row 1', tags: ['row 1'] });
      expect(await t.texts()).to.deep.equal(before);
      right(await readMigrated(docMigrator(), store, '2', { writeBack: true }));
      const docs = await parsed(t);
      expect(docs.get(2)).to.deep.equal({ state_version: '1.1.0', name: 'row 2', tags: ['row 2'] });
      expect(docs.get(1)).to.deep.include({ state_version: '1.0.0' });
      // Already at the target: read, validated, not written.
      right(await readMigrated(docMigrator(), store, '2', { writeBack: true }));
      expect([...(await t.versionWrites()).entries()]).to.deep.equal([[2, 1]]);
      await store.close();
    });

    it('is a Left for a missing row, an unreadable row, or a failing migration', async () => {
      const t = await table([
        doc(1, { poison: true }),
        '{"state_version":"1.0.0","name":"n","n":1e999}',
      ]);
      const store = t.store();
      const missing = await readMigrated(docMigrator(), store, '99');
      expect(E.isLeft(missing) && missing.left)
        .to.be.instanceOf(StoreError)
        .and.include({
          reason: 'not_found',
          id: '99',
        });
      const failing = await readMigrated(docMigrator(), store, '1');
      expect(E.isLeft(failing) && failing.left).to.be.instanceOf(MigrationError);
      const lossy = await readMigrated(docMigrator(), store, '2');
      expect(E.isLeft(lossy) && lossy.left)
        .to.be.instanceOf(StoreError)
        .and.include({
          reason: 'unreadable',
        });
      expect(await t.rejected()).to.have.property('size', 0);
      await store.close();
    });

    it('re-reads a row the application changed before the write-back, and gives up after the attempts', async () => {
      const t = await table([doc(1), doc(2)]);
      let writes = 0;
      const m = docMigrator({
        step: async (s) => {
          if (s.name === 'row 1' && writes < 1) await t.set(1, doc(1, { app: ++writes }));
          if (s.name === 'row 2') await t.touch(2, ++writes);
        },
      });
      const store = t.store();
      const first = right(await readMigrated(m, store, '1', { writeBack: true }));
      expect(first).to.deep.include({ app: 1, state_version: '1.1.0' });
      expect((await parsed(t)).get(1)).to.deep.include({ app: 1, state_version: '1.1.0' });
      const second = await readMigrated(m, store, '2', { writeBack: true, attempts: 2 });
      expect(E.isLeft(second) && second.left)
        .to.be.instanceOf(StoreError)
        .and.include({
          reason: 'conflict',
        });
      expect((await parsed(t)).get(2)).to.deep.include({ state_version: '1.0.0', app: writes });
      await store.close();
    });
  });
};
