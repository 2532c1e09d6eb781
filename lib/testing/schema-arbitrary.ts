/**
 * States drawn from a JSON Schema: the arbitraries of versions whose codec is gone from the
 * code, from their snapshots, so their migrations stay tested. Every state drawn is checked
 * against the schema with `ajv` (draft 2020-12, own properties only).
 *
 * The mapping covers the schemas migraph exports (§14) and the usual keywords of other
 * libraries' exports: `type` (one or several), `const`, `enum`, `properties`/`required`,
 * `additionalProperties`, `items`, `prefixItems`, `minItems`/`maxItems`, `minLength`/
 * `maxLength`, `minimum`/`maximum`, `anyOf`/`oneOf`, `allOf` of objects, `$ref` into
 * `$defs`. A refinement or custom codec marker draws from its base unless `overrides` names
 * it: its predicate is not in the snapshot.
 *
 * @since 0.1.0
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import * as t from 'io-ts';
import { CODEC_MARKER, REFINEMENT_MARKER, type JsonSchema } from '../core/json-schema.js';
import type { Snapshot } from '../core/snapshot.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link arbitraryForSchema} and {@link sampleStates}. */
export interface SchemaArbitraryOptions {
  /** How deep `$ref`s may nest (default 3): past it, a union keeps its members without refs, an array is empty. */
  readonly maxDepth?: number;
  /** Most items of an array, most extra keys of a record (default 4). */
  readonly maxLength?: number;
  /** Arbitraries by refinement or codec name (`x-migraph-refinement`, `x-migraph-codec`). */
  readonly overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

/** A schema {@link arbitraryForSchema} cannot draw from, with where it sits. */
export class UnsupportedSchemaError extends TypeError {
  override readonly name = 'UnsupportedSchemaError' as const;
  /** Where the schema sits (`''` for the root), e.g. `.items[*].when`. */
  readonly path: string;

