import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { AgentStateV1_0, AgentStateV1_1, validateState } from '../../lib/index.js';
import {
  agentStateV1_0Arbitrary,
  AgentStateV1_0Strict,
  arbitraryFor,
  UnsupportedCodecError,
} from '../../lib/testing/index.js';

interface PositiveBrand {
  readonly Positive: unique symbol;
}
const Positive = t.brand(t.number, (n): n is t.Branded<number, PositiveBrand> => n > 0, 'Positive');

interface Tree {
  readonly value: number;
  readonly children: Tree[];
}
const Tree: t.Type<Tree> = t.recursion('Tree', (self) =>
  t.type({ value: t.number, children: t.array(self) }),
);
type List = { readonly head: string; readonly tail: List } | null;
const List: t.Type<List> = t.recursion('List', (self) =>
  t.union([t.null, t.type({ head: t.string, tail: self })]),
);

/** One codec per combinator SPEC §11 lists, each of which arbitraryFor must map. */
const combinators: Record<string, t.Mixed> = {
  type: t.type({ a: t.string, b: t.number }),
  partial: t.partial({ a: t.string, b: t.array(t.number) }),
  exact: t.exact(t.type({ a: t.boolean })),
  strict: t.strict({ a: t.string }),
  intersection: t.intersection([t.type({ a: t.string }), t.partial({ b: t.number })]),
  'intersection sharing a key': t.intersection([
    t.type({ mode: t.string, meta: t.type({ a: t.number }) }),
    t.type({ mode: t.keyof({ x: null, y: null }), meta: t.type({ b: t.string }) }),
  ]),
  'intersection of non-objects': t.intersection([t.number, t.Int]),
  union: t.union([t.string, t.number, t.type({ kind: t.literal('c') })]),
  literal: t.literal('fixed'),
  keyof: t.keyof({ red: null, green: null }),
  array: t.array(t.string),
  record: t.record(t.string, t.number),
  'record with a finite domain': t.record(t.keyof({ a: null, b: null }), t.boolean),
  tuple: t.tuple([t.string, t.number, t.null]),
  readonly: t.readonly(t.type({ a: t.string })),
  readonlyArray: t.readonlyArray(t.number),
  null: t.null,
  undefined: t.undefined,
  void: t.void,
  string: t.string,
  number: t.number,
  boolean: t.boolean,
  bigint: t.bigint,
  unknown: t.unknown,
  UnknownArray: t.UnknownArray,
  UnknownRecord: t.UnknownRecord,
  Int: t.Int,
  branded: Positive,
  refinement: t.refinement(t.string, (s) => s.length % 2 === 0, 'EvenLength'),
  'recursive (array)': Tree,
  'recursive (union)': List,
  AgentStateV1_0,
  AgentStateV1_1,
  AgentStateV1_0Strict,
};

/** Walks every value of a JSON-like tree. */
const everyNode = (value: unknown, ok: (v: unknown) => boolean): boolean =>
  ok(value) &&
  (typeof value !== 'object' ||
    value === null ||
    Object.values(value).every((v) => everyNode(v, ok)));

const depthOf = (tree: Tree): number => 1 + Math.max(0, ...tree.children.map(depthOf));

