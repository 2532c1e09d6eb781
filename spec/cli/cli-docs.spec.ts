// `migraph docs` as a user runs it (the built dist/): the ten-version example's site, census
// counts from a saved census, from NDJSON states and from an SQLite store, and usage errors.
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, runCli } from '../support/cli.js';

const TEN = path.join(repoRoot, 'examples', 'ten-versions', 'migrations');

describe('migraph docs', function () {
  this.timeout(60_000);
  let temp: string;
  before(() => (temp = mkdtempSync(path.join(tmpdir(), 'migraph-cli-docs-'))));
  after(() => rmSync(temp, { recursive: true, force: true }));

  const docs = (...args: string[]) => runCli(['--dir', TEN, 'docs', ...args], temp);
  const statesRow = (html: string, version: string) =>
    new RegExp(`<td><a href="\\./${version.replace(/\./g, '\\.')}\\.html">[^]*?</tr>`).exec(
      html,
    )?.[0];

  it('writes the site, then nothing on a re-run', async () => {
    const first = await docs('--out', 'site', '--format', 'html');
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.include('wrote site/2.0.0.html\n');
    expect(first.stdout).to.include('11 file(s): 11 written, 0 unchanged, 0 removed\n');
    const again = await docs('--out', 'site', '--format', 'html');
    expect(again.stdout).to.equal('11 file(s): 0 written, 11 unchanged, 0 removed\n');
    expect(readdirSync(path.join(temp, 'site'))).to.have.length(11);
  });

  it('shows census counts from a saved census, NDJSON states or a store', async () => {
    writeFileSync(path.join(temp, 'census.json'), JSON.stringify({ '1.0.0': 7, '3.2.0': 90 }));
    const saved = await docs('--out', 'a', '--census', 'census.json');
    expect(saved.code, saved.stderr).to.equal(0);
    const index = readFileSync(path.join(temp, 'a', 'index.md'), 'utf8');
    expect(index).to.include('| 1 | [1.0.0](./1.0.0.md) |  | 7 |');
    expect(index).to.include('| 90 |');

    const states = [
      { state_version: '2.1.0' },
      { state_version: '2.1.0' },
      { state_version: 'banana' },
    ];
    writeFileSync(
      path.join(temp, 'states.ndjson'),
      states.map((s) => JSON.stringify(s)).join('\n'),
    );
    const counted = await docs('--out', 'b', '--format', 'html', '--census', 'states.ndjson');
    expect(counted.code, counted.stderr).to.equal(0);
    const html = readFileSync(path.join(temp, 'b', 'index.html'), 'utf8');
    expect(statesRow(html, '2.1.0')).to.match(/<td class="n">2<\/td><\/tr>$/);
    expect(html).to.include('Also counted: invalid (1).');

    const db = new Database(path.join(temp, 'app.db'));
    db.exec('CREATE TABLE states (id INTEGER PRIMARY KEY, doc TEXT)');
    db.prepare('INSERT INTO states (doc) VALUES (?)').run(
      JSON.stringify({ state_version: '3.0.0' }),
    );
    db.close();
    const stored = await docs(
      '--out',
      'c',
      '--format',
      'html',
      '--store',
      'sqlite:app.db',
      '--table',
      'states',
      '--column',
      'doc',
    );
    expect(stored.code, stored.stderr).to.equal(0);
    const fromStore = readFileSync(path.join(temp, 'c', 'index.html'), 'utf8');
    expect(statesRow(fromStore, '3.0.0')).to.match(/<td class="n">1<\/td><\/tr>$/);
    expect(statesRow(fromStore, '2.1.0')).to.match(/<td class="n">0<\/td><\/tr>$/);
  });

  it('exits 2 on bad usage', async () => {
    writeFileSync(path.join(temp, 'not-census.json'), '["1.0.0"]');
    const cases: [string[], RegExp][] = [
      [[], /required option '-o, --out <dir>'/],
      [['--out', 'x', '--format', 'pdf'], /argument 'pdf' is invalid/],
      [['--out', 'x', '--census', 'absent.json'], /--census: no such file: absent\.json/],
      [
        ['--out', 'x', '--census', 'not-census.json'],
        /expected not-census\.json to hold counts by version/,
      ],
      [
        ['--out', 'x', '--census', 'census.json', '--store', 'sqlite:app.db'],
        /--census or --store, not both/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await docs(...args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr, args.join(' ')).to.match(message);
    }
  });
});
