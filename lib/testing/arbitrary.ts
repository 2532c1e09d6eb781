/**
 * Codec-derived arbitraries: an io-ts codec becomes a fast-check arbitrary of values it
 * accepts, so round trips need no hand-written generator per version.
 *
 * The values are JSON-like, as stored states are: finite numbers without `-0`, `unknown` as
 * JSON values (two levels deep, at most three items a level), objects with `Object.prototype`,
 * record keys that are sometimes `__proto__` or `constructor`. Optional keys of `t.partial` are
 * sometimes absent. Refinements and brands filter their base, and give up with an
 * {@link UnsupportedCodecError} when `maxRejections` values in a row fail (fast-check's own
 * `filter` would retry forever); recursive codecs unfold up to `maxDepth`.
 *
 * @since 0.1.0
 */
import fc from 'fast-check';
import type * as t from 'io-ts';
import { classify, type AnyCodec, type LeafKind } from '../core/codec-walker.js';
import {
  mapSchemas,
  toJsonSchema,
  validatorJsonSchema,
  type JsonSchema,
} from '../core/json-schema.js';
import { arbitraryForSchema } from './schema-arbitrary.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link arbitraryFor}. */
export interface ArbitraryOptions {
  /**
   * How deep a recursive codec (`t.recursion`) may nest, counting the outermost value
   * (default 3): past it, a union leaves out the members that recurse, an array is empty.
   */
  readonly maxDepth?: number;
  /** Most items of an array, most keys of a record (default 4). */
  readonly maxLength?: number;
  /** Most characters of a string (default 16). */
  readonly maxStringLength?: number;
  /**
   * Arbitraries to use instead of the derived one, by codec name (`codec.name`): for custom
   * codecs such as `DateFromISOString`, or refinements that reject most values of their base.
   */
  readonly overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /**
   * Values in a row a refinement, brand or intersection may reject while one value is drawn
   * (default 10 000). Past it, drawing throws an {@link UnsupportedCodecError} naming the
   * codec and where it sits: a predicate almost nothing passes (`isUuid` over `t.string`), or
   * an intersection no value satisfies, needs an override.
   */
  readonly maxRejections?: number;
}

/**
 * A codec {@link arbitraryFor} cannot turn into an arbitrary: a custom `t.Type`, a function,
 * `t.never`, a recursive codec with no finite value within `maxDepth`, or (thrown while
 * drawing) a refinement or intersection that rejected `maxRejections` values in a row.
 *
 * @since 0.1.0
 */
export class UnsupportedCodecError extends TypeError {
  override readonly name = 'UnsupportedCodecError' as const;
  /** The name of the codec that has no mapping. */
  readonly codec: string;
  /** Where it sits inside the codec given (`''` for the codec itself), e.g. `.items[*].when`. */
  readonly path: string;

  constructor(message: string, details: { readonly codec: string; readonly path: string }) {
    super(message);
    this.codec = details.codec;
    this.path = details.path;
  }
}

// --- codec shapes -------------------------------------------------------------------------

type Codec = AnyCodec & { readonly is?: (value: unknown) => boolean };

const isValue = (codec: Codec, value: unknown): boolean =>
  codec.is === undefined ? codec.decode(value)._tag === 'Right' : codec.is(value);

/** The keys of an object codec, each with its codecs (several after an intersection). */
interface ObjectShape {
  readonly keys: Map<string, { codecs: Codec[]; required: boolean }>;
}

