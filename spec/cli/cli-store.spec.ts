// `migraph migrate --store …` and `migraph census …`, run as a user runs them: the built
// binary on a temporary project, against a real SQLite file and the suite's PostgreSQL.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { binary, makeProject, runCli, type CliRun } from '../support/cli.js';
import { freshDatabase } from '../support/postgres.js';

const MIGRATION = `export default {
  from: '1.0.0',
  to: '1.1.0',
  up: async (s) => {
    if (s.poison) throw new Error('a poisoned row');
    if (s.slow) await new Promise((resolve) => setTimeout(resolve, 25));
    return { ...s, tags: [s.name] };
  },
};
`;

const doc = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ state_version: '1.0.0', name: `row ${i}`, ...extra });

describe('migraph migrate --store, migraph census', function () {
  this.timeout(60_000);
  let project: string;
  let file: string;

  before(() => {
    project = makeProject({ 'migrations/v1_0_0_to_v1_1_0.mjs': MIGRATION });
    file = path.join(project, 'app.db');
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  const sqliteTable = (name: string, rows: readonly string[]) => {
    const db = new Database(file);
    db.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, doc TEXT)`);
    const insert = db.prepare(`INSERT INTO ${name} (doc) VALUES (?)`);
    db.transaction(() => rows.forEach((row) => insert.run(row)))();
    db.close();
  };
  const sqliteRows = (name: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare(`SELECT doc FROM ${name} ORDER BY id`).all() as { doc: string }[]).map(
        (r) => JSON.parse(r.doc) as Record<string, unknown>,
      );
    } finally {
      db.close();
    }
  };
  const store = (table: string) => [
    '--store',
    `sqlite:${file}`,
    '--table',
    table,
    '--column',
    'doc',
  ];

  it('migrates an SQLite table and says what it did', async () => {
    sqliteTable('plain', [
      doc(1),
      doc(2),
      JSON.stringify({ state_version: '1.1.0', name: 'x', tags: [] }),
    ]);
    const result = await runCli(['migrate', ...store('plain'), '--batch-size', '1'], project);
    expect(result).to.deep.include({
      code: 0,
      stdout: '2 rows migrated, 1 already at the target, 0 rejected\n',
      stderr: '',
    });
    expect(sqliteRows('plain').map((r) => r.state_version)).to.deep.equal([
      '1.1.0',
      '1.1.0',
      '1.1.0',
    ]);
  });

  it('fails (exit 1) when rows are rejected, and says where they are recorded; --retry-rejected tries them again', async () => {
    sqliteTable('poisoned', [doc(1), doc(2, { poison: true })]);
    const first = await runCli(['migrate', ...store('poisoned')], project);
    expect(first.code).to.equal(1);
    expect(first.stdout).to.equal(
      '1 row migrated, 0 already at the target, 1 rejected (recorded in migraph_rejected)\n',
    );
    expect(first.stderr).to.equal(
      `migraph: 1 row could not be migrated: see migraph_rejected where "table" = 'poisoned'\n`,
    );
    // A run that rejects nothing new still fails while rows remain rejected, and says so.
    const again = await runCli(['migrate', ...store('poisoned')], project);
    expect(again).to.deep.include({
      code: 1,
      stdout:
        '0 rows migrated, 1 already at the target, 0 rejected; ' +
        '1 row remains rejected from earlier runs (--retry-rejected to try them again)\n',
      stderr:
        `migraph: 1 row remains rejected from earlier runs: see migraph_rejected where "table" = 'poisoned'; ` +
        '--retry-rejected tries them again\n',
    });
    const retried = await runCli(['migrate', ...store('poisoned'), '--retry-rejected'], project);
    expect(retried.code).to.equal(1);
    expect(retried.stdout).to.include('1 rejected');
  });

  it('migrates a PostgreSQL table with several worker processes, and counts it', async () => {
    const url = await freshDatabase('cli');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE TABLE agents (id int PRIMARY KEY, doc jsonb);
        INSERT INTO agents SELECT i, jsonb_build_object('state_version', '1.0.0', 'name', 'row ' || i)
          || CASE WHEN i = 7 THEN '{"poison": true}'::jsonb ELSE '{}'::jsonb END
        FROM generate_series(1, 500) AS i;
        INSERT INTO agents VALUES (501, '{"state_version": "1.1.0", "name": "done", "tags": []}');`);
      const pgStore = ['--store', url, '--table', 'agents', '--column', 'doc'];
      const before = await runCli(['census', ...pgStore], project);
      expect(before).to.deep.include({
        code: 0,
        stdout: '1.0.0    500\n1.1.0    1\ntotal    501\n',
      });
      const result = await runCli(
        ['migrate', ...pgStore, '--workers', '3', '--batch-size', '10'],
        project,
      );
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stdout).to.equal(
        '499 rows migrated, 1 already at the target, 1 rejected (recorded in migraph_rejected)\n',
      );
      const after = await runCli(['census', ...pgStore, '--json'], project);
      expect(JSON.parse(after.stdout)).to.deep.equal({ '1.0.0': 1, '1.1.0': 500 });
      const { rows } = await client.query(`SELECT id, version, error FROM migraph_rejected`);
      expect(rows).to.deep.equal([
        { id: '7', version: '1.0.0', error: 'Migration failed at 1.0.0->1.1.0: a poisoned row' },
      ]);
    } finally {
      await client.end();
    }
  });

  describe('with several worker processes, each rejected row is counted once', () => {
    // 1.1.0 wants a string title: rows with `title: 42` are rejected by validation.
    let strict: string;
    before(() => {
      strict = makeProject({
        'migrations/v1_0_0_to_v1_1_0.mjs': `export default { from: '1.0.0', to: '1.1.0', up: (s) => ({ ...s, tags: [] }) };\n`,
        'migrations/schemas.mjs': `import * as t from 'io-ts';\nexport const codecs = { '1.1.0': t.type({ title: t.string }) };\n`,
      });
    });
    after(() => rmSync(strict, { recursive: true, force: true }));

    /** 1000 rows, one in `every` with a title the 1.1.0 codec rejects. */
    const titled = (i: number, every: number) =>
      JSON.stringify({ state_version: '1.0.0', title: i % every === 0 ? 42 : `t${i}` });
    const VALIDATION =
      'Migration 1.0.0->1.1.0 (step 1 of 1, index 0): 1.1.0 schema validation failed: title: expected string, got 42';

    /** Runs the command; checks its report against what migraph_rejected holds. */
    const check = (run: CliRun, rejected: number, errors: readonly string[], args: string) => {
      expect(run.code, `${args}: ${run.stderr}`).to.equal(1);
      expect(run.stdout, args).to.equal(
        `${1000 - rejected} rows migrated, 0 already at the target, ${rejected} rejected (recorded in migraph_rejected)\n`,
      );
      expect(run.stderr, args).to.equal(
        `migraph: ${rejected} rows could not be migrated: see migraph_rejected where "table" = 'titled'\n`,
      );
      // Stored once, not repeated after the message.
      expect(errors, args).to.have.length(rejected);
      expect(new Set(errors), args).to.deep.equal(new Set([VALIDATION]));
    };

    it('on SQLite: --workers above 1 is refused with the reason, before anything is written', async () => {
      const db = path.join(strict, 'refused.db');
      const setup = new Database(db);
      setup.exec('CREATE TABLE titled (id INTEGER PRIMARY KEY, doc TEXT)');
      setup.prepare('INSERT INTO titled (doc) VALUES (?)').run(titled(1, 20));
      setup.close();
      for (const workers of ['2', '4']) {
        const run = await runCli(
          [
            'migrate',
            '--store',
            `sqlite:${db}`,
            '--table',
            'titled',
            '--column',
            'doc',
            '--workers',
            workers,
          ],
          strict,
        );
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stdout).to.equal('');
        expect(run.stderr).to.match(
          new RegExp(
            `^migraph: Expected --workers to be 1 for sqlite titled\\.doc, got ${workers}: SQLite has no row locks`,
          ),
        );
      }
      const read = new Database(db, { readonly: true });
      try {
        expect(read.prepare('SELECT doc FROM titled').pluck().all()).to.deep.equal([titled(1, 20)]);
        // Refused before the run: not even the rejected-rows table was made.
        expect(
          read.prepare(`SELECT name FROM sqlite_master WHERE name = 'migraph_rejected'`).all(),
        ).to.deep.equal([]);
      } finally {
        read.close();
      }
    });

    it('on SQLite: the report equals the rows in migraph_rejected, and a re-run says how many remain', async () => {
      const db = path.join(strict, 'titled.db');
      for (const workers of ['1']) {
        rmSync(db, { force: true });
        const setup = new Database(db);
        setup.exec('CREATE TABLE titled (id INTEGER PRIMARY KEY, doc TEXT)');
        const insert = setup.prepare('INSERT INTO titled (doc) VALUES (?)');
        setup.transaction(() => {
          for (let i = 1; i <= 1000; i++) insert.run(titled(i, 20));
        })();
        setup.close();
        const args = ['migrate', '--store', `sqlite:${db}`, '--table', 'titled', '--column', 'doc'];
        const run = await runCli([...args, '--workers', workers], strict);
        const recorded = () => {
          const read = new Database(db, { readonly: true });
          try {
            return (
              read.prepare('SELECT error FROM migraph_rejected').all() as { error: string }[]
            ).map((r) => r.error);
          } finally {
            read.close();
          }
        };
        check(run, 50, recorded(), `--workers ${workers}`);
        const again = await runCli([...args, '--workers', workers], strict);
        expect(again, `--workers ${workers}`).to.deep.include({
          code: 1,
          stdout:
            '0 rows migrated, 950 already at the target, 0 rejected; ' +
            '50 rows remain rejected from earlier runs (--retry-rejected to try them again)\n',
          stderr:
            `migraph: 50 rows remain rejected from earlier runs: see migraph_rejected where "table" = 'titled'; ` +
            '--retry-rejected tries them again\n',
        });
        const retried = await runCli([...args, '--workers', workers, '--retry-rejected'], strict);
        expect(retried.stdout).to.equal(
          '0 rows migrated, 950 already at the target, 50 rejected (recorded in migraph_rejected)\n',
        );
        expect(recorded()).to.have.length(50);
      }
    });

    it('on PostgreSQL: the report equals the rows in migraph_rejected, run after run', async () => {
      const url = await freshDatabase('cli_rejected');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // Small batches and several runs: claims often start before another worker's
        // commit, the race that counted a row twice.
        for (const workers of ['2', '4', '2', '4']) {
          await client.query(`DROP TABLE IF EXISTS titled; DROP TABLE IF EXISTS migraph_rejected;
            CREATE TABLE titled (id int PRIMARY KEY, doc jsonb)`);
          await client.query(
            `INSERT INTO titled SELECT i, x::jsonb
             FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS v(x, i)`,
            [JSON.stringify(Array.from({ length: 1000 }, (_, i) => titled(i + 1, 25)))],
          );
          const args = ['migrate', '--store', url, '--table', 'titled', '--column', 'doc'];
          const run = await runCli([...args, '--workers', workers, '--batch-size', '10'], strict);
          const { rows } = await client.query(`SELECT error FROM migraph_rejected`);
          check(
            run,
            40,
            rows.map((r: { error: string }) => r.error),
            `--workers ${workers}`,
          );
        }
      } finally {
        await client.end();
      }
    });
  });

  it('rejects -0 and keys written twice in a PostgreSQL text column, as file migration does', async () => {
    const url = await freshDatabase('cli_text');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE TABLE texts (id int PRIMARY KEY, doc text)`);
      await client.query(`INSERT INTO texts VALUES ($1, $2), ($3, $4), ($5, $6)`, [
        1,
        '{"state_version":"1.0.0","name":"a","offset":-0}',
        2,
        '{"state_version":"1.1.0","state_version":"1.0.0","name":"b"}',
        3,
        doc(3),
      ]);
      const args = ['--store', url, '--table', 'texts', '--column', 'doc'];
      const run = await runCli(['migrate', ...args], project);
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stdout).to.equal(
        '1 row migrated, 0 already at the target, 2 rejected (recorded in migraph_rejected)\n',
      );
      const { rows } = await client.query(
        `SELECT r.id, r.error, t.doc FROM migraph_rejected r JOIN texts t ON t.id::text = r.id ORDER BY r.id`,
      );
      expect(rows).to.deep.equal([
        {
          id: '1',
          error: 'the number -0 is a negative zero, which JavaScript writes back as 0',
          doc: '{"state_version":"1.0.0","name":"a","offset":-0}',
        },
        {
          id: '2',
          error:
            'the key "state_version" appears twice in one object: readers disagree on which value counts (JavaScript takes the last, SQLite the first)',
          doc: '{"state_version":"1.1.0","state_version":"1.0.0","name":"b"}',
        },
      ]);
    } finally {
      await client.end();
    }
  });

  it('counts the states of NDJSON files by version', async () => {
    const ndjson = path.join(project, 'states.ndjson');
    writeFileSync(
      ndjson,
      [
        doc(1),
        '',
        JSON.stringify({ state_version: 'v1.1.0' }),
        '{"broken',
        JSON.stringify({ name: 'none' }),
      ].join('\n'),
    );
    const result = await runCli(['census', ndjson], project);
    expect(result).to.deep.include({
      code: 0,
      stdout: '0.0.0    1\n1.0.0    1\n1.1.0    1\ninvalid  1\ntotal    4\n',
    });
    const json = await runCli(['census', ndjson, ndjson, '--json'], project);
    expect(JSON.parse(json.stdout)).to.deep.equal({
      '0.0.0': 2,
      '1.0.0': 2,
      '1.1.0': 2,
      invalid: 2,
    });
  });

  it('draws a progress bar on a terminal', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    sqliteTable(
      'slow',
      Array.from({ length: 60 }, (_, i) => doc(i, { slow: true })),
    );
    const command = [process.execPath, binary, 'migrate', ...store('slow'), '--batch-size', '1']
      .map((arg) => `'${arg}'`)
      .join(' ');
    // `script` runs the command on a pseudo-terminal; every row sleeps 25 ms, one row a batch,
    // so the run outlasts the bar's one-second delay on any machine.
    const result = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', COLUMNS: '120' },
    });
    expect(result.status, result.stdout).to.equal(0);
    expect(result.stdout).to.match(/\d+% \| \d+\/60 rows/);
    expect(result.stdout).to.include('60 rows migrated, 0 already at the target, 0 rejected');
  });

  it('is a usage error (exit 2) to mix files and --store, to leave out the table, or to name an unknown store', async () => {
    for (const [args, message] of [
      [['migrate'], 'migrate needs files, or --store'],
      [['migrate', 'x.ndjson', ...store('plain')], 'migrate takes files or --store, not both'],
      [
        ['migrate', '--store', `sqlite:${file}`, '--column', 'doc'],
        '--store needs --table and --column',
      ],
      [
        ['migrate', '--store', 'mysql://x', '--table', 't', '--column', 'c'],
        '--store: expected postgres://… or sqlite:<file>',
      ],
      [['migrate', ...store('plain'), '--dry-run'], '--dry-run cannot be used with --store'],
      [
        ['migrate', ...store('plain'), '--workers', '0'],
        '--workers: expected a positive whole number',
      ],
      [['census'], 'census takes NDJSON files or --store'],
    ] as const) {
      const result = await runCli(args, project);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr, args.join(' ')).to.include(message);
    }
  });

  it('is a failure naming the problem for a table that does not exist', async () => {
    const result = await runCli(['migrate', ...store('nothing')], project);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('no table nothing');
  });
});