  constructor(message: string, details: { readonly path: string }) {
    super(message);
    this.path = details.path;
  }
}

interface Walk {
  readonly root: JsonSchema;
  readonly options: Required<Omit<SchemaArbitraryOptions, 'overrides'>> & SchemaArbitraryOptions;
}

const json = fc.jsonValue({ maxDepth: 2, noUnicodeString: false });

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A fast-check arbitrary of JSON values a JSON Schema accepts (see the module's notes on which
 * keywords are mapped). Values are validated with `ajv` before they are given, so a schema
 * whose combination of keywords the mapping only approximates still gives only valid values.
 *
 * @example
 * fc.sample(arbitraryForSchema({ type: 'object', properties: { a: { enum: ['x', 'y'] } }, required: ['a'] }), 2)
 * // [{ a: 'y' }, { a: 'x', '': null }]
 * @since 0.1.0
 */
export const arbitraryForSchema = (
  schema: JsonSchema,
  options: SchemaArbitraryOptions = {},
): fc.Arbitrary<unknown> => {
  const walk: Walk = { root: schema, options: { maxDepth: 3, maxLength: 4, ...options } };
  const drawn = draw(walk, schema, '', 0);
  const valid = compileSchema(schema);
  return drawn.filter((value) => valid(value));
};

/** Options of `sampleStates` drawing from snapshots. */
export interface SnapshotSampleOptions extends SchemaArbitraryOptions {
  /** Snapshots by version (`readSnapshots(dir)` in `migraph/node` reads a directory). */
  readonly snapshots: ReadonlyMap<string, Snapshot>;
  /** How many states (default 10). */
  readonly runs?: number;
  readonly seed?: number;
}

/**
 * States of `version` drawn from its snapshot: for tests of a version whose codec is gone.
 *
 * @example
 * const states = statesFromSnapshot('1.0.0', { snapshots, runs: 20 })
 * @since 0.1.0
 */
export const statesFromSnapshot = (version: string, options: SnapshotSampleOptions): unknown[] => {
  checkOptions('sampleStates(version)', options, {
    snapshots: 'any',
    runs: 'any',
    seed: 'any',
    maxDepth: 'any',
    maxLength: 'any',
    overrides: 'any',
  });
  const snapshot = options.snapshots.get(version);
  if (snapshot === undefined) {
    throw new UnsupportedSchemaError(`No snapshot of version ${version}`, { path: '' });
  }
  return fc.sample(arbitraryForSchema(snapshot.schema, options), {
    numRuns: options.runs ?? 10,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
};

/** A compiled `ajv` validator of a draft 2020-12 schema (own properties only: `__proto__` is data). */
const compileSchema = (schema: JsonSchema) =>
  new Ajv2020({
    strict: false,
    ownProperties: true,
    validateFormats: false,
    allErrors: true,
  }).compile(schema);

/**
 * An io-ts codec that validates with `ajv` against a version's schema snapshot: the codec of a
 * version whose own codec is gone from the code, so its states are still validated (each
 * `ajv` error becomes one failure at its field path) and drawn from (`arbitraryForSchema`).
 *
 * @example
 * m.schema('1.0.0', new SnapshotCodec('1.0.0', snapshot.schema))
 * @since 0.1.0
 */
export class SnapshotCodec extends t.Type<unknown> {
  /** The snapshot's schema, which states are drawn from. */
  readonly schema: JsonSchema;

  constructor(version: string, schema: JsonSchema) {
    const valid = compileSchema(schema);
    super(
      `snapshot ${version}`,
      (u): u is unknown => valid(u),
      (u, c) =>
        valid(u)
          ? t.success(u)
          : t.failures(
              (valid.errors ?? []).map((e) => ({
                value: u,
                context: [
                  ...c,
                  ...e.instancePath
                    .split('/')
                    .slice(1)
                    .map((key) => ({
                      key: key.replace(/~1/g, '/').replace(/~0/g, '~'),
                      type: this,
                    })),
                ],
                message: `${e.instancePath === '' ? '' : `${e.instancePath.slice(1).replace(/\//g, '.')}: `}${e.message ?? 'invalid'} (snapshot of ${version})`,
              })),
            ),
      t.identity,
    );
    this.schema = schema;
  }
}

const draw = (walk: Walk, schema: JsonSchema, at: string, depth: number): fc.Arbitrary<unknown> => {
  const named = schema[REFINEMENT_MARKER] ?? schema[CODEC_MARKER];
  const override = typeof named === 'string' ? walk.options.overrides?.[named] : undefined;
  if (override !== undefined) return override;
  if (typeof schema.$ref === 'string') return ref(walk, schema.$ref, at, depth);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) {
    const members = (union as JsonSchema[]).filter(
      (m) => depth < walk.options.maxDepth || !hasRef(m),
    );
    if (members.length === 0)
      throw unsupported(at, 'a union whose every member nests past maxDepth');
    return fc.oneof(...members.map((m, i) => draw(walk, m, `${at}|${i}`, depth)));
  }
  if (Array.isArray(schema.allOf)) return allOf(walk, schema.allOf as JsonSchema[], at, depth);
  if (isSchema(schema.not)) throw unsupported(at, 'a schema no value satisfies');
  const type = schema.type;
  if (Array.isArray(type)) {
    return fc.oneof(
      ...(type as string[]).map((one) => draw(walk, { ...schema, type: one }, at, depth)),
    );
  }
  switch (type) {
    case 'string':
      return fc.string({
        minLength: num(schema.minLength) ?? 0,
        maxLength: num(schema.maxLength) ?? Math.max(16, num(schema.minLength) ?? 0),
      });
    case 'number':
    case 'integer': {
      const min = num(schema.minimum);
      const max = num(schema.maximum);
      return type === 'integer'
        ? fc.integer({ min: min ?? -1e6, max: max ?? 1e6 })
        : fc
            .double({
              noNaN: true,
              noDefaultInfinity: true,
              ...(min === undefined ? {} : { min }),
              ...(max === undefined ? {} : { max }),
            })
            .map((n) => (Object.is(n, -0) ? 0 : n));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return array(walk, schema, at, depth);
    case 'object':
      return object(walk, schema, at, depth);
    case undefined:
      return json;
    default:
      throw unsupported(at, `type ${JSON.stringify(type)}`);
  }
};

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

const unsupported = (at: string, what: string) =>
  new UnsupportedSchemaError(`Cannot draw states from ${what} at ${at === '' ? 'the root' : at}`, {
    path: at,
  });

const hasRef = (schema: unknown): boolean =>
  schema !== undefined && JSON.stringify(schema).includes('"$ref"');

const ref = (walk: Walk, target: string, at: string, depth: number): fc.Arbitrary<unknown> => {
  const name = target.replace(/^#\/\$defs\//, '');
  const defs = walk.root.$defs;
  const schema = isSchema(defs) ? defs[name] : undefined;
  if (!target.startsWith('#/$defs/') || !isSchema(schema))
    throw unsupported(at, `the reference ${target}`);
  // Built on first draw: a recursive definition refers to itself.
  return fc.constant(null).chain(() => draw(walk, schema, at, depth + 1));
};

const array = (
  walk: Walk,
  schema: JsonSchema,
  at: string,
  depth: number,
): fc.Arbitrary<unknown> => {
  const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
  const minItems = num(schema.minItems) ?? 0;
  const deep = depth >= walk.options.maxDepth;
  const items = isSchema(schema.items) ? schema.items : schema.items === false ? undefined : {};
  const head = fc.tuple(...prefix.map((p, i) => draw(walk, p, `${at}[${i}]`, depth)));
  const tailMin = Math.max(0, minItems - prefix.length);
  const tail =
    items === undefined || (deep && tailMin === 0 && hasRef(items))
      ? fc.constant([])
      : fc.array(draw(walk, items, `${at}[*]`, depth), {
          minLength: tailMin,
          maxLength: Math.max(
            tailMin,
            Math.min(num(schema.maxItems) ?? walk.options.maxLength, walk.options.maxLength),
          ),
        });
  return fc.tuple(head, tail, fc.nat(prefix.length)).map(([h, rest, cut]) => {
    // Items past minItems may be left out when nothing follows them.
    const kept = rest.length === 0 ? h.slice(0, Math.max(minItems, cut)) : h;
    return [...kept, ...rest];
  });
};

const object = (
  walk: Walk,
  schema: JsonSchema,
  at: string,
  depth: number,
): fc.Arbitrary<unknown> => {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const known = Object.keys(properties).map((key) => {
    const value = draw(walk, properties[key] as JsonSchema, `${at}.${key}`, depth);
    return fc.tuple(
      fc.constant(key),
      required.has(key)
        ? value.map((v) => ({ v }))
        : fc.option(
            value.map((v) => ({ v })),
            { nil: undefined },
          ),
    );
  });
  const extra = schema.additionalProperties;
  const extraValue =
    extra === false ? undefined : isSchema(extra) ? draw(walk, extra, `${at}{*}`, depth) : json;
  const names = isSchema(schema.propertyNames)
    ? draw(walk, schema.propertyNames, `${at}{key}`, depth)
    : fc.string({ maxLength: 8 });
  const extras =
    extraValue === undefined || (depth >= walk.options.maxDepth && hasRef(extra))
      ? fc.constant([] as [unknown, unknown][])
      : fc.array(fc.tuple(names, extraValue), {
          maxLength: extra === undefined ? 2 : walk.options.maxLength,
        });
  return fc.tuple(fc.tuple(...known), extras).map(([fields, more]) => {
    const entries: [string, unknown][] = [];
    for (const [key, value] of more)
      if (typeof key === 'string' && !Object.hasOwn(properties, key)) entries.push([key, value]);
    for (const [key, held] of fields) if (held !== undefined) entries.push([key, held.v]);
    // `fromEntries` defines own keys: `__proto__` stays a field.
    return Object.fromEntries(entries);
  });
};

/** `allOf` of object schemas: one object with every member's fields; anything else is drawn from the first member and filtered. */
const allOf = (
  walk: Walk,
  members: JsonSchema[],
  at: string,
  depth: number,
): fc.Arbitrary<unknown> => {
  if (members.every((m) => m.type === 'object')) {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const m of members) {
      for (const [key, value] of Object.entries(
        (m.properties ?? {}) as Record<string, JsonSchema>,
      )) {
        Object.defineProperty(properties, key, {
          value: Object.hasOwn(properties, key) ? { allOf: [properties[key]!, value] } : value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      required.push(...((m.required ?? []) as string[]));
    }
    return object(walk, { type: 'object', properties, required }, at, depth);
  }
  return draw(walk, members[0]!, at, depth);
};