describe('arbitraryFor', () => {
  describe('generates values every codec accepts', () => {
    for (const [name, codec] of Object.entries(combinators)) {
      it(name, () => {
        fc.assert(
          fc.property(arbitraryFor(codec), (value) => {
            expect(codec.is(value), fc.stringify(value)).to.equal(true);
            expect(E.isRight(codec.decode(value))).to.equal(true);
          }),
          { numRuns: name.startsWith('AgentState') ? 60 : 150 },
        );
      });
    }
  });

  it('generates AgentStates that pass strict validation', () => {
    fc.assert(
      fc.property(agentStateV1_0Arbitrary(), (state) => {
        expect(state.state_version).to.equal('1.0.0');
        expect(validateState(state, { strict: true })).to.equal(true);
      }),
      { numRuns: 60 },
    );
  });

  it('leaves optional keys absent as well as present, and present arrays empty as well as not', () => {
    const values = fc.sample(arbitraryFor(t.partial({ tags: t.array(t.string) })), {
      numRuns: 300,
      seed: 1,
    });
    expect(values.some((v) => !('tags' in v))).to.equal(true);
    expect(values.some((v) => v.tags?.length === 0)).to.equal(true);
    expect(values.some((v) => (v.tags?.length ?? 0) > 0)).to.equal(true);
  });

  it('draws every member of a union and every key of a keyof', () => {
    const unions = fc.sample(arbitraryFor(combinators.union!), { numRuns: 300, seed: 2 });
    expect(new Set(unions.map((v) => typeof v))).to.deep.equal(
      new Set(['string', 'number', 'object']),
    );
    const keys = fc.sample(arbitraryFor(combinators.keyof!), { numRuns: 100, seed: 2 });
    expect(new Set(keys)).to.deep.equal(new Set(['red', 'green']));
  });

  it('unfolds recursive codecs up to maxDepth and no further', () => {
    const depths = new Set(
      fc.sample(arbitraryFor(Tree, { maxDepth: 2 }), { numRuns: 300, seed: 3 }).map(depthOf),
    );
    expect([...depths].sort()).to.deep.equal([1, 2]);
    expect(fc.sample(arbitraryFor(List, { maxDepth: 1 }), 20)).to.deep.equal(Array(20).fill(null));
  });

  it('generates JSON-like values: finite numbers, no -0, plain objects, dangerous keys as data', () => {
    const numbers = fc.sample(arbitraryFor(t.number), { numRuns: 2000, seed: 4 });
    expect(numbers.filter((n) => !Number.isFinite(n) || Object.is(n, -0))).to.deep.equal([]);
    const values = fc.sample(arbitraryFor(t.record(t.string, t.unknown)), {
      numRuns: 500,
      seed: 4,
    });
    const jsonLike = (v: unknown) =>
      (typeof v !== 'number' || (Number.isFinite(v) && !Object.is(v, -0))) &&
      (typeof v !== 'object' ||
        v === null ||
        Array.isArray(v) ||
        Object.getPrototypeOf(v) === Object.prototype) &&
      v !== undefined;
    expect(values.every((v) => everyNode(v, jsonLike))).to.equal(true);
    const withProto = values.filter((v) => Object.prototype.hasOwnProperty.call(v, '__proto__'));
    expect(withProto.length).to.be.greaterThan(10);
    expect(withProto.every((v) => Object.getPrototypeOf(v) === Object.prototype)).to.equal(true);
  });

  it('respects maxLength and maxStringLength', () => {
    const codec = t.type({ list: t.array(t.string), map: t.record(t.string, t.number) });
    const values = fc.sample(arbitraryFor(codec, { maxLength: 2, maxStringLength: 3 }), 300);
    expect(
      values.every(
        (v) =>
          v.list.length <= 2 &&
          v.list.every((s) => s.length <= 3) &&
          Object.keys(v.map).length <= 2,
      ),
    ).to.equal(true);
    expect(values.some((v) => v.list.length === 2 && v.list.some((s) => s.length === 3))).to.equal(
      true,
    );
  });

  it('uses an override by codec name, for custom codecs', () => {
    const DateFromISOString = new t.Type<Date, string, unknown>(
      'DateFromISOString',
      (u): u is Date => u instanceof Date,
      (u, c) => (typeof u === 'string' ? t.success(new Date(u)) : t.failure(u, c)),
      (d) => d.toISOString(),
    );
    const Event = t.type({ at: DateFromISOString });
    const arb = arbitraryFor(Event, {
      overrides: { DateFromISOString: fc.constant(new Date(0)) },
    });
    expect(fc.sample(arb, 3)).to.deep.equal(Array(3).fill({ at: new Date(0) }));
  });

  describe('names the codec it cannot map', () => {
    const cases: [string, t.Mixed, string, string][] = [
      [
        'a custom type',
        t.type({
          items: t.array(
            t.type({
              when: new t.Type<Date>(
                'DateFromISOString',
                (u): u is Date => u instanceof Date,
                (u, c) => t.failure(u, c),
                t.identity,
              ),
            }),
          ),
        }),
        'DateFromISOString',
        "Cannot derive an arbitrary for the codec 'DateFromISOString' at .items[*].when of '{ items: Array<{ when: DateFromISOString }> }': it is not one of the io-ts combinators arbitraryFor maps; pass one as options.overrides['DateFromISOString']",
      ],
      [
        'a function',
        t.type({ callback: t.Function }),
        'Function',
        "Cannot derive an arbitrary for the codec 'Function' at .callback of '{ callback: Function }': functions are not data; pass one as options.overrides['Function']",
      ],
      [
        'never',
        t.never as unknown as t.Mixed,
        'never',
        "Cannot derive an arbitrary for the codec 'never' of 'never': t.never has no values; pass one as options.overrides['never']",
      ],
      [
        'a recursive codec with no finite value',
        t.recursion('Endless', (self: t.Mixed) => t.type({ next: self })),
        'Endless',
        "Cannot derive an arbitrary for the codec 'Endless': the recursive codec 'Endless' has no finite value within maxDepth 3",
      ],
    ];
    for (const [what, codec, name, message] of cases) {
      it(what, () => {
        let error: unknown;
        try {
          arbitraryFor(codec);
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(UnsupportedCodecError);
        expect(error).to.be.instanceOf(TypeError);
        expect((error as UnsupportedCodecError).codec).to.equal(name);
        expect((error as UnsupportedCodecError).message).to.equal(message);
      });
    }
  });

  describe('gives up on a refinement or intersection that rejects value after value', () => {
    /**
     * A predicate that counts its calls and, past a million, throws: fast-check's own filter
     * retries forever, and this turns that hang into a failure.
     */
    const counted = <T>(accepts: (value: T) => boolean) => {
      const counter = { calls: 0 };
      const predicate = (value: T): boolean => {
        counter.calls += 1;
        if (counter.calls > 1_000_000) throw new Error('arbitraryFor never gave up');
        return accepts(value);
      };
      return { counter, predicate };
    };
    const isUuid = (s: string) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
    const drawError = (arbitrary: fc.Arbitrary<unknown>): unknown => {
      try {
        fc.sample(arbitrary, { numRuns: 5, seed: 1 });
      } catch (error) {
        return error;
      }
      return undefined;
    };

    it('a refinement almost nothing passes (isUuid over t.string), named with its path', () => {
      const { counter, predicate } = counted(isUuid);
      const Uuid = t.refinement(t.string, predicate, 'Uuid');
      const User = t.type({ name: t.string, friends: t.array(t.type({ id: Uuid })) }, 'User');
      const error = drawError(arbitraryFor(User, { maxLength: 2 }));
      expect(error).to.be.instanceOf(UnsupportedCodecError);
      expect(error).to.include({ codec: 'Uuid', path: '.friends[*].id' });
      expect((error as Error).message).to.equal(
        "Cannot draw a value for the codec 'Uuid' at .friends[*].id of 'User': 10000 values in a row were rejected by its predicate; pass an arbitrary as options.overrides['Uuid']",
      );
      expect(counter.calls).to.equal(10_000);
      // The remedy the message names.
      const given = arbitraryFor(User, { overrides: { Uuid: fc.uuid() } });
      expect(fc.sample(given, { numRuns: 20, seed: 1 }).every((u) => User.is(u))).to.equal(true);
    });

    it('an intersection no value satisfies', () => {
      const { predicate } = counted((n: number) => Number.isFinite(n));
      const Count = t.refinement(t.number, predicate, 'Count');
      const Impossible = t.intersection(
        [t.type({ a: t.string }), t.type({ a: Count })],
        'Impossible',
      );
      const error = drawError(arbitraryFor(Impossible, { maxRejections: 500 }));
      expect(error).to.be.instanceOf(UnsupportedCodecError);
      expect(error).to.include({ codec: 'string & Count', path: '.a' });
      expect((error as Error).message).to.equal(
        "Cannot draw a value for the codec 'string & Count' at .a of 'Impossible': 500 values in a row were rejected by the intersection (is it satisfiable?); pass an arbitrary as options.overrides['string & Count']",
      );
    });

    it('but not a refinement that passes some values, however long it runs', () => {
      const Even = t.refinement(t.number, (n) => n % 64 === 0, 'Even');
      const values = fc.sample(arbitraryFor(Even, { maxRejections: 5_000 }), {
        numRuns: 300,
        seed: 3,
      });
      expect(values.every((n) => n % 64 === 0)).to.equal(true);
    });

    it('and shrinks within the refinement', () => {
      const Big = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 10, 'Big');
      const details = fc.check(
        fc.property(arbitraryFor(t.type({ n: Big })), ({ n }) => n < 20),
        { seed: 2 },
      );
      expect(details.failed).to.equal(true);
      expect(details.counterexample).to.deep.equal([{ n: 20 }]);
    });
  });

  it('checks its options', () => {
    expect(() => arbitraryFor(t.string, { maxDepth: -1 })).to.throw(
      TypeError,
      'Expected options.maxDepth to be a non-negative integer, got -1',
    );
    expect(() => arbitraryFor(t.string, { maxStringLength: -2 })).to.throw(
      TypeError,
      'Expected options.maxStringLength to be a non-negative integer, got -2',
    );
    expect(() => arbitraryFor(t.string, { maxLength: 1.5 })).to.throw(
      TypeError,
      'Expected options.maxLength to be a non-negative integer, got 1.5',
    );
    expect(() => arbitraryFor(t.string, { maxRejections: 0 })).to.throw(
      TypeError,
      'Expected options.maxRejections to be a positive integer, got 0',
    );
    expect(() =>
      arbitraryFor(t.string, { overrides: { string: 'abc' as unknown as fc.Arbitrary<string> } }),
    ).to.throw(TypeError, "Expected options.overrides['string'] to be a fast-check arbitrary");
  });
});
