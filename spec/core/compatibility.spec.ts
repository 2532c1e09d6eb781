import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  compatibility,
  containment,
  meetsClass,
  type Compatibility,
  type CompatibilityClass,
  type Counterexample,
} from '../../lib/core/compatibility.js';
import {
  enforcePolicy,
  parseCompatibilityPolicy,
  requiredClass,
  type CompatibilityPolicy,
} from '../../lib/core/compatibility-policy.js';
import { toJsonSchema } from '../../lib/core/json-schema.js';
import { Migrator } from '../../lib/core/migrator.js';
import { arbitraryFor } from '../../lib/testing/arbitrary.js';
import { compatibilityOf } from '../../lib/testing/compatibility.js';

const Theme = t.keyof({ light: null, dark: null });
const base = { title: t.string, prefs: t.type({ lang: t.string, theme: Theme }) };
const NonEmpty = t.refinement(t.string, (s) => s.length > 0, 'NonEmptyString');

/** The catalogue of edge kinds: before, after, and the class by definition. */
const catalogue: ReadonlyArray<readonly [string, t.Mixed, t.Mixed, CompatibilityClass]> = [
  ['nothing changed', t.type(base), t.type(base), 'FULL'],
  [
    'optional field added',
    t.type(base),
    t.intersection([t.type(base), t.partial({ note: t.string })]),
    'FULL',
  ],
  ['required field added', t.type(base), t.type({ ...base, note: t.string }), 'FORWARD'],
  ['field removed', t.type({ ...base, note: t.string }), t.type(base), 'BACKWARD'],
  [
    'optional field removed',
    t.intersection([t.type(base), t.partial({ note: t.string })]),
    t.type(base),
    'FULL',
  ],
  [
    'field became optional',
    t.type({ ...base, note: t.string }),
    t.intersection([t.type(base), t.partial({ note: t.string })]),
    'BACKWARD',
  ],
  [
    'field became required',
    t.intersection([t.type(base), t.partial({ note: t.string })]),
    t.type({ ...base, note: t.string }),
    'FORWARD',
  ],
  [
    'type widened (string → string | number)',
    t.type({ ...base, size: t.string }),
    t.type({ ...base, size: t.union([t.string, t.number]) }),
    'BACKWARD',
  ],
  [
    'type narrowed (string | number → string)',
    t.type({ ...base, size: t.union([t.string, t.number]) }),
    t.type({ ...base, size: t.string }),
    'FORWARD',
  ],
  [
    'nullable (number → number | null)',
    t.type({ ...base, size: t.number }),
    t.type({ ...base, size: t.union([t.number, t.null]) }),
    'BACKWARD',
  ],
  [
    'type changed (string → number)',
    t.type({ ...base, size: t.string }),
    t.type({ ...base, size: t.number }),
    'NONE',
  ],
  [
    'enum widened',
    t.type({ ...base, mode: t.keyof({ a: null, b: null }) }),
    t.type({ ...base, mode: t.keyof({ a: null, b: null, c: null }) }),
    'BACKWARD',
  ],
  [
    'enum narrowed',
    t.type({ ...base, mode: t.keyof({ a: null, b: null, c: null }) }),
    t.type({ ...base, mode: t.keyof({ a: null, b: null }) }),
    'FORWARD',
  ],
  [
    'enum changed',
    t.type({ ...base, mode: t.keyof({ a: null, b: null }) }),
    t.type({ ...base, mode: t.keyof({ a: null, c: null }) }),
    'NONE',
  ],
  [
    'nested required field added',
    t.type(base),
    t.type({ ...base, prefs: t.type({ lang: t.string, theme: Theme, size: t.number }) }),
    'FORWARD',
  ],
  [
    'nested enum widened',
    t.type(base),
    t.type({
      ...base,
      prefs: t.type({ lang: t.string, theme: t.keyof({ light: null, dark: null, auto: null }) }),
    }),
    'BACKWARD',
  ],
  [
    'array items widened',
    t.type({ ...base, tags: t.array(t.string) }),
    t.type({ ...base, tags: t.array(t.union([t.string, t.number])) }),
    'BACKWARD',
  ],
  [
    'array item field added',
    t.type({ ...base, items: t.array(t.type({ id: t.string })) }),
    t.type({ ...base, items: t.array(t.type({ id: t.string, done: t.boolean })) }),
    'FORWARD',
  ],
  [
    'record values narrowed',
    t.type({ ...base, counts: t.record(t.string, t.union([t.number, t.string])) }),
    t.type({ ...base, counts: t.record(t.string, t.number) }),
    'FORWARD',
  ],
  [
    'tuple item widened',
    t.type({ ...base, at: t.tuple([t.number, t.number]) }),
    t.type({ ...base, at: t.tuple([t.number, t.union([t.number, t.null])]) }),
    'BACKWARD',
  ],
  [
    'refinement added',
    t.type({ ...base, name: t.string }),
    t.type({ ...base, name: NonEmpty }),
    'FORWARD',
  ],
  [
    'refinement removed',
    t.type({ ...base, name: NonEmpty }),
    t.type({ ...base, name: t.string }),
    'BACKWARD',
  ],
  ['number → integer', t.type({ ...base, n: t.number }), t.type({ ...base, n: t.Int }), 'FORWARD'],
  [
    'field renamed (title → name)',
    t.type(base),
    t.type({ name: t.string, prefs: base.prefs }),
    'NONE',
  ],
];

