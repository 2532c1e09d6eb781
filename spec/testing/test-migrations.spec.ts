import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { defaultMigrator, Migrator, type AnyState } from '../../lib/index.js';
import {
  formatRoundTrip,
  formatTestSummary,
  roundTripCases,
  testMigrations,
  type RoundTripResult,
} from '../../lib/testing/index.js';

const id = (s: AnyState) => s;

// 1.0.0 has optional tags; 2.0.0 always has labels. The down drops `tags` when there are no
// labels, so a 1.0.0 state with `tags: []` comes back without them, and one without tags is
// fine: only some inputs expose the mistake.
const V1 = t.intersection([t.type({ title: t.string }), t.partial({ tags: t.array(t.string) })]);
const V2 = t.type({ title: t.string, labels: t.array(t.string) });
const seededMistake = () =>
  new Migrator({ trace: false })
    .schema('1.0.0', V1)
    .schema('2.0.0', V2)
    .register('1.0.0', '2.0.0', ({ tags, ...s }) => ({ ...s, labels: tags ?? [] }), {
      down: ({ labels, ...s }) => (labels.length > 0 ? { ...s, tags: labels } : s),
    });

/** A reversible chain 1.0.0 -> 1.1.0 -> 1.2.0 that renames a field and then adds one. */
const chain = () =>
  new Migrator({ trace: false })
    .schema('1.0.0', t.type({ title: t.string }))
    .schema('1.1.0', t.type({ name: t.string }))
    .schema('1.2.0', t.type({ name: t.string, tags: t.array(t.string) }))
    .register('1.0.0', '1.1.0', ({ title, ...s }) => ({ ...s, name: title }), {
      down: ({ name, ...s }) => ({ ...s, title: name }),
    })
    .register('1.1.0', '1.2.0', (s) => ({ ...s, tags: [] }), {
      down: ({ tags: _tags, ...s }) => s,
    });

const only = (results: readonly RoundTripResult[], status: RoundTripResult['status']) =>
  results.filter((r) => r.status === status).map((r) => r.route.join(' '));