/** The keys of a codec made of `type`, `partial`, `exact`, `strict`, `readonly` and intersections of those. */
const shapeOf = (codec: Codec): ObjectShape | undefined => {
  const node = classify(codec);
  const add = (shape: ObjectShape, props: Readonly<Record<string, Codec>>, required: boolean) => {
    for (const [key, value] of Object.entries(props)) {
      const entry = shape.keys.get(key) ?? { codecs: [], required: false };
      entry.codecs.push(value);
      entry.required ||= required;
      shape.keys.set(key, entry);
    }
    return shape;
  };
  switch (node.kind) {
    case 'object':
      return add({ keys: new Map() }, node.props, node.required);
    case 'exact':
    case 'readonly':
      return shapeOf(node.inner);
    case 'intersection': {
      const shapes = node.members.map(shapeOf);
      if (shapes.some((s) => s === undefined)) return undefined;
      const merged: ObjectShape = { keys: new Map() };
      for (const shape of shapes as ObjectShape[]) {
        for (const [key, { codecs, required }] of shape.keys) {
          const entry = merged.keys.get(key) ?? { codecs: [], required: false };
          entry.codecs.push(...codecs);
          entry.required ||= required;
          merged.keys.set(key, entry);
        }
      }
      return merged;
    }
    default:
      return undefined;
  }
};

// --- building -----------------------------------------------------------------------------

/** Thrown past `maxDepth` of a recursive codec; caught where a finite value can stop. */
class Cut {
  constructor(readonly codec: string) {}
}

interface Context {
  readonly maxDepth: number;
  readonly maxRejections: number;
  readonly maxLength: number;
  readonly maxStringLength: number;
  readonly overrides: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  readonly root: string;
  readonly path: string;
  readonly depths: ReadonlyMap<Codec, number>;
  readonly json: fc.Arbitrary<unknown>;
}

const at = (ctx: Context, segment: string): Context => ({ ...ctx, path: ctx.path + segment });

const keySegment = (key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

/** An own data property, so a key named `__proto__` stays a key. */
const put = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
};

/** Finite numbers, integers half the time, never `-0` (JSON cannot hold it). */
const finiteNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
);

/**
 * Record keys: strings, and one time in five a key that is dangerous as a JavaScript property
 * (`__proto__`, `constructor`, …), which JSON states may hold as data.
 */
const recordKey = (maxStringLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: maxStringLength }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
      ),
    },
  );

/**
 * Plain objects of up to `maxKeys` entries (a repeated key keeps its last value). Built from an
 * array of entries, which fast-check generates and shrinks faster than `fc.dictionary`.
 */
const dictionaryOf = (
  key: fc.Arbitrary<string>,
  value: fc.Arbitrary<unknown>,
  maxKeys: number,
): fc.Arbitrary<Record<string, unknown>> =>
  fc.array(fc.tuple(key, value), { maxLength: maxKeys }).map((entries) => {
    const record: Record<string, unknown> = {};
    for (const [k, v] of entries) put(record, k, v);
    return record;
  });

/** JSON values two levels deep, at most three items a level; leaves half the time. */
const jsonValue = (maxStringLength: number): fc.Arbitrary<unknown> => {
  const leaf = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    finiteNumber,
    fc.string({ maxLength: maxStringLength }),
  );
  let value: fc.Arbitrary<unknown> = leaf;
  for (let depth = 0; depth < 2; depth++) {
    const inner = value;
    value = fc.oneof(
      { weight: 2, arbitrary: leaf },
      { weight: 1, arbitrary: fc.array(inner, { maxLength: 3 }) },
      { weight: 1, arbitrary: dictionaryOf(recordKey(maxStringLength), inner, 3) },
    );
  }
  return value;
};

const unsupported = (codec: Codec, ctx: Context, why: string): UnsupportedCodecError =>
  new UnsupportedCodecError(
    `Cannot derive an arbitrary for the codec '${codec.name}'${ctx.path === '' ? '' : ` at ${ctx.path}`} of '${ctx.root}': ${why}; pass one as options.overrides['${codec.name}']`,
    { codec: codec.name, path: ctx.path },
  );

/**
 * The values of `base` that `accepts`, like fast-check's `filter`, but giving up with `giveUp()`
 * when `budget` values in a row are rejected while one value is drawn, where `filter` would
 * loop forever. Shrinking keeps only accepted values, as `filter` does, with no budget: a
 * shrink stream is finite.
 */
