// §17 in headless Chromium: two releases of one app (spec/support/rollback-page.ts, bundled
// by esbuild once per release) open as two pages of one origin, sharing localStorage. Release
// N writes, release N−1 reads, edits and writes back, release N reads again: across a FORWARD
// edge of the ten-version example nothing of N is lost; across a NONE edge N−1 refuses and
// the stored value stays byte-identical.
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { compatibility } from '../../lib/core/index.js';
import type { Server } from 'node:http';
import { bundle, launchChromium, requireChromium, serve } from '../support/browser.js';
import { repoRoot } from '../support/cli.js';
import {
  exampleVersionOf,
  firstProfile,
  freshInstall,
  release,
} from '../support/ten-version-builds.js';

const entry = path.join(repoRoot, 'spec', 'support', 'rollback-page.ts');
const NAME = 'profile';

/** Release 7 (2.2.0) sits between a FORWARD edge below it and a NONE edge above it. */
const FORWARD_EDGE = 7;
const NONE_EDGE = 8;
const RELEASES = [FORWARD_EDGE - 1, FORWARD_EDGE, NONE_EDGE];

type State = Record<string, unknown>;
interface PageApp {
  readonly store: { getState(): State; setState(partial: State): void };
  readonly errors: readonly { message: string; reason?: string; backupKey?: string }[];
}
declare const app: PageApp;

/** One bundle per release, each page at `/release/<k>`, on a loopback port. */
const serveReleases = async (): Promise<{ server: Server; origin: string }> => {
  const files: Record<string, [string, string]> = {
    '/blank': ['text/html', '<!doctype html><title>blank</title>'],
  };
  for (const k of RELEASES) {
    const text = await bundle(entry, {
      minify: true,
      define: {
        ROLLBACK_RELEASE: String(k),
        ROLLBACK_INITIAL: JSON.stringify(freshInstall(k)),
      },
    });
    files[`/release/${k}`] = [
      'text/html',
      `<!doctype html><title>release ${k}</title><body data-status="loading"><script type="module" src="/release/${k}.js"></script></body>`,
    ];
    files[`/release/${k}.js`] = ['text/javascript', text];
  }
  return serve(files);
};

describe('rollback in a real browser: two releases, two pages, one localStorage (§17)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: Server;
  let origin: string;
  const started = Date.now();

  before(async function () {
    requireChromium(this, 'the rollback browser specs');
    ({ server, origin } = await serveReleases());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.close();
    if (origin !== undefined) console.log(`      (${Date.now() - started} ms in all)`);
  });

  /** A context whose origin's localStorage holds a release-1 profile. */
  const seeded = async (): Promise<BrowserContext> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/blank`);
    await page.evaluate(
      ([name, value]) => {
        localStorage.clear();
        localStorage.setItem(name, value);
      },
      [NAME, JSON.stringify({ state: firstProfile('Ada'), version: 1 })] as const,
    );
    await page.close();
    return context;
  };

  /** Opens (or reloads) release `k`'s page and waits for its store to hydrate. */
  const open = async (context: BrowserContext, k: number, page?: Page): Promise<Page> => {
    const p = page ?? (await context.newPage());
    if (page === undefined) await p.goto(`${origin}/release/${k}`);
    else await p.reload();
    await p.waitForFunction(() => document.body.dataset.status !== 'loading');
    return p;
  };

  const stored = (page: Page) => page.evaluate((name) => localStorage.getItem(name), NAME);
  const keys = (page: Page) => page.evaluate(() => Object.keys(localStorage).sort());
  const status = (page: Page) => page.evaluate(() => document.body.dataset.status);
  const state = (page: Page) => page.evaluate(() => app.store.getState());

  const classOf = (n: number) => {
    const edge = compatibility(release(n), { from: `${n - 1}.0.0`, to: `${n}.0.0` });
    return E.isRight(edge) ? edge.right.class : undefined;
  };

  it(`across a FORWARD edge (${exampleVersionOf(FORWARD_EDGE - 1)} <- ${exampleVersionOf(FORWARD_EDGE)}) the older page reads, edits and keeps every field`, async () => {
    const n = FORWARD_EDGE;
    expect(classOf(n)).to.equal('FORWARD');
    const context = await seeded();
    const pageN = await open(context, n);
    expect(await status(pageN)).to.equal('hydrated');
    const written = JSON.parse((await stored(pageN))!) as { state: State; version: number };
    expect(written.version).to.equal(n);
    expect(written.state).to.include({ readableFrom: '5.0.0' });

    const pageOld = await open(context, n - 1);
    expect(await status(pageOld)).to.equal('hydrated');
    expect(await state(pageOld)).to.deep.equal(written.state);
    await pageOld.evaluate(() =>
      app.store.setState({ display_name: 'Ada (edited by the older release)' }),
    );
    const expected = { ...written.state, display_name: 'Ada (edited by the older release)' };
    expect(JSON.parse((await stored(pageOld))!)).to.deep.equal({ state: expected, version: n });
    expect(await keys(pageOld)).to.deep.equal([NAME]);

    await open(context, n, pageN);
    expect(await status(pageN)).to.equal('hydrated');
    expect(await state(pageN)).to.deep.equal(expected);
    expect(JSON.parse((await stored(pageN))!).version).to.equal(n);
    await context.close();
  });

  it(`across a NONE edge (${exampleVersionOf(NONE_EDGE - 1)} <- ${exampleVersionOf(NONE_EDGE)}) the older page refuses and the stored value stays byte-identical`, async () => {
    const n = NONE_EDGE;
    expect(classOf(n)).to.equal('NONE');
    const context = await seeded();
    const pageN = await open(context, n);
    expect(await status(pageN)).to.equal('hydrated');
    const rawN = (await stored(pageN))!;
    const written = JSON.parse(rawN) as { state: State; version: number };
    expect(written).to.deep.include({ version: n });
    expect(written.state).to.include({ readableFrom: `${n}.0.0` });

    const pageOld = await open(context, n - 1);
    expect(await status(pageOld)).to.equal('failed');
    const errors = await pageOld.evaluate(() => app.errors);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ reason: 'newer_version', backupKey: `${NAME}.migraph-backup` });
    expect(await state(pageOld)).to.deep.equal(freshInstall(n - 1));
    expect(await stored(pageOld)).to.equal(rawN);
    expect(
      await pageOld.evaluate((key) => localStorage.getItem(key), `${NAME}.migraph-backup`),
    ).to.equal(rawN);

    await open(context, n, pageN);
    expect(await status(pageN)).to.equal('hydrated');
    expect(await state(pageN)).to.deep.equal(written.state);
    expect(await stored(pageN)).to.equal(rawN);
    await context.close();
  });
});