describe('testMigrations', () => {
  it('passes the shipped AgentState migrations, states drawn from the codecs', async () => {
    const report = await testMigrations(defaultMigrator, { runs: 40, seed: 1 });
    expect(report.ok).to.equal(true);
    expect(report.results.map((r) => [r.kind, r.route.join(' '), r.status, r.runs])).to.deep.equal([
      ['edge', '1.0.0 1.1.0 1.0.0', 'passed', 40],
    ]);
  });

  it('finds a down that drops a field for some inputs only, with a minimal counterexample', async () => {
    const report = await testMigrations(seededMistake(), { seed: 7 });
    expect(report.ok).to.equal(false);
    const [result] = report.results;
    expect(result!.status).to.equal('failed');
    expect(result!.route).to.deep.equal(['1.0.0', '2.0.0', '1.0.0']);
    expect(result!.failure!.counterexample).to.deep.equal({
      title: '',
      tags: [],
      state_version: '1.0.0',
    });
    expect(result!.failure!.differences).to.deep.equal([
      { field: 'tags', expected: [], actual: undefined },
    ]);
    expect(formatRoundTrip(result!).split('\n')).to.deep.equal([
      `FAIL  edge 1.0.0 -> 2.0.0 -> 1.0.0  (failed after ${result!.failure!.runs} run${result!.failure!.runs === 1 ? '' : 's'}, shrunk ${result!.failure!.shrinks} time${result!.failure!.shrinks === 1 ? '' : 's'})`,
      "      Data was not preserved: field 'tags' differs after 1.0.0 -> 2.0.0 -> 1.0.0",
      '      tags: expected [], got (absent)',
      '      counterexample: {"title":"","tags":[],"state_version":"1.0.0"}',
    ]);
  });

  it('replays a run from its seed, and reports the seed it picked', async () => {
    const first = await testMigrations(seededMistake());
    expect(first.seed).to.be.a('number');
    const replay = await testMigrations(seededMistake(), { seed: first.seed });
    expect(replay).to.deep.equal(first);
    expect(await testMigrations(chain(), { seed: 3, runs: 20 })).to.deep.equal(
      await testMigrations(chain(), { seed: 3, runs: 20 }),
    );
  });

  it('tests every edge with a down and every multi-step path between versions with codecs', async () => {
    const report = await testMigrations(chain(), { runs: 25, seed: 2 });
    expect(report.ok).to.equal(true);
    expect(report.results.map((r) => `${r.kind} ${r.route.join(' ')} ${r.status}`)).to.deep.equal([
      'edge 1.0.0 1.1.0 1.0.0 passed',
      'edge 1.1.0 1.2.0 1.1.0 passed',
      'path 1.0.0 1.1.0 1.2.0 1.1.0 1.0.0 passed',
    ]);
  });

  it('says why it skips an edge: no down, lossy, no codec to draw states from', async () => {
    const m = chain()
      .register('1.2.0', '2.0.0', id)
      .register('2.0.0', '3.0.0', id, { down: id, lossy: true })
      .register('0.9.0', '1.0.0', id, { down: id });
    expect(
      (await testMigrations(m, { runs: 5, seed: 1 })).results.map((r) => [
        r.kind,
        r.route.join(' '),
        r.status,
        r.skip,
      ]),
    ).to.deep.equal([
      ['edge', '0.9.0 1.0.0 0.9.0', 'skipped', 'no codec for 0.9.0 to draw states from'],
      ['edge', '1.0.0 1.1.0 1.0.0', 'passed', undefined],
      ['edge', '1.1.0 1.2.0 1.1.0', 'passed', undefined],
      ['edge', '1.2.0 2.0.0', 'skipped', 'no down'],
      [
        'edge',
        '2.0.0 3.0.0 2.0.0',
        'skipped',
        'lossy (meta.lossy): its down cannot restore everything',
      ],
      ['path', '1.0.0 1.1.0 1.2.0 1.1.0 1.0.0', 'passed', undefined],
    ]);
  });

  it('skips a path that crosses a lossy edge, and says which', () => {
    const m = chain()
      .schema('2.0.0', t.type({ name: t.string, tags: t.array(t.string) }))
      .register('1.2.0', '2.0.0', id, { down: id, lossy: true });
    const cases = roundTripCases(m).filter((c) => c.skip?.startsWith('crosses'));
    expect(cases.map((c) => `${c.from} ${c.to}: ${c.skip}`)).to.deep.equal([
      '1.0.0 2.0.0: crosses the lossy edge 1.2.0 -> 2.0.0',
      '1.1.0 2.0.0: crosses the lossy edge 1.2.0 -> 2.0.0',
    ]);
  });

  it('tests a path whose way back differs from its way there', async () => {
    // A shortcut 1.0.0 -> 1.2.0 with no down: the way back goes 1.2.0 -> 1.1.0 -> 1.0.0. Every
    // edge round-trips, but the shortcut forgets to rename `title`, so the path does not.
    const m = chain().register('1.0.0', '1.2.0', (s) => ({ ...s, tags: [] }));
    const report = await testMigrations(m, { runs: 50, seed: 4 });
    expect(only(report.results, 'failed')).to.deep.equal(['1.0.0 1.2.0 1.1.0 1.0.0']);
    const failure = report.results.find((r) => r.status === 'failed')!.failure!;
    expect(failure.message).to.match(/^On the way to 1\.2\.0: .*validation failed/);
    expect(failure.counterexample).to.deep.equal({ title: '', state_version: '1.0.0' });
  });

  it('checks that every intermediate state satisfies its codec', async () => {
    // The up writes a number where 1.1.0 wants a string; the down restores the state anyway.
    // The migrator itself does not validate: the round trips do, at every step.
    const m = new Migrator({ trace: false, validate: 'off' })
      .schema('1.0.0', t.type({ n: t.number }))
      .schema('1.1.0', t.type({ n: t.number, label: t.string }))
      .register('1.0.0', '1.1.0', (s) => ({ ...s, label: s.n }), {
        down: ({ label: _label, ...s }) => s,
      });
    const [result] = (await testMigrations(m, { runs: 10, seed: 1 })).results;
    expect(result!.status).to.equal('failed');
    expect(result!.failure!.message).to.match(/^On the way to 1\.1\.0: .*validation failed/);
    expect(result!.failure!.counterexample).to.deep.equal({ n: 0, state_version: '1.0.0' });
  });

  it('writes integer versions under a nested key in the form the codec accepts', async () => {
    for (const Version of [t.number, t.string]) {
      const persisted = t.type({ version: Version });
      const m = new Migrator({ versionFormat: 'integer', versionKey: '_persist.version' })
        .schema(1, t.type({ a: t.string, _persist: persisted }))
        .schema(2, t.type({ a: t.string, b: t.array(t.number), _persist: persisted }))
        .register(1, 2, (s) => ({ ...s, b: [] }), { down: ({ b: _b, ...s }) => s });
      const report = await testMigrations(m, { runs: 20, seed: 1 });
      expect(report.results.map((r) => [r.route.join(' '), r.status])).to.deep.equal([
        ['1.0.0 2.0.0 1.0.0', 'passed'],
      ]);
    }
  });

  it('compares only the given fields', async () => {
    expect((await testMigrations(seededMistake(), { seed: 7, fields: ['title'] })).ok).to.equal(
      true,
    );
  });

  it('notices a field the round trip adds', async () => {
    const m = new Migrator({ trace: false })
      .schema('1.0.0', t.type({ a: t.string }))
      .register('1.0.0', '1.1.0', (s) => ({ ...s, b: 1 }), { down: (s) => s });
    const [result] = (await testMigrations(m, { runs: 5, seed: 1 })).results;
    expect(result!.failure!.differences).to.deep.equal([
      { field: 'b', expected: undefined, actual: 1 },
    ]);
  });

  it('uses given arbitraries instead of the codec, and fails clearly when a codec cannot be mapped', async () => {
    const Stamp = new t.Type<Date>(
      'Stamp',
      (u): u is Date => u instanceof Date,
      (u, c) => (u instanceof Date ? t.success(u) : t.failure(u, c)),
      t.identity,
    );
    const m = new Migrator({ trace: false })
      .schema('1.0.0', t.type({ at: Stamp }))
      .register('1.0.0', '1.1.0', id, { down: id });
    const [unmapped] = (await testMigrations(m, { runs: 5, seed: 1 })).results;
    expect(unmapped!.status).to.equal('failed');
    expect(unmapped!.failure!.message).to.equal(
      "cannot draw 1.0.0 states from its codec: Cannot derive an arbitrary for the codec 'Stamp' at .at of '{ at: Stamp }': it is not one of the io-ts combinators arbitraryFor maps; pass one as options.overrides['Stamp']",
    );
    const given = { '1.0.0': fc.record({ at: fc.date({ noInvalidDate: true }) }) };
    expect((await testMigrations(m, { runs: 5, seed: 1, arbitraries: given })).ok).to.equal(true);
    const overridden = { arbitrary: { overrides: { Stamp: fc.constant(new Date(0)) } } };
    expect((await testMigrations(m, { runs: 5, seed: 1, ...overridden })).ok).to.equal(true);
  });

  it('reports each result as it is known, and sums them up', async () => {
    const seen: string[] = [];
    const report = await testMigrations(chain(), {
      runs: 5,
      seed: 9,
      onResult: (r) => seen.push(formatRoundTrip(r)),
    });
    expect(seen).to.deep.equal([
      'ok    edge 1.0.0 -> 1.1.0 -> 1.0.0  (5 runs)',
      'ok    edge 1.1.0 -> 1.2.0 -> 1.1.0  (5 runs)',
      'ok    path 1.0.0 -> 1.2.0 -> 1.0.0 (4 steps)  (5 runs)',
    ]);
    expect(formatTestSummary(report)).to.equal(
      '2 edges, 1 path: 3 passed, 0 failed, 0 skipped (5 runs each, seed 9)',
    );
  });

  describe('async steps', () => {
    // The guide's redux-persist example: an integer version at _persist.version, an async up.
    const Todo = t.type({ text: t.string, done: t.boolean });
    const todos = (down: (s: AnyState) => Promise<AnyState>) =>
      new Migrator({ versionKey: '_persist.version', versionFormat: 'integer', trace: false })
        .schema(1, t.type({ todos: t.array(t.string) }))
        .schema(2, t.type({ todos: t.array(Todo) }))
        .register(
          1,
          2,
          async (s) => ({
            ...s,
            todos: (s.todos as string[]).map((text) => ({ text, done: false })),
          }),
          { down },
        );

    it('round-trips an edge whose up and down are async', async () => {
      const m = todos(async (s) => ({
        ...s,
        todos: (s.todos as { text: string }[]).map((todo) => todo.text),
      }));
      const report = await testMigrations(m, { runs: 30, seed: 5 });
      expect(report.results.map((r) => [r.route.join(' '), r.status, r.runs])).to.deep.equal([
        ['1.0.0 2.0.0 1.0.0', 'passed', 30],
      ]);
      expect(report.ok).to.equal(true);
    });

    it('finds what an async down loses, with the differing fields', async () => {
      const m = todos(async (s) => ({
        ...s,
        todos: (s.todos as { text: string }[]).slice(1).map((todo) => todo.text),
      }));
      const [result] = (await testMigrations(m, { runs: 50, seed: 5 })).results;
      expect(result!.status).to.equal('failed');
      expect(result!.failure!.counterexample).to.deep.equal({
        todos: [''],
        _persist: { version: 1 },
      });
      expect(result!.failure!.differences).to.deep.equal([
        { field: 'todos', expected: [''], actual: [] },
      ]);
    });
  });

  it('fails the round trip of a codec no state can be drawn from, naming the codec and where it sits', async () => {
    const isUuid = (s: string) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
    const Uuid = t.refinement(t.string, isUuid, 'Uuid');
    const m = new Migrator({ trace: false })
      .schema('1.0.0', t.type({ owner: t.type({ id: Uuid }) }, 'Doc'))
      .schema('1.1.0', t.type({ owner: t.type({ id: Uuid }), tags: t.array(t.string) }))
      .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }), {
        down: ({ tags: _tags, ...s }) => s,
      });
    const report = await testMigrations(m, {
      runs: 10,
      seed: 1,
      arbitrary: { maxRejections: 200 },
    });
    expect(report.ok).to.equal(false);
    const [result] = report.results;
    expect(result!.status).to.equal('failed');
    expect(result!.failure!.message).to.equal(
      "cannot draw 1.0.0 states: Cannot draw a value for the codec 'Uuid' at .owner.id of 'Doc': 200 values in a row were rejected by its predicate; pass an arbitrary as options.overrides['Uuid']",
    );
    const given = { arbitrary: { overrides: { Uuid: fc.uuid() } } };
    expect((await testMigrations(m, { runs: 10, seed: 1, ...given })).ok).to.equal(true);
  });

  it('checks its options', () => {
    const m = chain();
    expect(() => testMigrations(m, { runs: 0 })).to.throw(
      TypeError,
      'Expected options.runs to be a positive integer, got 0',
    );
    expect(() => testMigrations(m, { seed: 1.5 })).to.throw(
      TypeError,
      'Expected options.seed to be a 32-bit integer, got 1.5',
    );
    expect(() =>
      testMigrations(m, { arbitraries: { '1.0.0': {} as fc.Arbitrary<unknown> } }),
    ).to.throw(TypeError, "Expected options.arbitraries['1.0.0'] to be a fast-check arbitrary");
    expect(() => testMigrations(m, { arbitraries: { banana: fc.constant({}) } })).to.throw(
      TypeError,
      "options.arbitraries: Expected a semver version, got 'banana'",
    );
  });
});