class BoundedFilter<T> extends fc.Arbitrary<T> {
  constructor(
    private readonly base: fc.Arbitrary<T>,
    private readonly accepts: (value: T) => boolean,
    private readonly budget: number,
    private readonly giveUp: () => Error,
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    for (let rejected = 0; rejected < this.budget; rejected++) {
      const drawn = this.base.generate(mrng, biasFactor);
      if (this.accepts(drawn.value)) return drawn;
    }
    throw this.giveUp();
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return this.base.canShrinkWithoutContext(value) && this.accepts(value);
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.base.shrink(value, context).filter((shrunk) => this.accepts(shrunk.value));
  }
}

/** `base` filtered by `accepts` within the context's budget; the error names `name` at its path. */
const bounded = <T>(
  base: fc.Arbitrary<T>,
  accepts: (value: T) => boolean,
  name: string,
  ctx: Context,
  what: string,
): fc.Arbitrary<T> =>
  new BoundedFilter(
    base,
    accepts,
    ctx.maxRejections,
    () =>
      new UnsupportedCodecError(
        `Cannot draw a value for the codec '${name}'${ctx.path === '' ? '' : ` at ${ctx.path}`} of '${ctx.root}': ${ctx.maxRejections} values in a row were rejected by ${what}; pass an arbitrary as options.overrides['${name}']`,
        { codec: name, path: ctx.path },
      ),
  );

/** A record of `shape`'s keys; optional keys are sometimes absent. */
const objectOf = (shape: ObjectShape, ctx: Context): fc.Arbitrary<Record<string, unknown>> => {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [key, { codecs, required: isRequired }] of shape.keys) {
    const inner = at(ctx, keySegment(key));
    try {
      put(model, key, codecs.length === 1 ? build(codecs[0]!, inner) : allOf(codecs, inner));
      if (isRequired) required.push(key);
    } catch (error) {
      if (!(error instanceof Cut) || isRequired) throw error;
    }
  }
  return fc.record(model, { requiredKeys: required, noNullPrototype: true });
};

/** Values every codec of `codecs` accepts (an intersection). */
const allOf = (codecs: readonly Codec[], ctx: Context): fc.Arbitrary<unknown> => {
  const accepted = (value: unknown) => codecs.every((c) => isValue(c, value));
  const name = codecs.map((c) => c.name).join(' & ');
  const what = 'the intersection (is it satisfiable?)';
  const shaped = codecs.map((c) => [c, shapeOf(c)] as const);
  const objects = shaped.filter(([, shape]) => shape !== undefined);
  const others = shaped.filter(([, shape]) => shape === undefined).map(([c]) => c);
  if (objects.length > 0) {
    const merged: ObjectShape = { keys: new Map() };
    for (const [, shape] of objects) {
      for (const [key, { codecs: inner, required }] of shape!.keys) {
        const entry = merged.keys.get(key) ?? { codecs: [], required: false };
        entry.codecs.push(...inner);
        entry.required ||= required;
        merged.keys.set(key, entry);
      }
    }
    const record = objectOf(merged, ctx);
    return others.length === 0 ? record : bounded(record, accepted, name, ctx, what);
  }
  // No object shape to merge: draw from each member and keep what all accept.
  return bounded(fc.oneof(...others.map((c) => build(c, ctx))), accepted, name, ctx, what);
};

const hasOverride = (ctx: Context, codec: Codec): boolean =>
  Object.prototype.hasOwnProperty.call(ctx.overrides, codec.name);

/**
 * The schema with its objects closed to the fields they name, so that a validator's states are
 * drawn as an io-ts codec's are: `additionalProperties: false` where the schema says nothing of
 * other keys (records, which say, keep theirs).
 */
const namedFieldsOnly = (schema: JsonSchema): JsonSchema =>
  mapSchemas(schema, (s) =>
    typeof s.properties === 'object' &&
    s.additionalProperties === undefined &&
    s.patternProperties === undefined
      ? { ...s, additionalProperties: false }
      : s,
  ) as JsonSchema;

