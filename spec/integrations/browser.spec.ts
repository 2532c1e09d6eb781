// The §10 browser test: examples/browser (migraph/core + migraph/zustand + a vanilla zustand
// store, bundled by esbuild) in headless Chromium driven by playwright-core.
import { expect } from 'chai';
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../support/cli.js';

const CHROMIUM = process.env.MIGRAPH_CHROMIUM ?? '/usr/bin/chromium';
const exampleDir = path.join(repoRoot, 'examples', 'browser');

/** Serves the page and the bundle (built in memory) on a loopback port. */
const serve = async (): Promise<{ server: Server; origin: string }> => {
  const bundle = await build({
    entryPoints: [path.join(exampleDir, 'app.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    absWorkingDir: repoRoot,
  });
  const files: Record<string, [string, string]> = {
    '/': ['text/html', await readFile(path.join(exampleDir, 'index.html'), 'utf8')],
    '/app.js': ['text/javascript', bundle.outputFiles[0]!.text],
    '/blank': ['text/html', '<!doctype html><title>blank</title>'],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? '/'];
    response.writeHead(file ? 200 : 404, { 'content-type': file?.[0] ?? 'text/plain' });
    response.end(file?.[1] ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

describe('in a real browser (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: Server;
  let origin: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // Pending, not failed, on a machine without Chromium (.ci/run installs it, so CI runs it).
      console.warn(`    (no Chromium at ${CHROMIUM}: the browser specs are pending)`);
      this.skip();
    }
    ({ server, origin } = await serve());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
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
