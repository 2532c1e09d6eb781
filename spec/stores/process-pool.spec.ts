// migrateStore(m, store, { workers, project }) (lib/stores/process-pool.ts): worker processes
// that rebuild the migrator from the project, against the suite's real PostgreSQL; SQLite
// refuses more than one process; a worker killed mid-batch loses only that batch.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { StoreError, type StoreProgress, type StoreReport } from '../../lib/core/store.js';
import { loadCompleteProject } from '../../lib/node/project.js';
import type { Migrator } from '../../lib/core/migrator.js';
import { migrateStore, postgresStore } from '../../lib/stores/postgres.js';
import { WORKER_SEMI_SPACE_MIB } from '../../lib/stores/process-pool.js';
import { isRanged, type RangedStore } from '../../lib/core/store.js';
import { sqliteStore } from '../../lib/stores/sqlite.js';
import { makeProject } from '../support/cli.js';
import { freshDatabase } from '../support/postgres.js';
import { waitFor, within } from '../support/poll.js';

// Each migrated state says which process migrated it; a `die` state kills its process.
const MIGRATION = `export default {
  from: '1.0.0',
  to: '1.1.0',
  up: (s) => {
    if (s.die) process.kill(process.pid, 'SIGKILL');
    if (s.poison) throw new Error('a poisoned row');
    const young = process.execArgv.find((flag) => flag.startsWith('--max-semi-space-size'));
    return { ...s, pid: process.pid, ...(young === undefined ? {} : { young }) };
  },
};
`;

const doc = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ state_version: '1.0.0', name: `row ${i}`, ...extra });

