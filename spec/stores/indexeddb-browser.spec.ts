// migraph/indexeddb end to end (SPEC §18), in headless Chromium driven by playwright-core:
// three tabs of one origin over 100k records, tabs closed at random moments, an old release
// meeting newer records, and a tab that skips instead of waiting for the lock. The page is
// spec/support/indexeddb-page.ts, bundled by esbuild and served on a loopback port.
//
// How "every record migrated exactly once" is counted. Steps run outside any transaction, so a
// page cannot count its step calls durably in the batch's own transaction; and a page closed
// mid-batch takes its in-memory counters with it. So two counts are kept, and compared:
//  - what committed: each step adds a mark naming its run to the record (`a:p7`, `b:p7`), so a
//    committed record shows which run migrated it and how many step applications it got;
//  - what ran: before each batch commits, the page tells the spec (an awaited binding) how many
//    step calls it has made so far. A call whose result commits was thus counted before the
//    commit; calls of a batch aborted by a close may or may not have been.
// Then: every record is at 1.2.0 with exactly one `a:` and one `b:` mark of the same run, and
// otherwise unchanged (nothing lost, nothing duplicated, no step applied twice); the committed
// records sum to 100k; a run that ended normally made exactly as many step calls as it
// committed records (no wasted or repeated work: the lock kept the others out); and a closed
// run counted at least its committed records' step calls and at most one batch's more (the
// batch aborted by its close, and no other).
import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Server } from 'node:http';
import { bundle, launchChromium, requireChromium, serve } from '../support/browser.js';
import { repoRoot } from '../support/cli.js';
import { waitFor } from '../support/poll.js';

const RECORDS = Number(process.env.MIGRAPH_IDB_RECORDS ?? 100_000);
const BATCH = 500;
const CLOSES = 21;
const TABS = 3;

