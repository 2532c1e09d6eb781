// `migraph migrate --store` and `migraph census --store` as a user runs them (the built binary
// on a temporary project): they load the project with every global option, and never print
// a database password, whatever the URL's spelling and whatever goes wrong.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { makeProject, runCli, type CliRun } from '../support/cli.js';
import { freshDatabase } from '../support/postgres.js';

const MIGRATION = `export default {
  from: '1.0.0',
  to: '1.1.0',
  up: (s) => ({ ...s, tags: [s.name] }),
};
`;

const doc = (i: number) => JSON.stringify({ state_version: '1.0.0', name: `row ${i}` });

describe('migraph migrate --store and census --store: options and secrets', function () {
  this.timeout(120_000);
  let project: string;
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  describe('--load-timeout', () => {
    let file: string;
    beforeEach(() => {
      // A script that never finishes loading on its own.
      project = makeProject({
        'migrations/v1_0_0_to_v1_1_0.mjs': `await new Promise((r) => setTimeout(r, 1e9));\n${MIGRATION}`,
      });
      file = path.join(project, 'app.db');
      const db = new Database(file);
      db.exec('CREATE TABLE agents (id INTEGER PRIMARY KEY, doc TEXT)');
      db.prepare('INSERT INTO agents (doc) VALUES (?), (?)').run(doc(1), doc(2));
      db.close();
    });
    const versions = () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT doc FROM agents ORDER BY id').all() as { doc: string }[]).map(
          (row) => (JSON.parse(row.doc) as { state_version: string }).state_version,
        );
      } finally {
        db.close();
      }
    };
    const store = ['--store', `sqlite:${path.join('.', 'app.db')}`, '--table', 'agents'];

    for (const [what, args] of [
      ['migrate --store', ['migrate', ...store, '--column', 'doc']],
      ['migrate --store --workers 2', ['migrate', ...store, '--column', 'doc', '--workers', '2']],
      ['census --store', ['census', ...store, '--column', 'doc']],
    ] as const) {
      it(`applies to ${what}`, async () => {
        const run = await runCli(['--load-timeout', '1', ...args], project);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include('v1_0_0_to_v1_1_0.mjs').and.include('within 1 s');
        expect(run.stderr).to.not.include('within 30 s');
        expect(versions()).to.deep.equal(['1.0.0', '1.0.0']);
      });
    }
  });

  describe('passwords', () => {
    /** A role of its own, whose password needs encoding in a URL (and is no common word). */
    const role = `app_${process.pid}`;
    const password = 'S3cr@t/P4ss w0rd';
    let url: URL;
    before(async () => {
      const admin = new URL(await freshDatabase('secrets'));
      const database = decodeURIComponent(admin.pathname.slice(1));
      const client = new pg.Client({ connectionString: admin.href });
      await client.connect();
      try {
        await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}';
          ALTER DATABASE "${database}" OWNER TO ${role};
          ALTER SCHEMA public OWNER TO ${role};
          CREATE TABLE agents (id int PRIMARY KEY, doc jsonb);
          ALTER TABLE agents OWNER TO ${role};
          INSERT INTO agents VALUES (1, '{"state_version": "1.0.0", "name": "a"}'),
            (2, '{"state_version": "1.0.0", "name": "b"}');`);
      } finally {
        await client.end();
      }
      url = new URL(admin.href);
      url.username = role;
      url.password = encodeURIComponent(password);
    });
    beforeEach(() => {
      project = makeProject({ 'migrations/v1_0_0_to_v1_1_0.mjs': MIGRATION });
    });

    /** The server's URL with another scheme spelling, user, password or database. */
    const spelled = (scheme: string, secret = url.password, database = url.pathname) =>
      `${scheme}://${url.username}:${secret}@${url.host}${database}`;
    const cli = (...args: string[]) => runCli(args, project);
    const table = ['--table', 'agents', '--column', 'doc'];
    /** Neither the password nor any part of it, as written in the URL or decoded. */
    const expectHidden = (run: CliRun, ...secrets: string[]) => {
      const printed = `${run.stdout}\n${run.stderr}`;
      for (const secret of secrets) {
        for (const form of [
          secret,
          encodeURIComponent(secret),
          ...secret.split(/[@/ t]/).filter((part) => part.length >= 4),
        ]) {
          expect(printed, run.stderr).to.not.include(form);
        }
      }
    };

    it('recognises PostgreSQL URLs whatever the case of the scheme, and prints no password', async () => {
      const before = await cli('census', '--store', spelled('PostgreSQL'), ...table);
      expect(before).to.deep.include({ code: 0, stdout: '1.0.0    2\ntotal    2\n', stderr: '' });
      const run = await cli('migrate', '--store', spelled('POSTGRES'), ...table);
      expect(run).to.deep.include({
        code: 0,
        stdout: '2 rows migrated, 0 already at the target, 0 rejected\n',
        stderr: '',
      });
      const after = await cli('census', `--store=${spelled('Postgres')}`, ...table);
      expect(after.stdout).to.equal('1.1.0    2\ntotal    2\n');
    });

    it('refuses an unsupported scheme, naming it and the supported ones, without the password', async () => {
      for (const [scheme, args] of [
        ['postgresql+psycopg', ['migrate', '--store', spelled('postgresql+psycopg'), ...table]],
        ['mysql', ['migrate', '--store', spelled('mysql'), ...table, '--verbose']],
        ['mysql', ['census', `--store=${spelled('MySQL')}`, ...table]],
      ] as const) {
        const run = await cli(...args);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr.split('\n')[0])
          .to.include(`unsupported scheme ${scheme}`)
          .and.include('postgres://')
          .and.include('sqlite:')
          .and.include(`${url.username}:***@`);
        expectHidden(run, password);
      }
    });

    it('prints no password when the database refuses, with or without --verbose', async () => {
      const wrong = 'Wr0ng-S3cret';
      for (const args of [
        ['migrate', '--store', spelled('POSTGRESQL', wrong), ...table],
        ['census', '--store', spelled('postgres', wrong), ...table, '--verbose'],
        [
          'migrate',
          '--store',
          spelled('PostgreSQL'),
          '--table',
          'missing',
          '--column',
          'doc',
          '--verbose',
        ],
        [
          'migrate',
          '--store',
          spelled('postgres', url.password, '/no_such_db'),
          ...table,
          '--workers',
          '2',
        ],
        [
          'migrate',
          '--store',
          `${spelled('postgres')}?sslpassword=${wrong}`,
          ...table,
          '--unknown',
        ],
      ]) {
        const run = await cli(...args);
        expect(run.code, run.stderr).to.be.oneOf([1, 2]);
        expect(run.stderr).to.not.equal('');
        expectHidden(run, password, wrong);
      }
    });
  });
});