describe('migrateStore with worker processes', function () {
  this.timeout(60_000);
  let project: string;
  let m: Migrator;
  let url: string;
  let app: pg.Pool;

  before(async () => {
    project = makeProject({ 'migrations/v1_0_0_to_v1_1_0.mjs': MIGRATION });
    const loaded = await loadCompleteProject({ dir: path.join(project, 'migrations') });
    if (E.isLeft(loaded)) throw loaded.left;
    m = loaded.right;
    url = await freshDatabase('processes');
    app = new pg.Pool({ connectionString: url, max: 2 });
  });
  after(async () => {
    await app?.end();
    rmSync(project, { recursive: true, force: true });
  });

  const table = async (name: string, rows: readonly string[]) => {
    await app.query(`CREATE TABLE ${name} (id int PRIMARY KEY, doc jsonb)`);
    await app.query(
      `INSERT INTO ${name} SELECT i, d::jsonb FROM unnest($1::text[]) WITH ORDINALITY AS u(d, i)`,
      [rows],
    );
  };
  const states = async (name: string) =>
    (await app.query(`SELECT doc FROM ${name} ORDER BY id`)).rows.map(
      (r: { doc: Record<string, unknown> }) => r.doc,
    );
  const right = <A>(result: E.Either<unknown, A>): A => {
    if (E.isLeft(result)) throw result.left;
    return result.right;
  };
  const projectOf = () => ({ dir: path.join(project, 'migrations') });

  it('migrates a PostgreSQL table in two processes that load the project, and sums their counts', async () => {
    await table('agents', [
      ...Array.from({ length: 400 }, (_, i) => doc(i + 1, i === 99 ? { poison: true } : {})),
      JSON.stringify({ state_version: '1.1.0', name: 'done' }),
    ]);
    const store = postgresStore({ connectionString: url, table: 'agents', column: 'doc' });
    const progress: StoreProgress[] = [];
    let report: StoreReport;
    try {
      report = right(
        await migrateStore(m, store, {
          workers: 2,
          batchSize: 10,
          project: projectOf(),
          onProgress: (p) => progress.push(p),
        }),
      );
    } finally {
      await store.close();
    }
    expect(report).to.deep.equal({
      migrated: 399,
      alreadyAtTarget: 1,
      rejected: 1,
      previouslyRejected: 0,
      conflicts: 0,
    });
    const after = await states('agents');
    const migrated = after.filter((s) => s.pid !== undefined);
    expect(migrated).to.have.length(399);
    // Every state was migrated by a worker process, none by this one; at most two of them.
    const pids = new Set(migrated.map((s) => s.pid));
    expect(pids.has(process.pid)).to.equal(false);
    expect(pids.size).to.be.within(1, 2);
    // Worker processes start with a larger young generation (WORKER_SEMI_SPACE_MIB).
    expect(new Set(migrated.map((s) => s.young))).to.deep.equal(
      new Set([`--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`]),
    );
    expect(progress.at(-1)).to.deep.include({ done: 400, total: 400, migrated: 399, rejected: 1 });
    const { rows } = await app.query(`SELECT id, error FROM migraph_rejected`);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ id: '100' });
    expect(rows[0].error).to.match(/1\.0\.0->1\.1\.0.*: a poisoned row$/);
  });

  it('hands each worker process ranges of ids of its own, so that no claim reads into rows a sibling has', async () => {
    // Every seventh row is at the target already: a range then holds fewer than 4 batches of
    // states to claim, and a claim that read past the range's end would reach a sibling's.
    const done = (id: number) => id % 7 === 3;
    await table(
      'ranged',
      // Enough rows that both workers take ranges, however unevenly they start.
      Array.from({ length: 1400 }, (_, i) =>
        doc(i + 1, done(i + 1) ? { state_version: '1.1.0' } : {}),
      ),
    );
    const store = postgresStore({ connectionString: url, table: 'ranged', column: 'doc' });
    try {
      expect(isRanged(store)).to.equal(true);
      expect(await (store as RangedStore).ranges(600)).to.deep.equal([
        { upTo: '600' },
        { after: '600', upTo: '1200' },
        { after: '1200' },
      ]);
      expect(
        right(await migrateStore(m, store, { workers: 2, batchSize: 5, project: projectOf() })),
      ).to.deep.include({ migrated: 1200, alreadyAtTarget: 200, conflicts: 0 });
    } finally {
      await store.close();
    }
    // Ranges of 4 batches' worth of ids: each 20 ids in a row migrated by one process.
    const pids = (await states('ranged')).map((s, i) =>
      done(i + 1) ? undefined : (s.pid as number),
    );
    expect(pids.filter((pid) => pid === undefined)).to.have.length(200);
    expect(new Set(pids.filter((pid) => pid !== undefined)).size).to.equal(2);
    const mixed = Array.from(
      { length: 70 },
      (_, i) => new Set(pids.slice(i * 20, i * 20 + 20).filter((pid) => pid !== undefined)),
    )
      .map((owners, i) => ({ ids: `${i * 20 + 1}-${i * 20 + 20}`, owners: owners.size }))
      .filter((range) => range.owners > 1);
    expect(mixed).to.deep.equal([]);
  });

  it('ends with one count that skips unread the rows its workers wrote, by the tokens they tell the run', async () => {
    await table(
      'recounted',
      Array.from({ length: 100 }, (_, i) => doc(i + 1, i === 41 ? { poison: true } : {})),
    );
    const store = postgresStore({ connectionString: url, table: 'recounted', column: 'doc' });
    let prepared = 0;
    const tokens: number[] = [];
    const counting = {
      ...store,
      prepare: (...args: Parameters<typeof store.prepare>) => {
        prepared++;
        return store.prepare(...args);
      },
      pendingBesides: (...args: Parameters<NonNullable<typeof store.pendingBesides>>) => {
        tokens.push(args[1].tokens.length);
        return store.pendingBesides!(...args);
      },
    };
    try {
      expect(
        right(await migrateStore(m, counting, { workers: 2, batchSize: 5, project: projectOf() })),
      ).to.deep.equal({
        migrated: 99,
        alreadyAtTarget: 0,
        rejected: 1,
        previouslyRejected: 0,
        conflicts: 0,
      });
      expect(prepared).to.equal(1);
      // One token per batch written: 5 ranges of 20 ids, each claimed in 4 batches of 5 (the
      // poisoned state is rejected before its batch writes the other 4).
      expect(tokens).to.deep.equal([20]);
    } finally {
      await store.close();
    }
  });

  it('migrates a state the application writes back at an old version into a range already done, while the run goes on', async () => {
    await table(
      'written_back',
      Array.from({ length: 100 }, (_, i) => doc(i + 1, i === 99 ? { writeBack: 1 } : {})),
    );
    // Row 100's step waits until row 1 is migrated, then writes it back at 1.0.0 (an older
    // release still running), through a connection of its own.
    const pgModule = pathToFileURL(createRequire(import.meta.url).resolve('pg')).href;
    const writing = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs': `import pg from ${JSON.stringify(pgModule)};
export default {
  from: '1.0.0',
  to: '1.1.0',
  up: async (s) => {
    if (s.writeBack !== undefined) {
      const client = new pg.Client(${JSON.stringify(url)});
      await client.connect();
      const version = async () =>
        (await client.query("SELECT doc->>'state_version' AS v FROM written_back WHERE id = $1", [s.writeBack])).rows[0].v;
      while ((await version()) !== '1.1.0') await new Promise((r) => setTimeout(r, 20));
      await client.query('UPDATE written_back SET doc = $1::jsonb WHERE id = $2', [${JSON.stringify(doc(1))}, s.writeBack]);
      await client.end();
    }
    return { ...s, pid: process.pid };
  },
};
`,
    });
    const store = postgresStore({ connectionString: url, table: 'written_back', column: 'doc' });
    try {
      expect(
        right(
          await migrateStore(m, store, {
            workers: 2,
            batchSize: 5,
            project: { dir: path.join(writing, 'migrations') },
          }),
        ),
      ).to.deep.include({ conflicts: 0 });
      const versions = (await states('written_back')).map((s) => s.state_version);
      expect(new Set(versions)).to.deep.equal(new Set(['1.1.0']));
    } finally {
      await store.close();
      rmSync(writing, { recursive: true, force: true });
    }
  });

  it('shares the rows between two runs with worker processes at once, as between machines: each row migrated once, by one of them', async () => {
    const n = 600;
    await table(
      'twice',
      Array.from({ length: n }, (_, i) => doc(i + 1)),
    );
    const stores = [0, 1].map(() =>
      postgresStore({ connectionString: url, table: 'twice', column: 'doc' }),
    );
    try {
      const reports = (
        await Promise.all(
          stores.map((store) =>
            migrateStore(m, store, { workers: 2, batchSize: 10, project: projectOf() }),
          ),
        )
      ).map(right);
      expect(reports.reduce((sum, r) => sum + r.migrated, 0)).to.equal(n);
      expect(reports.map((r) => r.conflicts)).to.deep.equal([0, 0]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
    const migrated = await states('twice');
    expect(
      migrated.every((s) => s.state_version === '1.1.0' && typeof s.pid === 'number'),
    ).to.equal(true);
  });

  it('is a Left (reason worker) when a worker is killed: only its open batch is left, and a re-run finishes it', async () => {
    await table(
      'killed',
      Array.from({ length: 100 }, (_, i) => doc(i + 1, i === 54 ? { die: true } : {})),
    );
    const open = () => postgresStore({ connectionString: url, table: 'killed', column: 'doc' });
    const store = open();
    let result;
    try {
      result = await migrateStore(m, store, { workers: 1, batchSize: 10, project: projectOf() });
    } finally {
      await store.close();
    }
    expect(E.isLeft(result) && result.left).to.be.instanceOf(StoreError);
    const error = (result as E.Left<StoreError>).left;
    expect(error.reason).to.equal('worker');
    expect(error.message).to.equal(
      'worker 1 stopped (SIGKILL); its open batch was rolled back, and what it had not claimed is left to the next run: run again',
    );
    // Batches before the one that died are committed; that one (ids 51–60) and those after are not.
    const versions = (await states('killed')).map((s) => s.state_version);
    expect(versions.slice(0, 50)).to.deep.equal(Array(50).fill('1.1.0'));
    expect(versions.slice(50)).to.deep.equal(Array(50).fill('1.0.0'));

    await app.query(`UPDATE killed SET doc = doc - 'die'`);
    const again = open();
    try {
      expect(
        right(await migrateStore(m, again, { workers: 2, batchSize: 10, project: projectOf() })),
      ).to.deep.equal({
        migrated: 50,
        alreadyAtTarget: 50,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      });
    } finally {
      await again.close();
    }
  });

  it('counts the rows the application holds locked once, however many workers wait for them', async () => {
    await table(
      'held',
      Array.from({ length: 40 }, (_, i) => doc(i + 1)),
    );
    const store = postgresStore({ connectionString: url, table: 'held', column: 'doc' });
    const holder = await app.connect();
    try {
      await holder.query(`BEGIN; SELECT * FROM held WHERE id IN (3, 17, 31) FOR UPDATE`);
      expect(
        right(
          await migrateStore(m, store, {
            workers: 4,
            batchSize: 5,
            lockWait: 100,
            project: projectOf(),
          }),
        ),
      ).to.deep.equal({
        migrated: 37,
        alreadyAtTarget: 0,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 3,
      });
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
      await store.close();
    }
  });

  it('does not count as held by the application the rows a sibling worker was still migrating', async () => {
    // The state marked `last` is migrated only once every other worker has exited.
    const slow = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs': `import { readdirSync, readFileSync } from 'node:fs';
const siblings = () =>
  readdirSync('/proc').filter((p) => {
    if (!/^[0-9]+$/.test(p) || Number(p) === process.pid) return false;
    try {
      const stat = readFileSync('/proc/' + p + '/stat', 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === process.ppid && readFileSync('/proc/' + p + '/cmdline', 'utf8').includes('process-worker');
    } catch {
      return false;
    }
  });
export default {
  from: '1.0.0',
  to: '1.1.0',
  up: async (s) => {
    while (s.last && siblings().length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    return { ...s, pid: process.pid };
  },
};
`,
    });
    await table(
      'sibling',
      Array.from({ length: 20 }, (_, i) => doc(i + 1, i === 19 ? { last: true } : {})),
    );
    const store = postgresStore({ connectionString: url, table: 'sibling', column: 'doc' });
    try {
      expect(
        right(
          await migrateStore(m, store, {
            workers: 2,
            batchSize: 5,
            lockWait: 100,
            project: { dir: path.join(slow, 'migrations') },
          }),
        ),
      ).to.deep.equal({
        migrated: 20,
        alreadyAtTarget: 0,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      });
    } finally {
      await store.close();
      rmSync(slow, { recursive: true, force: true });
    }
  });

  /** This process's worker processes now running. */
  const workerProcesses = (): number[] =>
    readdirSync('/proc')
      .filter((p) => /^[0-9]+$/.test(p))
      .filter((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          return (
            ppid === process.pid &&
            readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('process-worker')
          );
        } catch {
          return false;
        }
      })
      .map(Number);

  it('starts the worker processes while the run takes its counts, and none claims a row before they are taken', async () => {
    await table(
      'early',
      Array.from({ length: 30 }, (_, i) => doc(i + 1)),
    );
    const store = postgresStore({ connectionString: url, table: 'early', column: 'doc' });
    // The workers' project says when each has loaded it (a line per process in `loaded`).
    const early = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs': `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(path.join(project, 'loaded'))}, process.pid + '\\n');
${MIGRATION}`,
    });
    const loaded = () => {
      try {
        return readFileSync(path.join(project, 'loaded'), 'utf8').split('\n').length - 1;
      } catch {
        return 0;
      }
    };
    const migratedNow = async () =>
      (
        (
          await app.query(
            `SELECT count(*)::int AS n FROM early WHERE doc->>'state_version' = '1.1.0'`,
          )
        ).rows[0] as { n: number }
      ).n;
    const seen: { workers: number; loaded: number; migratedMeanwhile: number }[] = [];
    // The run's first prepare (its counts) waits until both workers have loaded the project,
    // then gives them a second in which a worker that did not wait for the counts would claim.
    const slowCounts = {
      ...store,
      prepare: async (...args: Parameters<typeof store.prepare>) => {
        if (seen.length === 0) {
          await waitFor(() => loaded() === 2, 10_000);
          await within(async () => (await migratedNow()) > 0, 1_000);
          seen.push({
            workers: workerProcesses().length,
            loaded: loaded(),
            migratedMeanwhile: await migratedNow(),
          });
        }
        return store.prepare(...args);
      },
    };
    try {
      expect(
        right(
          await migrateStore(m, slowCounts, {
            workers: 2,
            batchSize: 5,
            project: { dir: path.join(early, 'migrations') },
          }),
        ),
      ).to.deep.include({ migrated: 30, conflicts: 0 });
      expect(seen[0]).to.deep.equal({ workers: 2, loaded: 2, migratedMeanwhile: 0 });
    } finally {
      await store.close();
      rmSync(early, { recursive: true, force: true });
    }
  });

  it('ends the worker processes it started when the counts fail, and migrates nothing', async () => {
    await table('uncounted', [doc(1), doc(2)]);
    const store = postgresStore({ connectionString: url, table: 'uncounted', column: 'doc' });
    const failing = {
      ...store,
      prepare: async () => {
        await waitFor(() => workerProcesses().length === 2, 5_000);
        throw new StoreError('no counts', { reason: 'query', store: store.name });
      },
    };
    try {
      const result = await migrateStore(m, failing, { workers: 2, project: projectOf() });
      expect(E.isLeft(result) && result.left.message).to.equal('no counts');
      await waitFor(() => workerProcesses().length === 0, 5_000);
    } finally {
      await store.close();
    }
    expect((await states('uncounted')).map((s) => s.state_version)).to.deep.equal([
      '1.0.0',
      '1.0.0',
    ]);
  });

  it('is a Left (reason worker) naming the worker when the project cannot be loaded there', async () => {
    await table('unloadable', [doc(1)]);
    const store = postgresStore({ connectionString: url, table: 'unloadable', column: 'doc' });
    try {
      const result = await migrateStore(m, store, {
        workers: 2,
        project: { dir: path.join(project, 'no-such-dir') },
      });
      const error = E.isLeft(result) ? result.left : undefined;
      expect(error).to.be.instanceOf(StoreError).and.to.include({ reason: 'worker' });
      expect(error!.message).to.match(/^worker [12]: .*no-such-dir/m);
      expect(error!.message.split('\n')).to.have.length(2);
    } finally {
      await store.close();
    }
    expect((await states('unloadable'))[0]!.state_version).to.equal('1.0.0');
  });

  it('refuses (TypeError) a store that another process cannot open, and a project that is not one', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const store = postgresStore({ pool, table: 'agents', column: 'doc' });
      expect(() => migrateStore(m, store, { workers: 2, project: projectOf() })).to.throw(
        TypeError,
        /made from a handle \(a pool or a database\) that cannot leave this process/,
      );
      expect(() => migrateStore(m, store, { workers: 2, project: 'migrations' as never })).to.throw(
        TypeError,
        /Expected project to be \{ dir, schemas\?, loadTimeoutMs\?, validate\? \}/,
      );
      expect(() =>
        migrateStore(m, store, {
          workers: 2,
          project: { ...projectOf(), validate: 'last' as never },
        }),
      ).to.throw(
        TypeError,
        /Expected project.validate to be 'each-step', 'final' or 'off', got last/,
      );
    } finally {
      await pool.end();
    }
  });

  describe('on SQLite', () => {
    let file: string;
    before(() => {
      file = path.join(project, 'app.db');
      const db = new Database(file);
      db.exec('CREATE TABLE agents (id INTEGER PRIMARY KEY, doc TEXT)');
      const insert = db.prepare('INSERT INTO agents (doc) VALUES (?)');
      for (let i = 1; i <= 20; i++) insert.run(doc(i));
      db.close();
    });
    const docs = () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT doc FROM agents ORDER BY id').pluck().all() as string[]).map(
          (text) => JSON.parse(text) as Record<string, unknown>,
        );
      } finally {
        db.close();
      }
    };

    it('refuses more than one process with the reason (TypeError), before anything is done', () => {
      const store = sqliteStore({ file, table: 'agents', column: 'doc' });
      expect(() => migrateStore(m, store, { workers: 2, project: projectOf() })).to.throw(
        TypeError,
        /^Expected workers to be 1 for sqlite agents\.doc, got 2: SQLite has no row locks, so several processes would claim the same batches/,
      );
      expect(docs().every((s) => s.state_version === '1.0.0')).to.equal(true);
    });

    it('migrates in one worker process, which opens the database file itself', async () => {
      const store = sqliteStore({ file, table: 'agents', column: 'doc' });
      try {
        expect(
          right(await migrateStore(m, store, { workers: 1, batchSize: 5, project: projectOf() })),
        ).to.include({ migrated: 20, rejected: 0 });
      } finally {
        await store.close();
      }
      const pids = new Set(docs().map((s) => s.pid));
      expect(pids.size).to.equal(1);
      expect(pids.has(process.pid)).to.equal(false);
    });
  });
});