/** A seeded PRNG (mulberry32): the same closes at the same moments on every run. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

type Harness = Window['harness'];
type RunState = NonNullable<ReturnType<Harness['state']>>;
type Summary = Awaited<ReturnType<Harness['summary']>>;

/** The tab page and its bundle (built in memory), on a loopback port. */
const servePage = async () =>
  serve({
    '/': [
      'text/html',
      '<!doctype html><title>tab</title><body><script type="module" src="/page.js"></script>',
    ],
    '/page.js': [
      'text/javascript',
      await bundle(path.join(repoRoot, 'spec', 'support', 'indexeddb-page.ts')),
    ],
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `f` until it gives a value, for up to 90 s. */
const until = <T>(f: () => Promise<T | undefined> | T | undefined) => waitFor(f, 90_000);

describe('migraph/indexeddb in headless Chromium (three tabs, one origin)', function () {
  this.timeout(300_000);
  let browser: Browser;
  let server: Server;
  let origin: string;

  before(async function () {
    requireChromium(this, 'the IndexedDB browser specs');
    ({ server, origin } = await servePage());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  /** A fresh origin's storage (a context), with the binding every tab reports to. */
  const tabs = async (onFlush: (run: string, calls: number) => Promise<void> | void) => {
    const context = await browser.newContext();
    await context.exposeFunction('migraphFlush', onFlush);
    const open = async (): Promise<Page> => {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => document.body?.dataset.ready === 'true');
      return page;
    };
    return { context, open };
  };

  const start = (page: Page, options: Parameters<Harness['start']>[0]) =>
    page.evaluate((o) => window.harness.start(o), options);
  const stateOf = (page: Page, run: string): Promise<RunState | undefined> =>
    page.evaluate((r) => window.harness.state(r), run);
  const finished = (page: Page, run: string) =>
    until(async () => (await stateOf(page, run))?.result);

  it(`migrates ${RECORDS.toLocaleString('en')} records exactly once across tabs closed at random moments`, async function () {
    const random = prng(0x6d696772);
    const counted = new Map<string, number>();
    const flushes = new Map<string, number>();
    /** Per run: close it at its k-th batch, while that batch is in flight (before its commit). */
    const closeAtFlush = new Map<string, number>();
    const pages = new Map<string, Page>();
    const closed = new Set<string>();
    /** From each close to the first batch of the tab that took the lock over (ms). */
    const gaps: number[] = [];
    let lastClose = Date.now();
    const close = async (run: string) => {
      lastClose = Date.now();
      closed.add(run);
      await pages.get(run)!.close();
    };
    const { context, open } = await tabs((run, calls) => {
      counted.set(run, calls);
      if (!flushes.has(run)) gaps.push(Date.now() - lastClose);
      const n = (flushes.get(run) ?? 0) + 1;
      flushes.set(run, n);
      if (closeAtFlush.get(run) !== n) return;
      void close(run);
      return new Promise<void>(() => undefined); // The batch never commits.
    });
    const started = Date.now();
    const seeder = await open();
    await seeder.evaluate((n) => window.harness.seed('e2e', n), RECORDS);
    await seeder.close();
    const seeded = Date.now();

    let next = 0;
    const launch = async () => {
      const run = `p${next++}`;
      const page = await open();
      pages.set(run, page);
      await start(page, { run, db: 'e2e', build: 'new', batchSize: BATCH, read: RECORDS });
      return run;
    };
    const live = new Set<string>();
    for (let i = 0; i < TABS; i++) live.add(await launch());
    let inFlightCloses = 0;
    while (closed.size < CLOSES) {
      // The tab holding the lock is the one that has told of a batch.
      const holder = await until(() => [...live].find((run) => flushes.has(run)));
      if (random() < 0.5) {
        // Closed while its k-th batch is in flight (steps run, commit not begun).
        closeAtFlush.set(holder, flushes.get(holder)! + 1 + Math.floor(random() * 3));
        inFlightCloses++;
        await until(async () =>
          closed.has(holder) || (await stateOf(pages.get(holder)!, holder))?.result
            ? true
            : undefined,
        );
      } else {
        // Closed at a random moment: claiming, running steps, or committing.
        await sleep(random() * 300);
        await close(holder);
      }
      live.delete(holder);
      live.add(await launch());
    }
    expect(closed.size, 'tabs closed before the migration ended').to.equal(CLOSES);
    const results = new Map<string, NonNullable<RunState['result']>>();
    const states = new Map<string, RunState>();
    for (const run of live) {
      const page = pages.get(run)!;
      results.set(run, await finished(page, run));
      states.set(run, (await stateOf(page, run))!);
    }
    const migrated = Date.now();
    const checker = await open();
    const summary: Summary = await checker.evaluate(
      (n) => window.harness.summary('e2e', n),
      RECORDS,
    );
    await context.close();
    console.log(
      `      ${RECORDS} records, ${closed.size} closes (${inFlightCloses} mid-batch), ` +
        `seeded in ${seeded - started} ms, migrated in ${migrated - seeded} ms ` +
        `(a new tab's first batch ${gaps.sort((a, b) => a - b)[gaps.length >> 1]} ms after a close)`,
    );

    expect(
      [...results.values()].every((r) => r.ok),
      JSON.stringify([...results]),
    ).to.equal(true);
    expect(summary).to.deep.include({
      records: RECORDS,
      missingCount: 0,
      wrongCount: 0,
      backups: RECORDS,
      badBackups: 0,
      rejected: 0,
    });
    const committed = Object.values(summary.perRun).reduce((a, b) => a + b, 0);
    expect(committed).to.equal(RECORDS);
    for (const [run, records] of Object.entries(summary.perRun)) {
      const calls = 2 * records; // two steps a record
      if (closed.has(run)) {
        expect(counted.get(run), run).to.be.at.least(calls);
        expect(counted.get(run)! - calls, run).to.be.at.most(2 * BATCH);
      } else {
        expect(states.get(run)?.calls, run).to.equal(calls);
      }
    }
    // The tabs still open at the end made no step call they did not commit.
    for (const [run, state] of states) {
      expect(state.calls, run).to.equal(2 * (summary.perRun[run] ?? 0));
    }
    // Waiting tabs read through readMigrated, saw another tab's progress, and wrote nothing
    // (a read's marks would show in the records: none does).
    const waited = [...states.values()];
    expect(waited.flatMap((s) => s.badReads)).to.deep.equal([]);
    expect(waited.reduce((a, s) => a + s.reads, 0)).to.be.above(0);
    expect(waited.reduce((a, s) => a + s.readsMigrated, 0)).to.be.above(0);
    expect(waited.reduce((a, s) => a + s.progressSeen, 0)).to.be.above(0);
  });

  it('an old release leaves records newer than it knows byte for byte as they are', async () => {
    const n = 2_000;
    const { context, open } = await tabs(() => undefined);
    const page = await open();
    await page.evaluate((count) => window.harness.seed('old', count, 'even'), n);
    const before = await page.evaluate(() => window.harness.texts('old'));
    await start(page, { run: 'old', db: 'old', build: 'old', batchSize: 300 });
    const result = await finished(page, 'old');
    const after = await page.evaluate(() => window.harness.texts('old'));
    const state = (await stateOf(page, 'old'))!;
    await context.close();
    for (let id = 1; id <= n; id++) {
      if (id % 2 === 0) expect(after[id], `record ${id}`).to.equal(before[id]);
      else expect(JSON.parse(after[id]!)).to.include({ state_version: '1.1.0' });
    }
    expect(result).to.deep.include({
      ok: true,
      report: {
        migrated: n / 2,
        alreadyAtTarget: n / 2,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      },
    });
    expect(state.calls).to.equal(n / 2);
  });

  it("with ifLocked: 'skip', a second tab returns at once while another holds the lock", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let flushed = 0;
    // The first tab's first batch waits, in flight, holding the lock, until the second has tried.
    const { context, open } = await tabs((run) => {
      if (run !== 'first' || flushed++ > 0) return;
      return held;
    });
    const [first, second] = [await open(), await open()];
    await first.evaluate(() => window.harness.seed('skip', 2_000));
    await start(first, { run: 'first', db: 'skip', build: 'new', batchSize: 500 });
    await until(() => (flushed > 0 ? true : undefined));
    const t0 = Date.now();
    await start(second, {
      run: 'second',
      db: 'skip',
      build: 'new',
      batchSize: 500,
      ifLocked: 'skip',
    });
    const skipped = await finished(second, 'second');
    const waitedMs = Date.now() - t0;
    const secondCalls = (await stateOf(second, 'second'))!.calls;
    release();
    const firstResult = await finished(first, 'first');
    // Once the lock is free, skip runs.
    await start(second, {
      run: 'again',
      db: 'skip',
      build: 'new',
      batchSize: 500,
      ifLocked: 'skip',
    });
    const again = await finished(second, 'again');
    await context.close();
    expect(skipped).to.deep.include({ ok: false, reason: 'locked' });
    expect(skipped.ok === false && skipped.error).to.contain('another tab is migrating it');
    expect(secondCalls).to.equal(0);
    expect(waitedMs).to.be.below(5_000);
    expect(firstResult).to.deep.include({ ok: true });
    expect(again).to.deep.include({
      ok: true,
      report: {
        migrated: 0,
        alreadyAtTarget: 2_000,
        rejected: 0,
        previouslyRejected: 0,
        conflicts: 0,
      },
    });
  });
});