const migrator = (before: t.Mixed, after: t.Mixed) =>
  new Migrator().schema('1.0.0', before).schema('1.1.0', after);

const right = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected a Right, got ${String(either.left)}`);
  return either.right;
};

/** A counterexample that is one: valid at one side, rejected by the other. */
const assertCounterexample = (
  c: Counterexample | undefined,
  codecs: Readonly<Record<string, t.Mixed>>,
) => {
  expect(c, 'a counterexample').to.not.equal(undefined);
  expect(E.isRight(codecs[c!.validAt]!.decode(c!.state)), 'valid where it says').to.equal(true);
  expect(E.isLeft(codecs[c!.rejectedBy]!.decode(c!.state)), 'rejected where it says').to.equal(
    true,
  );
  expect(c!.errors).to.not.be.empty;
};

/** Every sampled state of `from` is accepted by `to`. */
const allAccepted = (from: t.Mixed, to: t.Mixed, seed: number) =>
  fc.sample(arbitraryFor(from), { numRuns: 1000, seed }).every((s) => E.isRight(to.decode(s)));

describe('compatibility: the catalogue of edge kinds', () => {
  for (const [name, before, after, expected] of catalogue) {
    it(`${name} → ${expected}`, () => {
      const m = migrator(before, after);
      const sampled = right(compatibilityOf(m, { from: '1.0.0', to: '1.1.0' }, { runs: 1000 }));
      expect(sampled.class).to.equal(expected);
      expect([sampled.older, sampled.newer]).to.deep.equal(['1.0.0', '1.1.0']);
      const codecs = { '1.0.0': before, '1.1.0': after };
      // The definition, checked on 1,000 fresh states of each side (another seed).
      const backward = expected === 'FULL' || expected === 'BACKWARD';
      const forward = expected === 'FULL' || expected === 'FORWARD';
      if (backward) expect(allAccepted(before, after, 7), 'old states valid at new').to.equal(true);
      else assertCounterexample(sampled.backward.counterexample, codecs);
      if (forward) expect(allAccepted(after, before, 7), 'new states valid at old').to.equal(true);
      else assertCounterexample(sampled.forward.counterexample, codecs);
      if (expected === 'NONE') assertCounterexample(sampled.counterexample, codecs);
    });
  }

  it('decides the catalogue from the schemas alone, where containment is decidable', () => {
    for (const [name, before, after, expected] of catalogue) {
      if (name.startsWith('refinement')) continue; // a predicate only one side has: sampling decides
      const result = right(compatibility(migrator(before, after), { from: '1.0.0', to: '1.1.0' }));
      expect(result.class, name).to.equal(expected);
      for (const verdict of [result.backward, result.forward]) {
        expect(verdict.by, name).to.equal('schema');
        expect(verdict.holds, `${name}: ${verdict.reason}`).to.not.equal(undefined);
      }
    }
  });

  it('leaves an added refinement undecided in the core and lets sampling refute it', () => {
    const m = migrator(t.type({ name: t.string }), t.type({ name: NonEmpty }));
    const decided = right(compatibility(m, { from: '1.0.0', to: '1.1.0' }));
    expect(decided.backward.holds).to.equal(undefined);
    expect(decided.backward.reason).to.contain('NonEmptyString');
    expect(decided.class).to.equal('FORWARD');
    const sampled = right(compatibilityOf(m, { from: '1.0.0', to: '1.1.0' }, { runs: 200 }));
    expect(sampled.backward).to.include({ holds: false, by: 'sampling' });
    expect(sampled.backward.counterexample?.state).to.deep.equal({ name: '' });
  });

  it('takes an undecided direction no sample refutes as holding, by sampling', () => {
    const Short = t.refinement(t.string, (s) => s.length < 1000, 'Short');
    const m = migrator(t.type({ name: t.string }), t.type({ name: Short }));
    expect(right(compatibility(m, { from: '1.0.0', to: '1.1.0' })).class).to.equal('FORWARD');
    const sampled = right(compatibilityOf(m, { from: '1.0.0', to: '1.1.0' }, { runs: 300 }));
    expect(sampled.class).to.equal('FULL');
    expect(sampled.backward).to.include({ holds: true, by: 'sampling', samples: 300 });
  });

  it('orders the edge by version and explains the rename with a counterexample', () => {
    const m = migrator(t.type({ title: t.string }), t.type({ name: t.string }));
    const result = right(compatibility(m, { from: '1.1.0', to: '1.0.0' }));
    expect(result).to.deep.include({ older: '1.0.0', newer: '1.1.0', class: 'NONE' });
    expect(result.counterexample).to.deep.equal({
      state: { title: '' },
      validAt: '1.0.0',
      rejectedBy: '1.1.0',
      errors: ['name: expected string, got undefined'],
    });
    expect(result.reason).to.contain('`name` is required');
  });

  it('is a Left with reason no_schema for a version without a codec', () => {
    const m = new Migrator().schema('1.0.0', t.type({}));
    const result = compatibility(m, { from: '1.0.0', to: '2.0.0' });
    expect(E.isLeft(result) && (result.left as { reason?: string }).reason).to.equal('no_schema');
  });

  it('treats the same custom codec on both sides as the same, another one as undecided', () => {
    const Custom = new t.Type<Date, string>(
      'DateFromISOString',
      (u): u is Date => u instanceof Date,
      (u, c) => (typeof u === 'string' ? t.success(new Date(u)) : t.failure(u, c)),
      (d) => d.toISOString(),
    );
    const same = right(
      compatibility(migrator(t.type({ at: Custom }), t.type({ at: Custom, x: t.string })), {
        from: '1.0.0',
        to: '1.1.0',
      }),
    );
    expect(same.class).to.equal('FORWARD');
    const other = right(
      compatibility(migrator(t.type({ at: Custom }), t.type({ at: t.string })), {
        from: '1.0.0',
        to: '1.1.0',
      }),
    );
    expect(other.backward.holds).to.equal(undefined);
    expect(other.forward.holds).to.equal(undefined);
  });

  it('follows recursive schemas', () => {
    interface Tree {
      readonly name: string;
      children: Tree[];
    }
    const Tree: t.Type<Tree> = t.recursion('Tree', () =>
      t.type({ name: t.string, children: t.array(Tree) }),
    );
    interface Tree2 {
      readonly name: string | number;
      children: Tree2[];
    }
    const Tree2: t.Type<Tree2> = t.recursion('Tree', () =>
      t.type({ name: t.union([t.string, t.number]), children: t.array(Tree2) }),
    );
    const m = migrator(t.type({ root: Tree }), t.type({ root: Tree2 }));
    expect(right(compatibilityOf(m, { from: '1.0.0', to: '1.1.0' }, { runs: 300 })).class).to.equal(
      'BACKWARD',
    );
  });
});

// --- the containment is sound on random pairs of codecs -------------------------------------

const leaf = fc.constantFrom<t.Mixed>(
  t.string,
  t.number,
  t.boolean,
  t.null,
  t.keyof({ a: null, b: null }),
  t.keyof({ a: null }),
  t.literal(1),
);
const { codec } = fc.letrec<{ codec: t.Mixed }>((tie) => ({
  codec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('codec').map((c) => t.array(c)),
    fc
      .dictionary(fc.constantFrom('a', 'b', 'c'), tie('codec'), { maxKeys: 3 })
      .chain((props) => fc.boolean().map((req) => (req ? t.type(props) : t.partial(props)))),
    fc.tuple(tie('codec'), tie('codec')).map(([x, y]) => t.union([x, y])),
    tie('codec').map((c) => t.record(t.string, c)),
  ),
}));

describe('compatibility: containment is sound', () => {
  it('never decides a direction that sampled states refute, and every refutation is real', () => {
    fc.assert(
      fc.property(codec, codec, (before, after) => {
        const m = migrator(before, after);
        const result = right(compatibility(m, { from: '1.0.0', to: '1.1.0' }));
        const codecs = { '1.0.0': before, '1.1.0': after };
        const sides = [
          [result.backward, before, after],
          [result.forward, after, before],
        ] as const;
        for (const [verdict, from, to] of sides) {
          if (verdict.holds === true) {
            const states = fc.sample(arbitraryFor(from), { numRuns: 100, seed: 3 });
            for (const s of states) expect(E.isRight(to.decode(s)), verdict.reason).to.equal(true);
          }
          if (verdict.holds === false) assertCounterexample(verdict.counterexample, codecs);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('compares plain schemas too', () => {
    const a = toJsonSchema(t.type({ a: t.string, b: t.number }));
    const b = toJsonSchema(t.type({ a: t.string }));
    expect(containment(a, b).holds).to.equal(true);
    expect(containment(b, a)).to.deep.include({ holds: false, witness: { a: '' } });
  });
});

// --- policies ---------------------------------------------------------------------------------

const policyOf = (value: unknown): CompatibilityPolicy => right(parseCompatibilityPolicy(value));

const result = (older: string, newer: string, cls: CompatibilityClass): Compatibility =>
  ({ older, newer, class: cls }) as Compatibility;

describe('compatibility policies', () => {
  it('orders the classes: FULL meets all, NONE meets only NONE', () => {
    expect(meetsClass('FULL', 'BACKWARD')).to.equal(true);
    expect(meetsClass('BACKWARD', 'FULL')).to.equal(false);
    expect(meetsClass('FORWARD', 'BACKWARD')).to.equal(false);
    expect(meetsClass('NONE', 'NONE')).to.equal(true);
    expect(meetsClass('NONE', 'FORWARD')).to.equal(false);
  });

  it('reads default, ranges and approved breaks', () => {
    expect(
      policyOf({
        default: 'BACKWARD',
        '2.x': 'FULL',
        approved: [{ from: '1.0.0', to: '2.0.0', reason: 'the rewrite' }],
      }),
    ).to.deep.equal({
      default: 'BACKWARD',
      ranges: [{ range: '2.x', class: 'FULL' }],
      approved: [{ from: '1.0.0', to: '2.0.0', reason: 'the rewrite' }],
    });
  });

  it('refuses a bad class, a key that is no range, and an approval without reason', () => {
    const bad = [
      [{ default: 'full' }, 'default'],
      [{ '2.x': 'SOME' }, "'2.x'"],
      [{ defualt: 'FULL' }, 'defualt'],
      [{ approved: [{ from: '1.0.0', to: '2.0.0' }] }, 'approved[0]'],
      [{ approved: [{ from: '1.0.0', to: '2.0.0', reason: ' ' }] }, 'approved[0]'],
      [{ approved: [{ from: 'x', to: '2.0.0', reason: 'r' }] }, 'approved[0]'],
      [{ approved: {} }, 'approved'],
      [['FULL'], ''],
    ] as const;
    for (const [value, path] of bad) {
      const parsed = parseCompatibilityPolicy(value);
      expect(E.isLeft(parsed), JSON.stringify(value)).to.equal(true);
      expect(E.isLeft(parsed) && parsed.left.message).to.contain(
        path === '' ? 'compatibility' : path,
      );
    }
  });

  it('requires the directions of every range the newer version is in, else the default', () => {
    const policy = policyOf({ default: 'NONE', '2.x': 'BACKWARD', '>=2.1.0': 'FORWARD' });
    expect(requiredClass(policy, '1.5.0')).to.deep.equal({ class: 'NONE', source: 'default' });
    expect(requiredClass(policy, '2.0.0').class).to.equal('BACKWARD');
    expect(requiredClass(policy, '2.1.0')).to.deep.equal({
      class: 'FULL',
      source: "'2.x', '>=2.1.0'",
    });
  });

  it('fails an edge below its policy unless approved, and names unused approvals', () => {
    const policy = policyOf({
      default: 'BACKWARD',
      '2.x': 'FULL',
      approved: [
        { from: '2.0.0', to: '1.0.0', reason: 'the rewrite' },
        { from: '2.0.0', to: '2.1.0', reason: 'no longer needed' },
      ],
    });
    const report = enforcePolicy(policy, [
      result('0.9.0', '1.0.0', 'FORWARD'),
      result('1.0.0', '2.0.0', 'NONE'),
      result('2.0.0', '2.1.0', 'FULL'),
      result('2.1.0', '2.2.0', 'BACKWARD'),
    ]);
    expect(report.verdicts.map((v) => [v.newer, v.required, v.status])).to.deep.equal([
      ['1.0.0', 'BACKWARD', 'violation'],
      ['2.0.0', 'FULL', 'approved'],
      ['2.1.0', 'FULL', 'ok'],
      ['2.2.0', 'FULL', 'violation'],
    ]);
    expect(report.verdicts[1]!.reason).to.equal('the rewrite');
    expect(report.unusedApprovals).to.deep.equal([
      { from: '2.0.0', to: '2.1.0', reason: 'no longer needed' },
    ]);
  });

  it('requires nothing of an edge when there is no default and no range matches', () => {
    const report = enforcePolicy(policyOf({ '3.x': 'FULL' }), [result('1.0.0', '1.1.0', 'NONE')]);
    expect(report.verdicts[0]).to.include({ status: 'ok', required: undefined });
  });
});
