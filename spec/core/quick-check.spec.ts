import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { checksWithIs, compileCheck } from '../../lib/core/quick-check.js';
import { AgentStateV1_0, AgentStateV1_1, Migrator } from '../../lib/index.js';
import { arbitraryFor } from '../../lib/testing/index.js';
import { left } from '../support/graphs.js';

interface Tree {
  readonly value: number;
  readonly children: readonly Tree[];
}
const Tree: t.Type<Tree> = t.recursion('Tree', () =>
  t.type({ value: t.number, children: t.readonlyArray(Tree) }),
);

/** Checking codecs of every combinator `checksWithIs` accepts. */
const checking: Record<string, t.Mixed> = {
  type: t.type({ a: t.string, b: t.union([t.number, t.null]) }),
  partial: t.partial({ a: t.boolean, b: t.undefined }),
  exact: t.exact(t.type({ a: t.number })),
  strict: t.strict({ a: t.literal('x') }),
  intersection: t.intersection([t.type({ a: t.number }), t.partial({ b: t.string })]),
  tuple: t.tuple([t.string, t.number]),
  record: t.record(t.string, t.array(t.Int)),
  keyofRecord: t.record(t.keyof({ x: null, y: null }), t.number),
  readonly: t.readonly(t.type({ a: t.UnknownArray, b: t.UnknownRecord })),
  refinement: t.refinement(t.number, (n) => n > 0, 'Positive'),
  recursion: Tree,
  agentState10: AgentStateV1_0,
  agentState11: AgentStateV1_1,
};

/** A codec that transforms: its `is` speaks of numbers, its input is a string. */
const NumberFromString = new t.Type<number, string, unknown>(
  'NumberFromString',
  (u): u is number => typeof u === 'number',
  (u, c) =>
    typeof u === 'string' && u !== '' && !Number.isNaN(Number(u))
      ? t.success(Number(u))
      : t.failure(u, c),
  String,
);

