import { expect } from 'chai';
import * as t from 'io-ts';
import { MigrationTestError, Migrator, type AnyState } from '../../lib/index.js';
import { describeMigrations, type TestRunner } from '../../lib/testing/index.js';
import { toJsonSchema } from '../../lib/core/json-schema.js';

const id = (s: AnyState) => s;

const graph = () =>
  new Migrator({ trace: false })
    .schema(
      '1.0.0',
      t.intersection([t.type({ title: t.string }), t.partial({ tags: t.array(t.string) })]),
    )
    .schema('1.1.0', t.type({ title: t.string, labels: t.array(t.string) }))
    .register('1.0.0', '1.1.0', ({ tags, ...s }) => ({ ...s, labels: tags ?? [] }), {
      // Drops `tags: []`: a real mistake for the failing test below.
      down: ({ labels, ...s }) => (labels.length > 0 ? { ...s, tags: labels } : s),
    })
    .register('1.1.0', '2.0.0', id);

/** A runner that records what is registered, the way mocha's globals would. */
const recorder = () => {
  const tests: { title: string; body: () => Promise<void>; skipped: boolean }[] = [];
  const suites: string[] = [];
  const it = Object.assign(
    (title: string, body: () => Promise<void>) => void tests.push({ title, body, skipped: false }),
    {
      skip: (title: string, body: () => Promise<void>) =>
        void tests.push({ title, body, skipped: true }),
    },
  );
  const runner: TestRunner = {
    describe: (title, body) => {
      suites.push(title);
      body();
    },
    it,
  };
  return { runner, tests, suites };
};

describe('describeMigrations', () => {
  // Through mocha's own globals: these tests run in this very suite.
  describeMigrations(
    new Migrator({ trace: false })
      .schema('1.0.0', t.type({ a: t.string }))
      .schema('1.1.0', t.type({ a: t.string, b: t.number }))
      .register('1.0.0', '1.1.0', (s) => ({ ...s, b: 0 }), { down: ({ b: _b, ...s }) => s }),
    { title: 'a reversible migration, through the global describe and it', runs: 20, seed: 1 },
  );

  it('registers one test per edge and per path, skipped ones with their reason', () => {
    const { runner, tests, suites } = recorder();
    describeMigrations(graph(), { runner, runs: 20, seed: 7 });
    expect(suites).to.deep.equal(['migrations round-trip']);
    expect(tests.map((x) => [x.title, x.skipped])).to.deep.equal([
      ['edge 1.0.0 -> 1.1.0 -> 1.0.0', false],
      ['edge 1.1.0 -> 2.0.0 (no down)', true],
    ]);
  });

  it('fails a test with the shrunk counterexample, the route, the fields and the seed', async () => {
    const { runner, tests } = recorder();
    describeMigrations(graph(), { runner, seed: 7, title: 'mine' });
    let error: unknown;
    try {
      await tests[0]!.body();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(MigrationTestError);
    const failure = error as MigrationTestError;
    expect(failure.path).to.deep.equal(['1.0.0', '1.1.0', '1.0.0']);
    expect(failure.fields).to.deep.equal(['tags']);
    expect(failure.counterexample).to.deep.equal({ title: '', tags: [], state_version: '1.0.0' });
    expect(failure.message).to.contain('tags: expected [], got (absent)');
    expect(failure.message).to.match(/replay with seed 7$/);
  });

  it('runs async steps: a test per async edge that passes, and one that fails on a lossy down', async () => {
    const m = (keepsAll: boolean) =>
      new Migrator({ trace: false })
        .schema('1.0.0', t.type({ items: t.array(t.string) }))
        .schema('2.0.0', t.type({ items: t.array(t.type({ name: t.string })) }))
        .register(
          '1.0.0',
          '2.0.0',
          async (s) => ({ ...s, items: (s.items as string[]).map((name) => ({ name })) }),
          {
            down: async (s) => ({
              ...s,
              items: (s.items as { name: string }[])
                .filter((item) => keepsAll || item.name !== '')
                .map((item) => item.name),
            }),
          },
        );
    const passing = recorder();
    describeMigrations(m(true), { runner: passing.runner, runs: 30, seed: 3 });
    expect(passing.tests.map((x) => x.title)).to.deep.equal(['edge 1.0.0 -> 2.0.0 -> 1.0.0']);
    await passing.tests[0]!.body();

    const failing = recorder();
    describeMigrations(m(false), { runner: failing.runner, runs: 30, seed: 3 });
    let error: unknown;
    try {
      await failing.tests[0]!.body();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(MigrationTestError);
    expect((error as MigrationTestError).counterexample).to.deep.equal({
      items: [''],
      state_version: '1.0.0',
    });
  });

  it('tests a version whose codec is gone from its schema snapshot', async () => {
    const snapshots = new Map([
      ['1.0.0', { version: '1.0.0', hash: '', schema: toJsonSchema(t.type({ title: t.string })) }],
    ]);
    const retired = () =>
      new Migrator({ trace: false })
        .schema('1.1.0', t.type({ title: t.string, labels: t.array(t.string) }))
        .register('1.0.0', '1.1.0', (s) => ({ ...s, labels: [] }), {
          down: ({ labels: _l, ...s }) => s,
        });
    const without = recorder();
    describeMigrations(retired(), { runner: without.runner, runs: 20, seed: 7 });
    expect(without.tests.map((x) => x.skipped)).to.deep.equal([true]);
    const withSnapshots = recorder();
    describeMigrations(retired(), { runner: withSnapshots.runner, runs: 20, seed: 7, snapshots });
    expect(withSnapshots.tests.map((x) => [x.title, x.skipped])).to.deep.equal([
      ['edge 1.0.0 -> 1.1.0 -> 1.0.0', false],
    ]);
    await withSnapshots.tests[0]!.body();
  });

  it('says what it needs when there is no runner', () => {
    const saved = (globalThis as { describe?: unknown }).describe;
    (globalThis as { describe?: unknown }).describe = undefined;
    try {
      expect(() => describeMigrations(graph())).to.throw(
        TypeError,
        "describeMigrations needs a test runner's describe and it",
      );
    } finally {
      (globalThis as { describe?: unknown }).describe = saved;
    }
  });
});
