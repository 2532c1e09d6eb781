// `migraph migrate --store …` and `migraph census …`, run as a user runs them: the built
// binary on a temporary project, against a real SQLite file and the suite's PostgreSQL.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { binary, makeProject, runCli } from './support/cli.js';
import { freshDatabase } from './support/postgres.js';

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
    const again = await runCli(['migrate', ...store('poisoned')], project);
    expect(again).to.deep.include({
      code: 0,
      stdout: '0 rows migrated, 1 already at the target, 0 rejected\n',
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
