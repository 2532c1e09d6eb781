import { toJsonSchema as valibotJsonSchema, toStandardJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import * as v from 'valibot';
import { z } from 'zod';
import {
  fromStandardSchema,
  isStandardSchema,
  jsonSchema,
  Migrator,
  MigrationError,
  StandardSchemaType,
  toJsonSchema,
  versioned,
  type AnyState,
  type JsonSchema,
  type StandardSchemaV1,
} from '../../lib/core/index.js';
import { arbitraryFor, UnsupportedCodecError } from '../../lib/testing/index.js';

const left = <L, R>(e: E.Either<L, R>): L => {
  if (E.isRight(e)) throw new Error(`expected a Left, got ${JSON.stringify(e.right)}`);
  return e.left;
};
const right = <L, R>(e: E.Either<L, R>): R => {
  if (E.isLeft(e)) throw new Error(`expected a Right, got ${String(e.left)}`);
  return e.right;
};

// --- the same shapes in each library ------------------------------------------------------

/** A field of a generated shape: its kind and whether it may be absent. */
type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'enum' | 'literal' | 'nullable';
interface Field {
  readonly kind: Kind;
  readonly optional: boolean;
}
type Shape = Readonly<Record<string, Field>>;

const io = (shape: Shape): t.Mixed => {
  const base = (kind: Kind): t.Mixed =>
    ({
      string: t.string,
      number: t.number,
      boolean: t.boolean,
      strings: t.array(t.string),
      enum: t.keyof({ light: null, dark: null }),
      literal: t.literal('email'),
      nullable: t.union([t.number, t.null]),
    })[kind];
  const pick = (optional: boolean) =>
    Object.fromEntries(
      Object.entries(shape)
        .filter(([, f]) => f.optional === optional)
        .map(([k, f]) => [k, base(f.kind)]),
    );
  return t.intersection([t.type(pick(false)), t.partial(pick(true))]);
};

const zodOf = (shape: Shape) => {
  const base = (kind: Kind) =>
    ({
      string: z.string(),
      number: z.number(),
      boolean: z.boolean(),
      strings: z.array(z.string()),
      enum: z.enum(['light', 'dark']),
      literal: z.literal('email'),
      nullable: z.number().nullable(),
    })[kind];
  return z.object(
    Object.fromEntries(
      Object.entries(shape).map(([k, f]) => [
        k,
        f.optional ? base(f.kind).optional() : base(f.kind),
      ]),
    ),
  );
};

const valibotOf = (shape: Shape) => {
  const base = (kind: Kind) =>
    ({
      string: v.string(),
      number: v.number(),
      boolean: v.boolean(),
      strings: v.array(v.string()),
      enum: v.picklist(['light', 'dark']),
      literal: v.literal('email'),
      nullable: v.nullable(v.number()),
    })[kind];
  return toStandardJsonSchema(
    v.object(
      Object.fromEntries(
        Object.entries(shape).map(([k, f]) => [
          k,
          f.optional ? v.optional(base(f.kind)) : base(f.kind),
        ]),
      ),
    ),
  );
};

const arktypeOf = (shape: Shape) => {
  const base = {
    string: 'string',
    number: 'number',
    boolean: 'boolean',
    strings: 'string[]',
    enum: "'light' | 'dark'",
    literal: "'email'",
    nullable: 'number | null',
  } as const;
  return type(
    Object.fromEntries(
      Object.entries(shape).map(([k, f]) => [f.optional ? `${k}?` : k, base[f.kind]]),
    ) as never,
  ) as unknown as StandardSchemaV1;
};

const libraries = [
  ['zod', zodOf],
  ['valibot', valibotOf],
  ['arktype', arktypeOf],
] as const;

const shapes: fc.Arbitrary<Shape> = fc.dictionary(
  fc.constantFrom('name', 'email', 'theme', 'tags', 'size', 'kind', 'note', 'flag'),
  fc.record({
    kind: fc.constantFrom<Kind>(
      'string',
      'number',
      'boolean',
      'strings',
      'enum',
      'literal',
      'nullable',
    ),
    optional: fc.boolean(),
  }),
  { minKeys: 1, maxKeys: 5 },
);

const Profile = z.object({
  state_version: z.string(),
  name: z.string(),
  address: z.object({ city: z.string(), lines: z.array(z.string()) }),
});

describe('Standard Schema validators (lib/core/standard-schema.ts)', () => {
  describe('fromStandardSchema', () => {
    it('recognises zod, valibot and arktype validators, and nothing else', () => {
      expect(isStandardSchema(Profile)).to.equal(true);
      expect(isStandardSchema(v.string())).to.equal(true);
      expect(isStandardSchema(type('string'))).to.equal(true);
      expect(isStandardSchema(t.string)).to.equal(false);
      expect(isStandardSchema({ '~standard': { version: 2, validate: () => ({}) } })).to.equal(
        false,
      );
      expect(isStandardSchema(null)).to.equal(false);
    });

    it('is a codec: decode gives the validator’s value, is agrees with it', () => {
      const codec = fromStandardSchema(z.object({ n: z.number() }));
      expect(codec).to.be.instanceOf(StandardSchemaType);
      expect(codec.name).to.equal('zod schema');
      expect(fromStandardSchema(Profile, { name: 'Profile' }).name).to.equal('Profile');
      expect(right(codec.decode({ n: 1 }))).to.deep.equal({ n: 1 });
      expect(codec.is({ n: 1 })).to.equal(true);
      expect(codec.is({ n: '1' })).to.equal(false);
    });

    it('turns each issue into an error at its field path, for each library', () => {
      const bad = { name: 1, address: { city: 'x', lines: ['a', 2] } };
      const lines = (s: StandardSchemaV1) =>
        left(
          new Migrator().schema('1.0.0', s).migrate({ state_version: '1.0.0', ...bad }, '1.0.0'),
        );
      expect(lines(Profile)).to.be.instanceOf(MigrationError);
      expect((lines(Profile) as MigrationError).validationErrors).to.deep.equal([
        'name: Invalid input: expected string, received number',
        'address.lines[1]: Invalid input: expected string, received number',
      ]);
      const valibot = v.object({
        name: v.string(),
        address: v.object({ city: v.string(), lines: v.array(v.string()) }),
      });
      expect((lines(valibot) as MigrationError).validationErrors).to.deep.equal([
        'name: Invalid type: Expected string but received 1',
        'address.lines[1]: Invalid type: Expected string but received 2',
      ]);
      const ark = type({ name: 'string', address: { city: 'string', lines: 'string[]' } });
      // arktype's own messages start with the path: it is not repeated.
      expect((lines(ark) as MigrationError).validationErrors).to.deep.equal([
        'address.lines[1]: must be a string (was a number)',
        'name: must be a string (was a number)',
      ]);
    });

    it('keeps the path of an io-ts codec around the validator', () => {
      const codec = t.type({ profile: fromStandardSchema(Profile) });
      const m = new Migrator().schema('1.0.0', codec);
      const error = left(
        m.migrate({ state_version: '1.0.0', profile: { state_version: 'x' } }, '1.0.0'),
      );
      expect((error as MigrationError).validationErrors).to.deep.equal([
        'profile.name: Invalid input: expected string, received undefined',
        'profile.address: Invalid input: expected object, received undefined',
      ]);
    });

    it('refuses, at registration, a validator that answers with a promise', () => {
      const async = v.pipeAsync(
        v.object({ a: v.string() }),
        v.checkAsync(async () => true),
      );
      const refusal =
        /The valibot validator answered with a promise: migraph validates synchronously/;
      expect(() => new Migrator().schema('1.0.0', async)).to.throw(TypeError, refusal);
      expect(() => versioned('1.0.0', async)).to.throw(TypeError, refusal);
      expect(() =>
        versioned('1.0.0', Profile).to('2.0.0', async, { up: () => ({ a: 'x' }) }),
      ).to.throw(TypeError, refusal);
    });

    it('fails the validation, never passes it, when a validator turns async only for some states', () => {
      // zod answers synchronously for undefined (the object check fails first): the probe passes.
      const lazy = z.object({ a: z.string() }).refine(async () => true);
      const m = new Migrator()
        .schema('1.0.0', lazy)
        .register('0.9.0', '1.0.0', (s) => ({ ...s, a: 'x' }));
      const error = left(m.migrate({ state_version: '0.9.0' }));
      expect(error).to.deep.include({
        reason: 'validation_failed',
        from: '0.9.0',
        to: '1.0.0',
        step: 0,
      });
      expect(error.message).to.match(/The zod validator answered with a promise/);
    });
  });

  describe('in a migrator', () => {
    const States = {
      '1.1.0': z.object({ state_version: z.string(), b: z.number() }),
      '1.2.0': v.object({ state_version: v.string(), b: v.number(), c: v.string() }),
      '2.0.0': type({ state_version: 'string', c: 'string' }),
    };
    const add = (key: string, value: unknown) => (s: AnyState) => ({ ...s, [key]: value });
    const chain = (validate: 'each-step' | 'final' | 'off', middle = add('c', 'x')) =>
      new Migrator({ validate })
        .register('1.0.0', '1.1.0', add('b', 1))
        .register('1.1.0', '1.2.0', middle)
        .register('1.2.0', '2.0.0', ({ b: _b, ...s }) => s)
        .schema('1.1.0', States['1.1.0'])
        .schema('1.2.0', States['1.2.0'])
        .schema('2.0.0', States['2.0.0']);

    for (const mode of ['each-step', 'final', 'off'] as const) {
      it(`migrates a valid chain with validate: '${mode}'`, () => {
        expect(right(chain(mode).migrate({ state_version: '1.0.0' }))).to.deep.equal({
          state_version: '2.0.0',
          c: 'x',
        });
      });
    }

    it("'each-step' blames the step whose result a validator rejects, naming the field", () => {
      const error = left(chain('each-step', add('c', 42)).migrate({ state_version: '1.0.0' }));
      expect(error).to.be.instanceOf(MigrationError);
      expect(error).to.deep.include({
        reason: 'validation_failed',
        from: '1.1.0',
        to: '1.2.0',
        step: 1,
      });
      expect((error as MigrationError).validationErrors).to.deep.equal([
        'c: Invalid type: Expected string but received 42',
      ]);
    });

    it("'final' checks only the result, 'off' nothing", () => {
      const invalidMiddle = (s: AnyState) => ({ ...s, b: 'x', c: 'x' });
      expect(
        right(chain('final', invalidMiddle).migrate({ state_version: '1.0.0' })),
      ).to.deep.equal({
        state_version: '2.0.0',
        c: 'x',
      });
      expect(
        left(chain('final', add('c', 42)).migrate({ state_version: '1.0.0' }, '1.2.0')),
      ).to.deep.include({ reason: 'validation_failed', step: 1 });
      expect(
        right(chain('off', add('c', 42)).migrate({ state_version: '1.0.0' }, '1.2.0')),
      ).to.deep.equal({ state_version: '1.2.0', b: 1, c: 42 });
    });

    it('keeps the state as it was, fields the validator strips included', () => {
      const m = new Migrator().schema('1.0.0', z.object({ a: z.string() }));
      expect(right(m.migrate({ state_version: '1.0.0', a: 'x', extra: 1 }, '1.0.0'))).to.deep.equal(
        {
          state_version: '1.0.0',
          a: 'x',
          extra: 1,
        },
      );
    });

    it('types and runs a versioned chain of validators', () => {
      const settings = versioned(
        '1.0.0',
        z.object({ state_version: z.string(), title: z.string() }),
      )
        .to('2.0.0', type({ state_version: 'string', name: 'string' }), {
          up: ({ title, ...s }) => ({ ...s, name: title }),
          down: ({ name, ...s }) => ({ ...s, title: name }),
        })
        .build({ validate: 'each-step' });
      const migrated = settings.migrate({ state_version: '1.0.0', title: 'T' });
      expect(E.isRight(migrated) && migrated.right).to.deep.equal({
        state_version: '2.0.0',
        name: 'T',
      });
      const refused = settings.migrate({ state_version: '1.0.0', title: 3 });
      expect(E.isLeft(refused) && refused.left).to.deep.include({ reason: 'invalid_input' });
    });
  });

  describe('JSON Schema and arbitraries', () => {
    it('gives the same canonical schema as io-ts for the same shape, in every library', () => {
      fc.assert(
        fc.property(shapes, (shape) => {
          const expected = toJsonSchema(io(shape));
          for (const [, of] of libraries) {
            expect(toJsonSchema(fromStandardSchema(of(shape)))).to.deep.equal(expected);
          }
        }),
        { numRuns: 60 },
      );
    });

    it('draws only states the validator accepts, from its JSON Schema', () => {
      fc.assert(
        fc.property(shapes, fc.integer(), (shape, seed) => {
          for (const [, of] of libraries) {
            const codec = fromStandardSchema(of(shape));
            for (const state of fc.sample(arbitraryFor(codec), { numRuns: 5, seed })) {
              expect(codec.is(state), JSON.stringify(state)).to.equal(true);
              expect(io(shape).is(state), JSON.stringify(state)).to.equal(true);
            }
          }
        }),
        { numRuns: 15 },
      );
    });

    it('filters by the validator what its JSON Schema cannot say (a refinement)', () => {
      const codec = fromStandardSchema(z.object({ n: z.number().refine((n) => n > 0) }));
      expect(toJsonSchema(codec)).to.deep.equal(toJsonSchema(t.type({ n: t.number })));
      for (const state of fc.sample(arbitraryFor(codec), { numRuns: 50, seed: 7 })) {
        expect((state as { n: number }).n).to.be.greaterThan(0);
      }
    });

    it('names the definitions of a recursive validator after it, and draws from them', () => {
      interface Tree {
        name: string;
        children: Tree[];
      }
      const ZTree: z.ZodType<Tree> = z.object({
        name: z.string(),
        get children() {
          return z.array(ZTree);
        },
      });
      const schema = toJsonSchema(fromStandardSchema(ZTree));
      expect(schema.$ref).to.equal('#/$defs/zod_schema');
      expect(Object.keys(schema.$defs as JsonSchema)).to.deep.equal(['zod_schema']);
      const ark = toJsonSchema(fromStandardSchema(type({ name: 'string', children: 'this[]' })));
      expect(Object.keys(ark.$defs as JsonSchema)).to.deep.equal([
        'arktype_schema',
        'arktype_schema_2',
      ]);
      const codec = fromStandardSchema(ZTree);
      for (const state of fc.sample(arbitraryFor(codec), { numRuns: 20, seed: 3 })) {
        expect(codec.is(state)).to.equal(true);
      }
    });

    it('is what jsonSchema(m, version) exports for a version with a validator', () => {
      const m = new Migrator().schema('1.0.0', Profile);
      expect(right(jsonSchema(m, '1.0.0'))).to.deep.equal(
        toJsonSchema(fromStandardSchema(Profile)),
      );
    });

    it('marks a validator that gives no JSON Schema, and takes one given instead', () => {
      const plain = v.object({ a: v.string() });
      expect(toJsonSchema(fromStandardSchema(plain))).to.deep.equal({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        'x-migraph-codec': 'valibot schema',
      });
      expect(() => arbitraryFor(fromStandardSchema(plain))).to.throw(
        UnsupportedCodecError,
        /its validator gives no JSON Schema to draw from/,
      );
      const given = fromStandardSchema(plain, {
        jsonSchema: valibotJsonSchema(plain, { target: 'draft-2020-12' }) as JsonSchema,
      });
      expect(toJsonSchema(given)).to.deep.equal(toJsonSchema(t.type({ a: t.string })));
      expect(
        fc.sample(arbitraryFor(given), { numRuns: 5, seed: 1 }).every((s) => given.is(s)),
      ).to.equal(true);
    });

    it('says which validator cannot give its JSON Schema, and how to give one', () => {
      const codec = fromStandardSchema(z.object({ when: z.date() }));
      expect(() => toJsonSchema(codec)).to.throw(
        TypeError,
        /The zod schema cannot give its JSON Schema: .*Date cannot be represented in JSON Schema; pass one as fromStandardSchema\(validator, \{ jsonSchema \}\)/,
      );
    });
  });
});
