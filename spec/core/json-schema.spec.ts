import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { classify } from '../../lib/core/codec-walker.js';
import {
  canonicalJson,
  jsonSchema,
  toJsonSchema,
  withoutAnnotations,
  type JsonSchema,
} from '../../lib/core/json-schema.js';
import { AgentStateV1_0, AgentStateV1_1, Migrator } from '../../lib/index.js';
import { arbitraryFor } from '../../lib/testing/index.js';
import { codecs, Tree } from '../support/codecs.js';

const ajv = () => {
  const a = new Ajv2020({ strict: false, ownProperties: true });
  return a;
};

/** Values the codec accepts when its arbitrary exists, mixed with any JSON value. */
const valuesFor = (codec: t.Mixed): fc.Arbitrary<unknown> => {
  let accepted: fc.Arbitrary<unknown> | undefined;
  try {
    accepted = arbitraryFor(codec, { maxDepth: 3 });
  } catch {
    accepted = undefined;
  }
  const json = fc.jsonValue({ maxDepth: 3 });
  return accepted === undefined ? json : fc.oneof(accepted, json, fc.record({ a: json, b: json }));
};

describe('JSON Schema export', () => {
  it('accepts exactly the JSON values decode accepts, for random codecs of every exact combinator', () => {
    const validator = ajv();
    fc.assert(
      fc.property(
        codecs.chain((codec) =>
          fc.tuple(fc.constant(codec), fc.array(valuesFor(codec), { minLength: 5, maxLength: 5 })),
        ),
        ([codec, values]) => {
          const check = validator.compile(toJsonSchema(codec) as object);
          for (const value of values) {
            const json = JSON.parse(JSON.stringify(value ?? null)) as unknown;
            const decoded = codec.decode(json)._tag === 'Right';
            if (check(json) !== decoded) {
              throw new Error(
                `${codec.name}: decode ${decoded ? 'accepts' : 'rejects'} ${JSON.stringify(json)}, the schema does not\n${canonicalJson(toJsonSchema(codec))}`,
              );
            }
          }
        },
      ),
      { numRuns: 400, seed: 14 },
    );
  });

  it('gives byte-equal JSON for equal codecs, whatever order their keys and members were written in', () => {
    const a = t.type({ b: t.number, a: t.union([t.literal('x'), t.literal('y'), t.null]) });
    const b = t.type({ a: t.union([t.null, t.literal('y'), t.literal('x')]), b: t.number });
    expect(canonicalJson(toJsonSchema(a))).to.equal(canonicalJson(toJsonSchema(b)));
    expect(toJsonSchema(t.keyof({ x: null, y: null }))).to.deep.equal(
      toJsonSchema(t.union([t.literal('y'), t.literal('x')])),
    );
    expect(canonicalJson(toJsonSchema(AgentStateV1_1))).to.equal(
      canonicalJson(toJsonSchema(AgentStateV1_1)),
    );
    expect(canonicalJson(toJsonSchema(AgentStateV1_0))).not.to.equal(
      canonicalJson(toJsonSchema(AgentStateV1_1)),
    );
  });

  it('maps each combinator to its schema', () => {
    const schema = (codec: t.Mixed): JsonSchema => {
      const { $schema: _s, ...rest } = toJsonSchema(codec);
      return rest;
    };
    expect(schema(t.type({ a: t.string, b: t.union([t.number, t.undefined]) }))).to.deep.equal({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'number' } },
      required: ['a'],
    });
    expect(schema(t.partial({ a: t.string }))).to.deep.equal({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: [],
    });
    expect(schema(t.tuple([t.string, t.union([t.number, t.undefined])]))).to.deep.equal({
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      minItems: 1,
    });
    expect(schema(t.record(t.string, t.boolean))).to.deep.equal({
      type: 'object',
      additionalProperties: { type: 'boolean' },
    });
    expect(schema(t.Int)).to.deep.equal({ type: 'integer', 'x-migraph-refinement': 'Int' });
    expect(schema(Tree)).to.deep.equal({
      $ref: '#/$defs/Tree',
      $defs: {
        Tree: {
          type: 'object',
          properties: {
            children: { type: 'array', items: { $ref: '#/$defs/Tree' } },
            value: { type: 'number' },
          },
          required: ['children', 'value'],
        },
      },
    });
  });

  it('keeps what JSON Schema cannot say as named markers, never dropped', () => {
    const Uuid = t.refinement(t.string, (s) => /^[0-9a-f-]{36}$/.test(s), 'Uuid');
    interface PositiveBrand {
      readonly Positive: unique symbol;
    }
    const Positive = t.brand(
      t.number,
      (n): n is t.Branded<number, PositiveBrand> => n > 0,
      'Positive',
    );
    const DateFromString = new t.Type<Date, string, unknown>(
      'DateFromString',
      (u): u is Date => u instanceof Date,
      (u, c) => (typeof u === 'string' ? t.success(new Date(u)) : t.failure(u, c)),
      (d) => d.toISOString(),
    );
    const schema = toJsonSchema(t.type({ id: Uuid, n: Positive, at: DateFromString }));
    const props = schema.properties as Record<string, JsonSchema>;
    expect(props.id).to.deep.equal({ type: 'string', 'x-migraph-refinement': 'Uuid' });
    expect(props.n).to.deep.equal({ type: 'number', 'x-migraph-refinement': 'Positive' });
    expect(props.at).to.deep.equal({ 'x-migraph-codec': 'DateFromString' });
    expect(classify(DateFromString)).to.deep.equal({ kind: 'custom', name: 'DateFromString' });
  });

  it('carries descriptions, which the drift form leaves out', () => {
    const Theme = Object.assign(t.keyof({ light: null, dark: null }), {
      description: 'The colour scheme',
    });
    const schema = toJsonSchema(t.type({ theme: Theme, description: t.string }));
    const props = schema.properties as Record<string, JsonSchema>;
    expect(props.theme!.description).to.equal('The colour scheme');
    const bare = withoutAnnotations(schema);
    const bareProps = bare.properties as Record<string, JsonSchema>;
    expect(bareProps.theme).to.deep.equal({ enum: ['dark', 'light'] });
    // A field named `description` is data, not an annotation.
    expect(bareProps.description).to.deep.equal({ type: 'string' });
  });

  it('gives each version its own schema through the migrator, and a Left for a version without one', () => {
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }))
      .schema('1.1.0', t.type({ tags: t.array(t.string) }))
      .schema('*', t.UnknownRecord);
    const schema = jsonSchema(m, '1.1.0');
    expect(schema._tag === 'Right' && schema.right).to.deep.equal(
      toJsonSchema(t.type({ tags: t.array(t.string) })),
    );
    const none = jsonSchema(m, '1.0.0');
    expect(none._tag === 'Left' && none.left.reason).to.equal('no_schema');
    const bad = jsonSchema(m, 'banana');
    expect(bad._tag === 'Left' && bad.left.reason).to.equal('no_schema');
  });
});
