// writeDocs (lib/node/docs/): the site of the ten-version example, byte-identical on re-runs,
// opened in headless Chromium; this repository's own docs/versions kept current.
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import {
  diffSchemas,
  formatSchemaChange,
  jsonSchema,
  loadProject,
  Migrator,
  toJsonSchema,
  writeDocs,
  type Project,
} from '../../lib/index.js';
import { right } from '../support/graphs.js';

const CHROMIUM = process.env.MIGRAPH_CHROMIUM ?? '/usr/bin/chromium';
const TEN = 'examples/ten-versions/migrations';
const CENSUS = { '1.0.0': 12, '2.1.0': 5, '3.2.0': 4200, invalid: 2 };

const load = async (dir: string): Promise<Project> => right(await loadProject({ dir }));

/** Every file of a directory, by name, as bytes. */
const filesOf = (dir: string): Map<string, Buffer> =>
  new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(path.join(dir, name))]),
  );

describe('writeDocs', function () {
  this.timeout(60_000);
  let temp: string;
  let ten: Project;

  before(async () => {
    temp = mkdtempSync(path.join(tmpdir(), 'migraph-docs-'));
    ten = await load(TEN);
  });
  after(() => rmSync(temp, { recursive: true, force: true }));

  for (const format of ['md', 'html'] as const) {
    it(`writes the ten-version site as ${format}, byte-identical on a re-run and in another directory`, async () => {
      const [a, b] = [path.join(temp, `${format}-a`), path.join(temp, `${format}-b`)];
      const first = right(await writeDocs(ten.migrator, { out: a, format, census: CENSUS }));
      const pages = [...ten.migrator.versions().map((v) => `${v}.${format}`), `index.${format}`];
      expect(first.files).to.deep.equal(
        [...pages, ...(format === 'md' ? ['graph.svg'] : [])].sort(),
      );
      expect(first.written).to.deep.equal(first.files);
      const before = filesOf(a);
      const again = right(await writeDocs(ten.migrator, { out: a, format, census: CENSUS }));
      expect(again.written).to.deep.equal([]);
      expect(again.unchanged).to.deep.equal(first.files);
      expect(filesOf(a)).to.deep.equal(before);
      // A fresh project load, another directory: the same bytes.
      right(await writeDocs((await load(TEN)).migrator, { out: b, format, census: CENSUS }));
      expect(filesOf(b)).to.deep.equal(before);
    });
  }

  it('writes Markdown for VitePress and Docusaurus: front matter, relative links that resolve', async () => {
    const out = path.join(temp, 'md-links');
    right(await writeDocs(ten.migrator, { out, census: CENSUS }));
    const page = readFileSync(path.join(out, '2.0.0.md'), 'utf8');
    expect(page).to.match(
      /^---\ntitle: "2\.0\.0"\ndescription: "Turn the email into a list of contacts"\nsidebar_position: 6\n---\n/,
    );
    expect(page).to.include("| `contacts[*].kind` | `'email'` | yes | [2.0.0](./2.0.0.md) |  |");
    expect(page).to.include(
      '| [1.0.0](./1.0.0.md) | 1.0.0 → 1.1.0 → 1.2.0 → 1.3.0 → 2.0.0 | 4 | 4 | 0 |',
    );
    expect(page).to.include('States at this version: 0.');
    const index = readFileSync(path.join(out, 'index.md'), 'utf8');
    expect(index).to.include(
      '| 10 | [3.2.0](./3.2.0.md) (current) | Move the display name into a profile, with a bio | 4200 |',
    );
    expect(index).to.include('Also counted: invalid (2).');
    expect(index).to.include('![The version graph](./graph.svg)');
    expect(index).to.include('```mermaid\n' + ten.migrator.toMermaid({ current: '3.2.0' }));
    for (const name of readdirSync(out).filter((n) => n.endsWith('.md'))) {
      const text = readFileSync(path.join(out, name), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)]+)\)/g)) {
        expect(target, `${name} links relatively`).to.match(/^\.\//);
        expect(existsSync(path.join(out, decodeURIComponent(target!))), `${name} → ${target}`).to.be
          .true;
      }
    }
  });

  it('takes schemas of versions without a codec from snapshots, and marks lossy edges', async () => {
    const V1 = t.type({ state_version: t.string, name: t.string });
    const V2 = t.type({ state_version: t.string, name: t.string, tags: t.array(t.string) });
    const m = new Migrator()
      .register('1.0.0', '2.0.0', (s) => s, {
        description: 'Add tags',
        lossy: true,
        down: (s) => s,
      })
      .schema('2.0.0', V2);
    const out = path.join(temp, 'snapshots');
    const snapshots = new Map([['1.0.0', { schema: toJsonSchema(V1) }]]);
    right(await writeDocs(m, { out, format: 'html', snapshots }));
    const page = readFileSync(path.join(out, '1.0.0.html'), 'utf8');
    expect(page).to.include('From its snapshot.');
    expect(page).to.include(
      '<li class="schema-change"><code>tags</code> added (array of string, required)</li>',
    );
    expect(page).to.include(
      '(up, <span class="lossy">lossy</span>): <span class="description">Add tags</span>',
    );
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(index).to.include('stroke="#bc4c00"');
    expect(index).to.include('fill="#dafbe1"');
  });

  it('removes pages of versions that left the graph, and only its own pages', async () => {
    const out = path.join(temp, 'stale');
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => s)
      .register('1.1.0', '2.0.0', (s) => s);
    right(await writeDocs(m, { out }));
    writeFileSync(path.join(out, 'notes.md'), '# Mine\n');
    const smaller = new Migrator().register('1.0.0', '2.0.0', (s) => s);
    const report = right(await writeDocs(smaller, { out }));
    expect(report.removed).to.deep.equal(['1.1.0.md']);
    expect(readdirSync(out).sort()).to.deep.equal([
      '1.0.0.md',
      '2.0.0.md',
      'graph.svg',
      'index.md',
      'notes.md',
    ]);
  });

  it('checks its options and reports what it cannot write', async () => {
    const m = new Migrator().register('1.0.0', '1.1.0', (s) => s);
    const rejected = await writeDocs(m, { out: temp, format: 'pdf' } as never).catch((e) => e);
    expect(rejected).to.be.instanceOf(TypeError).with.property('message').that.includes('format');
    const file = path.join(temp, 'a-file');
    writeFileSync(file, '');
    const result = await writeDocs(m, { out: file });
    expect(E.isLeft(result) && result.left.message).to.match(/a-file is not a directory/);
    const snapshots = path.join(temp, 'bad-snapshots');
    mkdirSync(snapshots);
    writeFileSync(path.join(snapshots, '1.0.0.json'), '{');
    const bad = await writeDocs(m, { out: path.join(temp, 'x'), snapshots });
    expect(E.isLeft(bad) && bad.left.message).to.match(/1\.0\.0\.json: not JSON/);
    expect(existsSync(path.join(temp, 'x'))).to.equal(false);
  });

  it('docs/versions is the current AgentState site (run npm run docs if not)', async () => {
    const out = path.join(temp, 'agent-state');
    const project = await load('migrations');
    right(
      await writeDocs(project.migrator, {
        out,
        snapshots: 'schemas',
        title: 'AgentState versions',
      }),
    );
    expect(filesOf('docs/versions')).to.deep.equal(filesOf(out));
  });

  describe('the HTML site in headless Chromium', () => {
    let browser: Browser;
    let site: string;

    before(async function () {
      if (!existsSync(CHROMIUM)) {
        console.warn(`    (no Chromium at ${CHROMIUM}: the browser specs are pending)`);
        this.skip();
      }
      site = path.join(temp, 'browse');
      right(await writeDocs(ten.migrator, { out: site, format: 'html', census: CENSUS }));
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
    });
    after(async () => browser?.close());

    it('resolves every link, makes no other request and logs no error, on every page', async () => {
      const context = await browser.newContext();
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.request().url().startsWith('file://') ? route.continue() : route.abort();
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const start = pathToFileURL(path.join(site, 'index.html')).href;
      const queue = [start];
      const seen = new Set<string>();
      while (queue.length > 0) {
        const url = queue.shift()!;
        if (seen.has(url)) continue;
        seen.add(url);
        await page.goto(url);
        const links = await page.$$eval('a[href]', (as) =>
          as.map((a) => (a as HTMLAnchorElement).href),
        );
        for (const link of links) {
          const target = new URL(link);
          expect(target.protocol, `${url} → ${link}`).to.equal('file:');
          expect(existsSync(decodeURIComponent(target.pathname)), `${url} → ${link}`).to.be.true;
          target.hash = '';
          queue.push(target.href);
        }
      }
      const pages = readdirSync(site).map((name) => pathToFileURL(path.join(site, name)).href);
      expect([...seen].sort()).to.deep.equal(pages.sort());
      expect(errors).to.deep.equal([]);
      expect(requests.filter((r) => !r.startsWith('file://'))).to.deep.equal([]);
      await context.close();
    });

    it('lists in each changelog exactly the schema diff and the descriptions of the edges between the two versions', async () => {
      const page = await browser.newPage();
      const m = ten.migrator;
      let checked = 0;
      for (const version of m.versions()) {
        await page.goto(pathToFileURL(path.join(site, `${version}.html`)).href);
        const sections = await page.$$eval('section.changelog', (all) =>
          all.map((s) => ({
            from: s.getAttribute('data-from')!,
            to: s.getAttribute('data-to')!,
            changes: Array.from(s.querySelectorAll('li.schema-change')).map((li) => li.textContent),
            edges: Array.from(s.querySelectorAll('li.edge .description')).map((d) => d.textContent),
          })),
        );
        expect(sections.length, version).to.be.greaterThan(0);
        for (const { from, to, changes, edges } of sections) {
          const diff = diffSchemas(right(jsonSchema(m, from)), right(jsonSchema(m, to)));
          expect(changes, `${version}: ${from} → ${to}`).to.deep.equal(
            diff.map((c) => formatSchemaChange(c).replace(/`/g, '')),
          );
          const between = m
            .edges()
            .filter((e) => (e.from === from && e.to === to) || (e.from === to && e.to === from))
            .sort((a) => (a.direction === 'up' ? -1 : 1));
          expect(edges, `${version}: ${from} → ${to}`).to.deep.equal(
            between.map((e) => e.description),
          );
          checked += 1;
        }
      }
      expect(checked).to.equal(2 * (m.versions().length - 1));
      await page.close();
    });

    it('renders a version page (screenshot: docs/version-page.png)', async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(pathToFileURL(path.join(site, '2.0.0.html')).href);
      expect(await page.locator('h1').textContent()).to.equal('2.0.0');
      expect(await page.locator('nav a[aria-current="page"]').textContent()).to.equal('2.0.0');
      const png = await page.screenshot({ fullPage: true });
      writeFileSync('docs/version-page.png', png);
      expect(png.subarray(1, 4).toString()).to.equal('PNG');
      await page.close();
    });
  });
});