describe('validation with is first', () => {
  it('accepts codecs built from checking combinators only', () => {
    for (const [name, codec] of Object.entries(checking)) {
      expect(checksWithIs(codec), name).to.equal(true);
    }
    expect(checksWithIs(NumberFromString)).to.equal(false);
    expect(checksWithIs(t.type({ n: NumberFromString }))).to.equal(false);
  });

  it('relies on is passing only what decode accepts, on those codecs, for any value', () => {
    const values = fc.oneof(
      fc.anything(),
      fc.record({ a: fc.anything(), b: fc.anything() }),
      fc.tuple(fc.string(), fc.anything()),
      fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.integer()),
    );
    fc.assert(
      fc.property(values, (u) => {
        for (const [name, codec] of Object.entries(checking)) {
          // `is` may be stricter (a tuple with extra items): then decode runs and decides.
          if (codec.is(u)) expect(E.isRight(codec.decode(u)), name).to.equal(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps decode for a transforming codec, whose is would pass the wrong states', () => {
    const m = new Migrator()
      .register('1.0.0', '2.0.0', (s) => ({ ...s, n: 5 }))
      .schema('2.0.0', t.type({ n: NumberFromString }));
    expect(left(m.migrate({ state_version: '1.0.0' }))).to.deep.include({
      reason: 'validation_failed',
    });
  });

  describe('compiled checks', () => {
    const wide: Record<string, t.Mixed> = {
      ...checking,
      literals: t.union([t.literal('a'), t.literal(1), t.literal(true), t.null]),
      keyof: t.keyof({ x: null, 'a "quoted" key\n': null }),
      odd: t.type({ 'a "quoted" key\n': t.number, __proto__x: t.string, '': t.boolean }),
      nested: t.array(t.partial({ a: t.array(t.array(t.UnknownRecord)), b: t.undefined })),
      shared: (() => {
        const leaf = t.type({ n: t.Int });
        return t.type({ a: leaf, b: t.array(leaf), c: t.union([leaf, t.string]) });
      })(),
    };
    const anyValue = fc.oneof(
      fc.anything({ withNullPrototype: true, withSparseArray: true, withBoxedValues: true }),
      fc.record({ a: fc.anything(), b: fc.anything(), n: fc.anything() }),
      fc.array(fc.record({ a: fc.anything(), b: fc.constant(undefined) }, { requiredKeys: [] })),
    );

    it('passes only what decode accepts, for any value', () => {
      fc.assert(
        fc.property(anyValue, (u) => {
          for (const [name, codec] of Object.entries(wide)) {
            if (compileCheck(codec)!(u)) expect(E.isRight(codec.decode(u)), name).to.equal(true);
          }
        }),
        { numRuns: 1000 },
      );
    });

    it('decides what decode decides on JSON values, valid ones generated from each codec included', () => {
      for (const [name, codec] of Object.entries(wide)) {
        const check = compileCheck(codec)!;
        const json = (u: unknown) => JSON.parse(JSON.stringify(u) ?? 'null') as unknown;
        let valid = 0;
        fc.assert(
          fc.property(fc.oneof(arbitraryFor(codec), fc.jsonValue()), (u) => {
            const value = json(u);
            expect(check(value), `${name}: ${JSON.stringify(value)}`).to.equal(
              E.isRight(codec.decode(value)),
            );
            if (check(value)) valid++;
          }),
          { numRuns: 200 },
        );
        expect(valid, name).to.be.greaterThan(0);
      }
    });

    it('tests a refinement on what decode gives when the codec inside strips (exact, tuples)', () => {
      const cases: [t.Mixed, unknown][] = [
        [
          t.refinement(t.type({ pair: t.tuple([t.number]) }), (s) => s.pair.length === 1),
          { pair: [1, 2] },
        ],
        [
          t.refinement(t.exact(t.type({ kind: t.string })), (o) => !('payload' in o)),
          { kind: 'x', payload: 1 },
        ],
        [
          t.refinement(t.array(t.strict({ a: t.number })), (xs) => xs.every((x) => !('b' in x))),
          [{ a: 1, b: 2 }],
        ],
      ];
      for (const [codec, value] of cases) {
        expect(E.isRight(codec.decode(value)), codec.name).to.equal(true);
        expect(compileCheck(codec)!(value), codec.name).to.equal(true);
      }
      const passesWrongly: [t.Mixed, unknown][] = [
        [
          t.refinement(
            t.type({ pair: t.tuple([t.number]) }),
            (s) => (s.pair as readonly unknown[]).length === 2,
          ),
          { pair: [1, 2] },
        ],
        [
          t.refinement(t.exact(t.type({ kind: t.string })), (o) => 'payload' in o),
          { kind: 'x', payload: 1 },
        ],
      ];
      for (const [codec, value] of passesWrongly) {
        expect(E.isRight(codec.decode(value)), codec.name).to.equal(false);
        expect(compileCheck(codec)!(value), codec.name).to.equal(false);
      }
    });

    it('is undefined for a transforming codec, and reads no field twice', () => {
      expect(compileCheck(t.type({ n: NumberFromString }))).to.equal(undefined);
      let reads = 0;
      const state = Object.defineProperty({}, 'a', {
        enumerable: true,
        get: () => (reads++, 1),
      });
      expect(compileCheck(t.type({ a: t.union([t.string, t.number]) }))!(state)).to.equal(true);
      expect(reads).to.equal(1);
    });

    describe('codecs cloned with a stricter validate', () => {
      /** io-ts-types' `withValidate`: a clone whose `validate` and `decode` are replaced. */
      const withValidate = <C extends t.Any>(codec: C, validate: C['validate']): C => {
        const r = Object.assign(Object.create(Object.getPrototypeOf(codec) as object), codec) as {
          -readonly [K in keyof C]: C[K];
        };
        r.validate = validate;
        r.decode = (i) => validate(i, t.getDefaultContext(r as C));
        return r as C;
      };
      /** A hand-made clone: `validate` replaced, the rest (a bound `decode` too) kept. */
      const cloneValidate = <C extends t.Any>(codec: C, validate: C['validate']): C =>
        Object.assign(Object.create(Object.getPrototypeOf(codec) as object), codec, { validate });
      /** The same `validate`, stricter: also rejects what `reject` is true for. */
      const stricter =
        <C extends t.Any>(codec: C, reject: (u: unknown) => boolean): C['validate'] =>
        (u, c) =>
          reject(u) ? t.failure(u, c) : codec.validate(u, c);
      const nonBlank = (codec: t.Any) => stricter(codec, (u) => u === '' || u === ' ');

      it('fail migrate in final and each-step modes when decode rejects', () => {
        const NonBlank = withValidate(t.string, nonBlank(t.string));
        expect(E.isLeft(NonBlank.decode(''))).to.equal(true);
        for (const validate of ['final', 'each-step'] as const) {
          const m = new Migrator({ validate })
            .register('1.0.0', '2.0.0', (s) => ({ ...s, name: '' }))
            .schema('2.0.0', t.type({ name: NonBlank }));
          expect(left(m.migrate({ state_version: '1.0.0' })), validate).to.deep.include({
            reason: 'validation_failed',
          });
        }
      });

      it('never pass what decode rejects, wherever the clone sits (property)', () => {
        const leaves: t.Mixed[] = [t.string, t.number, t.boolean, t.null, t.UnknownRecord];
        type Build = (inner: t.Mixed) => t.Mixed;
        const wrappers: Build[] = [
          (c) => t.type({ a: c }),
          (c) => t.partial({ a: c }),
          (c) => t.array(c),
          (c) => t.readonlyArray(c),
          (c) => t.union([c, t.undefined]),
          (c) => t.intersection([t.type({ a: c }), t.partial({ b: t.string })]),
          (c) => t.exact(t.type({ a: c })),
          (c) => t.readonly(t.type({ a: c })),
          (c) => t.refinement(c, () => true),
          (c) => t.record(t.string, c),
          (c) => t.tuple([c]),
        ];
        const clones = [withValidate, cloneValidate];
        // A few values each codec may meet: the stricter validate rejects some of them.
        const values = fc.oneof(
          fc.constantFrom('', ' ', 'x', 0, 1, true, null, {}, [], undefined),
          fc.jsonValue(),
        );
        const wrap = (u: unknown, depth: number): unknown[] =>
          depth === 0 ? [u] : [{ a: u }, [u], { a: u, b: 'x' }];
        fc.assert(
          fc.property(
            fc.constantFrom(...leaves),
            fc.array(fc.nat(wrappers.length - 1), { maxLength: 3 }),
            fc.nat(3),
            fc.nat(clones.length - 1),
            fc.func(fc.boolean()),
            values,
            (leaf, path, at, how, reject, value) => {
              // Build leaf → wrappers, replacing the node at `at` (0: the leaf) with a clone.
              const cloned = (c: t.Mixed) => clones[how]!(c, stricter(c, reject));
              let codec: t.Mixed = at === 0 ? cloned(leaf) : leaf;
              path.forEach((w, i) => {
                codec = wrappers[w]!(codec);
                if (i + 1 === at) codec = cloned(codec);
              });
              const check = compileCheck(codec);
              for (const u of [value, ...wrap(value, path.length)]) {
                if (check?.(u)) {
                  expect(E.isRight(codec.decode(u)), `${codec.name} ${JSON.stringify(u)}`).to.equal(
                    true,
                  );
                }
              }
            },
          ),
          { numRuns: 2000 },
        );
      });

      it('are still compiled when nothing is cloned, and Object.create of a codec is itself', () => {
        expect(checksWithIs(t.type({ a: t.string }))).to.equal(true);
        const same = Object.create(t.string) as t.StringType;
        expect(checksWithIs(t.type({ a: same }))).to.equal(true);
        expect(checksWithIs(t.type({ a: cloneValidate(t.string, nonBlank(t.string)) }))).to.equal(
          false,
        );
      });
    });

    it('leaves validation to decode where code cannot be generated', () => {
      const saved = globalThis.Function;
      let refused = 0;
      const blocked = function () {
        refused++;
        throw new EvalError('Refused to evaluate a string as JavaScript');
      } as unknown as FunctionConstructor;
      (globalThis as { Function: FunctionConstructor }).Function = blocked;
      try {
        expect(compileCheck(t.type({ a: t.number, b: t.array(t.string) }))).to.equal(undefined);
        expect(refused).to.equal(1);
        const m = new Migrator()
          .register('1.0.0', '2.0.0', (s) => ({ ...s, b: [2] }))
          .schema('2.0.0', t.type({ b: t.array(t.string) }));
        // Compiled on first use, not by schema().
        expect(refused).to.equal(1);
        expect(left(m.migrate({ state_version: '1.0.0' }))).to.deep.include({
          reason: 'validation_failed',
        });
        expect(refused).to.equal(2);
      } finally {
        (globalThis as { Function: FunctionConstructor }).Function = saved;
      }
    });
  });
});
