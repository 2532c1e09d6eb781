// migraph/sqlite against a real SQLite database file (better-sqlite3): the shared store
// behaviours, then what is SQLite's own. The application writes through a second connection.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Migrator } from '../../lib/core/index.js';
import { StoreError } from '../../lib/core/store.js';
import { census, migrateStore, sqliteStore } from '../../lib/stores/sqlite.js';
import { doc, storeSuite, type TestTable } from '../support/store-suite.js';

describe('migraph/sqlite', () => {
  let dir: string;
  let file: string;
  let app: Database.Database;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'migraph-sqlite-'));
    file = path.join(dir, 'app.db');
    app = new Database(file);
    app.pragma('journal_mode = WAL');
  });

  after(() => {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const createTable = async (
    name: string,
    rows: readonly (string | Buffer | null)[],
    columnType = 'TEXT',
  ): Promise<TestTable> => {
    app.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, doc ${columnType});
      CREATE TABLE ${name}_writes (id INTEGER);
      CREATE TRIGGER ${name}_audit AFTER UPDATE OF doc ON ${name}
      WHEN (CASE WHEN json_valid(OLD.doc) THEN json_extract(OLD.doc, '$.state_version') END)
        IS NOT (CASE WHEN json_valid(NEW.doc) THEN json_extract(NEW.doc, '$.state_version') END)
      BEGIN INSERT INTO ${name}_writes VALUES (NEW.id); END;`);
    const insert = app.prepare(`INSERT INTO ${name} (id, doc) VALUES (?, ?)`);
    app.transaction(() => rows.forEach((row, i) => insert.run(i + 1, row)))();
    return {
      name,
      store: (options = {}) => sqliteStore({ file, table: name, column: 'doc', ...options }),
      texts: async () =>
        new Map(
          (
            app.prepare(`SELECT id, doc FROM ${name} ORDER BY id`).all() as {
              id: number;
              doc: string | null;
            }[]
          ).map((r) => [r.id, r.doc]),
        ),
      versionWrites: async () => {
        const counts = new Map<number, number>();
        for (const { id } of app.prepare(`SELECT id FROM ${name}_writes ORDER BY id`).all() as {
          id: number;
        }[]) {
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        return counts;
      },
      rejected: async () => {
        const exists = app
          .prepare(`SELECT 1 FROM sqlite_master WHERE name = 'migraph_rejected'`)
          .get();
        if (exists === undefined) return new Map();
        const rows = app
          .prepare(`SELECT id, version, error FROM migraph_rejected WHERE "table" = ?`)
          .all(name) as { id: string; version: string | null; error: string }[];
        return new Map(rows.map((r) => [r.id, { version: r.version, error: r.error }]));
      },
      set: async (id, text) =>
        void app.prepare(`UPDATE ${name} SET doc = ? WHERE id = ?`).run(text, id),
      touch: async (id, value) =>
        void app
          .prepare(`UPDATE ${name} SET doc = json_set(doc, '$.app', ?) WHERE id = ?`)
          .run(value, id),
    };
  };

  storeSuite({ kind: 'sqlite', table: (name, rows) => createTable(name, rows) });

  describe('SQLite itself', () => {
    it('keeps the exact text of rows it does not migrate, and rejects BLOBs that are not UTF-8', async () => {
      const spaced = '{ "state_version" : "1.1.0",\n  "name": "kept", "tags": [] }';
      const t = await createTable(
        'texts',
        [
          spaced,
          doc(2),
          Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
          Buffer.from(doc(4)),
          '{"state_version": "1.0.0", "name": ',
        ],
        'BLOB',
      );
      const store = t.store();
      const report = await migrateStore(m(), store);
      await store.close();
      expect(report).to.deep.equal(
        E.right({
          migrated: 2,
          alreadyAtTarget: 1,
          rejected: 2,
          previouslyRejected: 0,
          conflicts: 0,
        }),
      );
      const texts = await t.texts();
      expect(texts.get(1)).to.equal(spaced);
      expect(JSON.parse(String(texts.get(4)))).to.deep.include({
        state_version: '1.1.0',
        name: 'row 4',
      });
      const rejected = await t.rejected();
      expect(rejected.get('3')!.error).to.include('not UTF-8');
      expect(rejected.get('5')!.error).to.include('not valid JSON');
    });

    it('records a write the database refuses as a rejection, and the batch goes on', async () => {
      app.exec(`CREATE TABLE checked (id INTEGER PRIMARY KEY, doc TEXT CHECK (length(doc) < 200))`);
      const insert = app.prepare('INSERT INTO checked VALUES (?, ?)');
      for (const i of [1, 2, 3]) insert.run(i, doc(i, i === 2 ? { pad: 300 } : {}));
      const padded = new Migrator().register('1.0.0', '1.1.0', (s) => ({
        ...s,
        padding: 'x'.repeat(Number(s.pad ?? 0)),
      }));
      const store = sqliteStore({ file, table: 'checked', column: 'doc' });
      const report = await migrateStore(padded, store);
      await store.close();
      expect(report).to.deep.equal(
        E.right({
          migrated: 2,
          alreadyAtTarget: 0,
          rejected: 1,
          previouslyRejected: 0,
          conflicts: 0,
        }),
      );
      const row = app
        .prepare(`SELECT error FROM migraph_rejected WHERE "table" = 'checked'`)
        .get() as {
        error: string;
      };
      expect(row.error).to.match(/refused.*CHECK constraint/);
    });

    it('records and counts a rejection once when two processes claimed the same rows', async () => {
      // SQLite has no row locks: sessions of two processes may claim the same batch.
      const t = await createTable('twice', [doc(1, { poison: true }), doc(2, { poison: true })]);
      const [first, second] = [t.store(), t.store()];
      const target = { path: ['state_version'], text: '1.1.0' };
      await first.prepare(target, { retryRejected: false });
      const claimed = await Promise.all(
        [first, second].map(async (store) => (await store.session(target)).claim(10, undefined)),
      );
      expect(claimed.map((batch) => batch?.states.length)).to.deep.equal([2, 2]);
      const reject = (batch: (typeof claimed)[number]) =>
        batch!.commit(
          [],
          batch!.states.map((state) => ({ state, version: '1.0.0', error: 'a poisoned row' })),
        );
      expect(await reject(claimed[0])).to.deep.include({ recorded: 2, conflicts: [] });
      expect(await reject(claimed[1])).to.deep.include({ recorded: 0, conflicts: [] });
      await Promise.all([first.close(), second.close()]);
      expect((await t.rejected()).size).to.equal(2);
    });

    it('works on a database the caller opened, and leaves it open', async () => {
      const t = await createTable('given', [doc(1), doc(2)]);
      const database = new Database(file);
      const store = sqliteStore({ database, table: t.name, column: 'doc' });
      expect(await migrateStore(m(), store)).to.deep.equal(
        E.right({
          migrated: 2,
          alreadyAtTarget: 0,
          rejected: 0,
          previouslyRejected: 0,
          conflicts: 0,
        }),
      );
      await store.close();
      expect(database.open).to.equal(true);
      expect(await census(sqliteStore({ database, table: t.name, column: 'doc' }))).to.deep.equal(
        E.right({ '1.1.0': 2 }),
      );
      database.close();
    });

    it('identifies rows by rowid when asked', async () => {
      app.exec(`CREATE TABLE keyless (doc TEXT)`);
      app.prepare('INSERT INTO keyless VALUES (?), (?)').run(doc(1), doc(2));
      const store = sqliteStore({ file, table: 'keyless', column: 'doc', id: 'rowid' });
      expect(await migrateStore(m(), store, { batchSize: 1 })).to.deep.equal(
        E.right({
          migrated: 2,
          alreadyAtTarget: 0,
          rejected: 0,
          previouslyRejected: 0,
          conflicts: 0,
        }),
      );
      await store.close();
    });

    it('is a Left for a database file that does not exist, and checks its options', async () => {
      const store = sqliteStore({ file: path.join(dir, 'missing.db'), table: 't', column: 'c' });
      const result = await census(store);
      expect(E.isLeft(result) && result.left)
        .to.be.instanceOf(StoreError)
        .and.include({
          reason: 'connection',
        });
      expect(() => sqliteStore({ table: 't', column: 'c' })).to.throw(
        TypeError,
        /database and file/,
      );
      expect(() => sqliteStore({ file, table: '', column: 'c' })).to.throw(TypeError, /table/);
    });
  });
});

const m = () =>
  new Migrator({ clock: () => new Date(0) }).register('1.0.0', '1.1.0', (s) => ({
    ...s,
    tags: [s.name],
  }));
