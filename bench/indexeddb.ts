/**
 * IndexedDB figures of `npm run bench` (SPEC §18, §19), measured in headless Chromium: records/s
 * of `migrateStore` over `indexedDbStore` against a plain cursor loop making the same change
 * to the same records, and a lazy first read (`readMigrated`) against a plain `get`. The page
 * is bench/indexeddb-page.ts, bundled by esbuild and served on a loopback port.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Row } from './batch.js';

const CHROMIUM = process.env.MIGRAPH_CHROMIUM ?? '/usr/bin/chromium';
const RECORDS = 20_000;
const BATCH = 500;

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository (this file runs from dist/bench/ or, through tsx, from bench/). */
const root = path.resolve(here, path.basename(path.dirname(here)) === 'dist' ? '../..' : '..');

const perSecond = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;

export const indexedDbFigures = async (rows: Row[]): Promise<void> => {
  if (!existsSync(CHROMIUM)) {
    rows.push({
      figure: 'IndexedDB migrateStore vs cursor loop',
      ratio: '—',
      detail: `skipped: no Chromium at ${CHROMIUM} (set MIGRAPH_CHROMIUM)`,
    });
    return;
  }
  const bundle = await build({
    entryPoints: [path.join(root, 'bench', 'indexeddb-page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    absWorkingDir: root,
  });
  const page = `<!doctype html><body><script type="module" src="/page.js"></script>`;
  const server = createServer((request, response) => {
    const js = request.url === '/page.js';
    response.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    response.end(js ? bundle.outputFiles[0]!.text : page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const tab = await (await browser.newContext()).newPage();
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await tab.waitForFunction(() => document.body?.dataset.ready === 'true');
    const { migraph, cursor } = await tab.evaluate(
      ([n, size]) => window.bench.throughput(n!, 3, size!),
      [RECORDS, BATCH],
    );
    rows.push({
      figure: 'IndexedDB migrateStore vs cursor loop',
      ratio: `${(migraph / cursor).toFixed(2)}×`,
      detail:
        `${perSecond(migraph)} vs ${perSecond(cursor)} records (${RECORDS.toLocaleString('en')} ` +
        `records, batches of ${BATCH}, backups on; best of 3; target ≥ 0.5×)`,
    });
    const { getMs, readMs } = await tab.evaluate(() => window.bench.lazyRead(10_000, 300, 5));
    rows.push({
      figure: 'IndexedDB lazy first read vs get',
      ratio: `${(readMs / getMs).toFixed(2)}×`,
      detail:
        `${(readMs * 1000).toFixed(0)} µs vs ${(getMs * 1000).toFixed(0)} µs per read ` +
        '(readMigrated of a record one step behind; best of 5 rounds of 300; target ≤ 2×)',
    });
  } finally {
    await browser.close();
    server.close();
  }
};