const build = (codec: Codec, ctx: Context): fc.Arbitrary<unknown> => {
  if (hasOverride(ctx, codec)) return ctx.overrides[codec.name]!;
  const node = classify(codec);
  const { maxLength, maxStringLength } = ctx;
  switch (node.kind) {
    case 'leaf':
      return leaf(codec, node.leaf, ctx);
    case 'literal':
      return fc.constant(node.value);
    case 'keyof':
      return fc.constantFrom(...node.keys);
    case 'array':
      try {
        return fc.array(build(node.item, at(ctx, '[*]')), { maxLength });
      } catch (error) {
        if (error instanceof Cut) return fc.constant([]);
        throw error;
      }
    case 'readonly':
    case 'exact':
      return build(node.inner, ctx);
    case 'object':
      return objectOf(shapeOf(codec)!, ctx);
    case 'record': {
      if (node.keys !== undefined) {
        // A finite domain (keyof, literals) makes io-ts require every key.
        return objectOf(
          { keys: new Map(node.keys.map((k) => [k, { codecs: [node.codomain], required: true }])) },
          ctx,
        );
      }
      const domainNode = classify(node.domain);
      const domain = (
        domainNode.kind === 'leaf' && domainNode.leaf === 'string' && !hasOverride(ctx, node.domain)
          ? recordKey(maxStringLength)
          : build(node.domain, at(ctx, '{key}'))
      ) as fc.Arbitrary<string>;
      try {
        return dictionaryOf(domain, build(node.codomain, at(ctx, '{*}')), maxLength);
      } catch (error) {
        if (error instanceof Cut) return fc.constant({});
        throw error;
      }
    }
    case 'tuple':
      return fc.tuple(...node.items.map((type, i) => build(type, at(ctx, `[${i}]`))));
    case 'union': {
      const members: fc.Arbitrary<unknown>[] = [];
      let cut: Cut | undefined;
      for (const type of node.members) {
        try {
          members.push(build(type, ctx));
        } catch (error) {
          if (!(error instanceof Cut)) throw error;
          cut = error;
        }
      }
      if (members.length === 0) throw cut ?? unsupported(codec, ctx, 'the union has no members');
      return members.length === 1 ? members[0]! : fc.oneof(...members);
    }
    case 'intersection':
      return allOf(node.members, ctx);
    case 'refinement':
      return bounded(
        build(node.inner, ctx),
        (value) => node.predicate(value),
        codec.name,
        ctx,
        'its predicate',
      );
    case 'recursive': {
      const depth = ctx.depths.get(codec) ?? 0;
      if (depth >= ctx.maxDepth) throw new Cut(codec.name);
      return build(node.inner(), { ...ctx, depths: new Map(ctx.depths).set(codec, depth + 1) });
    }
    case 'standard-schema': {
      // Drawn from the schema as snapshots hold it; the validator may check more (a refinement).
      if (validatorJsonSchema(node) === undefined) {
        throw unsupported(
          codec,
          ctx,
          'its validator gives no JSON Schema to draw from (fromStandardSchema(validator, { jsonSchema }) gives one)',
        );
      }
      const drawn = arbitraryForSchema(namedFieldsOnly(toJsonSchema(codec)), {
        maxDepth: ctx.maxDepth,
        maxLength: ctx.maxLength,
        overrides: ctx.overrides,
      });
      return bounded(drawn, (value) => isValue(codec, value), codec.name, ctx, 'its validator');
    }
    case 'custom':
      throw unsupported(codec, ctx, 'it is not one of the io-ts combinators arbitraryFor maps');
  }
};

