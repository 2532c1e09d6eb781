// The §10 browser test: examples/browser (migraph/core + migraph/zustand + a vanilla zustand
// store, bundled by esbuild) in headless Chromium driven by playwright-core.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Server } from 'node:http';
import { bundle, launchChromium, requireChromium, serve } from '../support/browser.js';
import { repoRoot } from '../support/cli.js';

const exampleDir = path.join(repoRoot, 'examples', 'browser');

/** The example's page and its bundle (built in memory), on a loopback port. */
const serveExample = async () =>
  serve({
    '/': ['text/html', await readFile(path.join(exampleDir, 'index.html'), 'utf8')],
    '/app.js': ['text/javascript', await bundle(path.join(exampleDir, 'app.ts'), { minify: true })],
    '/blank': ['text/html', '<!doctype html><title>blank</title>'],
  });

describe('in a real browser (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: Server;
  let origin: string;

  before(async function () {
    requireChromium(this, 'the browser specs');
    ({ server, origin } = await serveExample());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  /** Seeds localStorage at the page's origin, then loads the page and waits for hydration. */
  const loadWith = async (stored: Record<string, string>): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${origin}/blank`);
    await page.evaluate((items) => {
      localStorage.clear();
      for (const [key, value] of Object.entries(items)) localStorage.setItem(key, value);
    }, stored);
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.body.dataset.status !== 'loading');
    return page;
  };

  const storage = (page: Page) =>
    page.evaluate(() => Object.fromEntries(Object.entries(localStorage)));

  it('migrates a version-1 state in localStorage to the newest version on load', async () => {
    const page = await loadWith({
      settings: JSON.stringify({ state: { title: 'Home', visits: 3 }, version: 1 }),
    });
    expect(await page.evaluate(() => document.body.dataset.status)).to.equal('hydrated');
    expect(JSON.parse((await page.textContent('#out'))!)).to.deep.equal({
      visits: 3,
      theme: 'light',
      name: 'Home',
    });
    const items = await storage(page);
    expect(JSON.parse(items.settings!)).to.deep.equal({
      state: { visits: 3, theme: 'light', name: 'Home' },
      version: 3,
    });
    // The backup taken before the first step is gone once the migrated state is stored.
    expect(Object.keys(items)).to.deep.equal(['settings']);
    await page.setViewportSize({ width: 760, height: 300 });
    await page.screenshot({ path: path.join(exampleDir, 'screenshot.png') });
  });

  it('leaves a state whose migration fails intact in storage, with a backup', async () => {
    const raw = JSON.stringify({
      state: { title: 'Keep me', poison: true, visits: 1 },
      version: 1,
    });
    const page = await loadWith({ settings: raw });
    expect(await page.evaluate(() => document.body.dataset.status)).to.equal('failed');
    expect(await page.textContent('#out')).to.contain('this state cannot be renamed');
    const items = await storage(page);
    expect(items.settings).to.equal(raw);
    expect(items['settings.migraph-backup']).to.equal(raw);
  });
});