/** The arbitrary of a leaf: a primitive or an untyped container. */
const leaf = (codec: Codec, kind: LeafKind, ctx: Context): fc.Arbitrary<unknown> => {
  const { maxLength, maxStringLength } = ctx;
  switch (kind) {
    case 'null':
      return fc.constant(null);
    case 'undefined':
    case 'void':
      return fc.constant(undefined);
    case 'string':
      return fc.string({ maxLength: maxStringLength });
    case 'number':
      return finiteNumber;
    case 'bigint':
      return fc.bigInt();
    case 'boolean':
      return fc.boolean();
    case 'unknown':
    case 'any':
      return ctx.json;
    case 'unknown-array':
      return fc.array(ctx.json, { maxLength });
    case 'unknown-record':
    case 'object':
      return dictionaryOf(recordKey(maxStringLength), ctx.json, maxLength);
    case 'function':
      throw unsupported(codec, ctx, 'functions are not data');
    case 'never':
      throw unsupported(codec, ctx, 't.never has no values');
  }
};

const checkCount = (name: string, value: unknown, fallback: number, min = 0): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(
      `Expected options.${name} to be a ${min > 0 ? 'positive' : 'non-negative'} integer, got ${String(value)}`,
    );
  }
  return value;
};

const checkOverrides = (overrides: unknown): Readonly<Record<string, fc.Arbitrary<unknown>>> => {
  if (overrides === undefined) return {};
  if (typeof overrides !== 'object' || overrides === null) {
    throw new TypeError('Expected options.overrides to be a record of fast-check arbitraries');
  }
  for (const [name, arbitrary] of Object.entries(overrides)) {
    if (typeof (arbitrary as { generate?: unknown } | null)?.generate !== 'function') {
      throw new TypeError(`Expected options.overrides['${name}'] to be a fast-check arbitrary`);
    }
  }
  return overrides as Record<string, fc.Arbitrary<unknown>>;
};

/**
 * A fast-check arbitrary of the values an io-ts codec accepts. Maps `type`, `partial`,
 * `exact`, `strict`, `intersection`, `union`, `literal`, `keyof`, `array`, `record`, `tuple`,
 * `readonly`, `readonlyArray`, `null`, `undefined`, `void`, the primitives, `unknown`,
 * `UnknownArray`, `UnknownRecord`, branded and refined codecs (by filtering their base),
 * recursive codecs (up to `maxDepth`) and Standard Schema validators (zod, valibot, arktype:
 * from their JSON Schema, filtered by the validator). Any other codec, unless `options.overrides` names it,
 * throws an {@link UnsupportedCodecError} naming the codec and where it sits; so does drawing
 * from a refinement or intersection that rejects `maxRejections` values in a row.
 *
 * Complexity: O(size of the codec × maxDepth unfoldings per recursive codec) to build.
 *
 * @example
 * const User = t.intersection([t.type({ name: t.string }), t.partial({ tags: t.array(t.string) })])
 * fc.assert(fc.property(arbitraryFor(User), (u) => User.is(u))) // { name: '' }, { name: 'a', tags: [] }, …
 * @since 0.1.0
 */
export const arbitraryFor = <A>(
  codec: t.Decoder<unknown, A>,
  options: ArbitraryOptions = {},
): fc.Arbitrary<A> => {
  checkOptions('arbitraryFor()', options, {
    maxDepth: 'any',
    maxLength: 'any',
    maxStringLength: 'any',
    overrides: 'any',
    maxRejections: 'any',
  });
  const maxStringLength = checkCount('maxStringLength', options.maxStringLength, 16);
  const ctx: Context = {
    maxDepth: checkCount('maxDepth', options.maxDepth, 3),
    maxRejections: checkCount('maxRejections', options.maxRejections, 10_000, 1),
    maxLength: checkCount('maxLength', options.maxLength, 4),
    maxStringLength,
    overrides: checkOverrides(options.overrides),
    root: codec.name,
    path: '',
    depths: new Map(),
    json: jsonValue(maxStringLength),
  };
  try {
    return build(codec as Codec, ctx) as fc.Arbitrary<A>;
  } catch (error) {
    if (!(error instanceof Cut)) throw error;
    throw new UnsupportedCodecError(
      `Cannot derive an arbitrary for the codec '${codec.name}': the recursive codec '${error.codec}' has no finite value within maxDepth ${ctx.maxDepth}`,
      { codec: error.codec, path: '' },
    );
  }
};
