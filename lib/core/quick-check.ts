/**
 * Fast validation of io-ts codecs that only check. For the combinators below, `is(u)` decides
 * what `decode(u)` would (they check; they do not transform), except that `is` is stricter on
 * tuples with extra items and skips the holes of sparse arrays. {@link compileCheck} turns
 * such a codec into one generated checking function that never passes what `decode` rejects,
 * so a valid state costs one quick walk and `decode` runs only to explain a failure. A codec
 * with any other part (a custom `t.Type`, a transforming codec such as `NumberFromString`, a
 * codec cloned with another `validate` such as io-ts-types' `withValidate(t.string, …)`)
 * keeps `decode`: its `is` speaks of the decoded type, not of the input, and a clone's class
 * fields do not say what its `validate` decides.
 *
 * @since 0.1.0
 */
import * as t from 'io-ts';
import { classify, type AnyCodec, type CodecNode, type LeafKind } from './codec-walker.js';

/** The classes of the checking leaves, to tell io-ts's own instances from clones (see `isGenuine`). */
const LEAVES: readonly (abstract new (...args: never[]) => unknown)[] = [
  t.StringType,
  t.NumberType,
  t.BooleanType,
  t.NullType,
  t.UndefinedType,
  t.VoidType,
  t.UnknownType,
  t.AnyType,
  t.AnyArrayType,
  t.AnyDictionaryType,
  t.LiteralType,
  t.KeyofType,
  t.BigIntType,
];

/** Each combinator class, with the source text of every `validate` io-ts gives its instances. */
type GenuineSources = readonly (readonly [
  abstract new (...args: never[]) => unknown,
  ReadonlySet<string>,
])[];

const sourcesOf = (...codecs: readonly t.Decoder<never, unknown>[]): ReadonlySet<string> =>
  new Set(codecs.map((codec) => String(codec.validate)));

/**
 * {@link GenuineSources}, from instances made for the purpose (some factories have variants:
 * tagged unions, empty intersections, records over finite keys). Made once per compiled codec.
 */
const genuineSources = (): GenuineSources => [
  ...LEAVES.filter((leaf) => leaf !== t.LiteralType && leaf !== t.KeyofType).map(
    (leaf) => [leaf, sourcesOf(new (leaf as new () => t.Decoder<unknown, unknown>)())] as const,
  ),
  [t.LiteralType, sourcesOf(t.literal('a'))],
  [t.KeyofType, sourcesOf(t.keyof({ a: null }))],
  [t.InterfaceType, sourcesOf(t.type({}))],
  [t.PartialType, sourcesOf(t.partial({}))],
  [t.ExactType, sourcesOf(t.exact(t.type({})))],
  [t.RefinementType, sourcesOf(t.refinement(t.string, () => true))],
  [t.ArrayType, sourcesOf(t.array(t.string))],
  [t.ReadonlyArrayType, sourcesOf(t.readonlyArray(t.string))],
  [
    t.UnionType,
    sourcesOf(
      t.union([t.string, t.number]),
      t.union([t.type({ k: t.literal('a') }), t.type({ k: t.literal('b') })]),
    ),
  ],
  [
    t.IntersectionType,
    sourcesOf(
      t.intersection([t.string, t.string]),
      t.intersection([] as unknown as [t.Mixed, t.Mixed]),
    ),
  ],
  [t.TupleType, sourcesOf(t.tuple([t.string]))],
  [t.DictionaryType, sourcesOf(t.record(t.string, t.string), t.record(t.literal('a'), t.string))],
  [t.RecursiveType, sourcesOf(t.recursion<unknown>('R', () => t.unknown))],
];

/**
 * True when `codec` validates as io-ts made it: its `validate` is one its class's factory
 * gives (for `readonly`, its inner codec's), and its `decode` is the bound method every io-ts
 * codec gets. A codec cloned with another `validate` (io-ts-types' `withValidate`, or
 * `Object.assign` over `Object.create`) is an instance of the same class that decides
 * otherwise: the compiled check, which reads the class's fields, must not stand in for it.
 * (A clone whose fields, such as `props`, were replaced is not detected.) Never throws.
 */
const isGenuine = (codec: t.Decoder<unknown, unknown>, sources: GenuineSources): boolean => {
  try {
    const { validate, decode } = codec as { validate: unknown; decode: unknown };
    if (typeof validate !== 'function' || typeof decode !== 'function') return false;
    if (decode.name !== (t.string.decode as { name: string }).name) return false;
    if (codec instanceof t.ReadonlyType) {
      return validate === (codec.type as t.Decoder<unknown, unknown>).validate;
    }
    const entry = sources.find(([kind]) => codec instanceof kind);
    return entry !== undefined && entry[1].has(String(validate));
  } catch {
    return false;
  }
};

/**
 * The leaves whose `is` decides what `decode` does, each with the expression checking it over
 * a variable. io-ts's `UnknownRecord` also accepts '[object Window]'; a check stricter than
 * `is` only costs a `decode`.
 */
const LEAF_CHECKS: Partial<Record<LeafKind, (x: string) => string>> = {
  string: (x) => `typeof ${x} === "string"`,
  number: (x) => `typeof ${x} === "number"`,
  boolean: (x) => `typeof ${x} === "boolean"`,
  bigint: (x) => `typeof ${x} === "bigint"`,
  null: (x) => `${x} === null`,
  undefined: (x) => `${x} === undefined`,
  void: (x) => `${x} === undefined`,
  unknown: () => 'true',
  any: () => 'true',
  'unknown-array': (x) => `Array.isArray(${x})`,
  'unknown-record': (x) => `T.call(${x}) === "[object Object]"`,
};

/**
 * The inner codecs of a combinator whose `is` agrees with `decode` when theirs do (none for a
 * checking leaf); undefined for anything else (`t.strict`'s legacy class, custom types).
 */
const partsOf = (node: CodecNode): readonly AnyCodec[] | undefined => {
  switch (node.kind) {
    case 'leaf':
      return LEAF_CHECKS[node.leaf] === undefined ? undefined : [];
    case 'literal':
    case 'keyof':
      return [];
    case 'object':
      return node.strict ? undefined : Object.values(node.props);
    case 'exact':
    case 'readonly':
    case 'refinement':
      return [node.inner];
    case 'array':
      return [node.item];
    case 'union':
    case 'intersection':
      return node.members;
    case 'tuple':
      return node.items;
    case 'record':
      return [node.domain, node.codomain];
    case 'recursive':
      return [node.inner()];
    case 'custom':
      return undefined;
  }
};

/**
 * True when `codec` is built only from checking combinators, so `codec.is(u)` decides exactly
 * what `codec.decode(u)` would. Recursive codecs are followed once.
 *
 * Complexity: O(size of the codec tree), once per registered codec.
 * @example
 * checksWithIs(t.type({ a: t.number })) // true
 * checksWithIs(NumberFromString) // false
 */
export const checksWithIs = (
  codec: t.Decoder<unknown, unknown>,
  seen: Set<unknown> = new Set(),
  sources: GenuineSources = genuineSources(),
): boolean => {
  if (seen.has(codec)) return true;
  seen.add(codec);
  if (!isGenuine(codec, sources)) return false;
  const parts = partsOf(classify(codec as AnyCodec));
  return (
    parts !== undefined &&
    typeof (codec as { is?: unknown }).is === 'function' &&
    parts.every((part) => checksWithIs(part, seen, sources))
  );
};

/** A compiled validity check: true only for values the codec's `decode` accepts. */
export type QuickCheck = (value: unknown) => boolean;

/** The parts of a compiled check: function declarations, and the values they refer to. */
interface Emitter {
  readonly functions: string[];
  readonly constants: unknown[];
  readonly names: Map<unknown, string>;
}

/** `C[i]` for a value the generated code needs (a literal, a predicate, a codec). */
const constant = (out: Emitter, value: unknown): string => `C[${out.constants.push(value) - 1}]`;

/** The name of a generated function checking `codec`, emitting it on first use. */
const functionFor = (
  out: Emitter,
  codec: t.Decoder<unknown, unknown>,
  body: () => string,
): string => {
  let name = out.names.get(codec);
  if (name === undefined) {
    name = `f${out.names.size}`;
    out.names.set(codec, name);
    out.functions.push(`function ${name}(u) {\n${body()}\n}`);
  }
  return name;
};

/** Statements checking the fields of an object `u` of an interface (`t.type`) or `t.partial`. */
const fieldChecks = (
  out: Emitter,
  props: Record<string, t.Decoder<unknown, unknown>>,
  required: boolean,
): string =>
  Object.entries(props)
    .map(([key, codec]) => {
      // The key is read from the constants, not written as a literal: see `expression`.
      const k = constant(out, key);
      const missing = required ? `(v === undefined && !H.call(u, ${k}))` : '';
      const wrong = `${required ? '' : 'v !== undefined && '}!(${expression(out, codec, 'v')})`;
      return `  v = u[${k}];\n  if (${required ? `${missing} || ` : ''}${wrong}) return false;`;
    })
    .join('\n');

/**
 * A JavaScript expression, over the variable `x`, true only when `codec.is(x)` is. The checks
 * of leaves are inlined and each combinator is one plain function with a loop, instead of
 * io-ts's closures and `every` callbacks. Object fields are read by a key held in the
 * constants (`u[C[3]]`), not by a literal (`u["messages"]`): a literal key makes a named load,
 * which is fastest while every state has the same hidden class but about 20x slower once the
 * states have many (a step written `{ ...state, added: x }` gives most of its outputs a hidden
 * class of their own); a keyed load costs about the same either way.
 */
const expression = (out: Emitter, codec: t.Decoder<unknown, unknown>, x: string): string => {
  const node = classify(codec as AnyCodec);
  switch (node.kind) {
    case 'leaf': {
      const check = LEAF_CHECKS[node.leaf];
      return check === undefined ? byDecode(out, codec)(x) : check(x);
    }
    case 'literal':
      return `${x} === ${constant(out, node.value)}`;
    case 'keyof':
      return `(typeof ${x} === "string" && H.call(${constant(out, (codec as t.KeyofType<Record<string, unknown>>).keys)}, ${x}))`;
    case 'exact':
    case 'readonly':
      return expression(out, node.inner, x);
    case 'refinement': {
      // `decode` tests the predicate on the decoded value: the same value only when the inner
      // codec decodes a value to itself (no `exact` stripping keys, no tuple dropping items).
      if (!decodesToItself(node.inner)) return byDecode(out, codec)(x);
      const inner = expression(out, node.inner, x);
      return `(${inner} && ${constant(out, node.predicate)}(${x}))`;
    }
    case 'union':
    case 'intersection': {
      const parts = node.members.map((c) => expression(out, c, x));
      return `(${parts.join(node.kind === 'union' ? ' || ' : ' && ')})`;
    }
    case 'array': {
      const name = functionFor(
        out,
        codec,
        () =>
          `  for (let i = 0; i < u.length; i++) {\n    const v = u[i];\n    if (!(${expression(out, node.item, 'v')})) return false;\n  }\n  return true;`,
      );
      return `(Array.isArray(${x}) && ${name}(${x}))`;
    }
    case 'object': {
      if (node.strict) return byDecode(out, codec)(x);
      const name = functionFor(
        out,
        codec,
        () => `  let v;\n${fieldChecks(out, node.props, node.required)}\n  return true;`,
      );
      return `(T.call(${x}) === "[object Object]" && ${name}(${x}))`;
    }
    default:
      // Records, tuples, recursion: io-ts's own `decode`. Not its `is`, which (through
      // `every`) skips the holes of a sparse array that `decode` rejects.
      return byDecode(out, codec)(x);
  }
};

/** An expression over `x` that runs the codec's own `decode`. */
const byDecode =
  (out: Emitter, codec: t.Decoder<unknown, unknown>) =>
  (x: string): string =>
    `${constant(out, codec)}.decode(${x})._tag === "Right"`;

/**
 * True when `codec.decode(u)`, on success, gives `u` itself (or a value equal to it in every
 * field a predicate can see): leaves, and objects, arrays, unions and intersections of such.
 * False for `exact`/`strict` (they strip unknown keys), tuples (they drop extra items),
 * records and recursion (not looked into).
 */
const decodesToItself = (codec: t.Decoder<unknown, unknown>): boolean => {
  const node = classify(codec as AnyCodec);
  switch (node.kind) {
    case 'exact':
    case 'tuple':
    case 'record':
    case 'recursive':
      return false;
    case 'object':
      return !node.strict && Object.values(node.props).every(decodesToItself);
    default: {
      const parts = partsOf(node);
      return parts !== undefined && parts.every(decodesToItself);
    }
  }
};

/**
 * Compiles a checking codec (see {@link checksWithIs}) into a function that is true only for
 * values the codec's `decode` accepts, and is so for every JSON value its `is` accepts. It
 * generates JavaScript with `new Function`. Undefined for a codec that transforms, and where
 * code generation is not allowed (a Content-Security-Policy without `unsafe-eval`): `decode`
 * then decides alone.
 *
 * Complexity: O(size of the codec tree) to compile; the check walks the value once.
 *
 * @example
 * const check = compileCheck(t.type({ a: t.number }))
 * check?.({ a: 1 }) // true
 * @since 0.1.0
 */
export const compileCheck = (codec: t.Decoder<unknown, unknown>): QuickCheck | undefined => {
  if (!checksWithIs(codec)) return undefined;
  const out: Emitter = { functions: [], constants: [], names: new Map() };
  const root = expression(out, codec, 'u');
  const source = `${out.functions.join('\n')}\nreturn (u) => ${root};`;
  try {
    const build = new Function('C', 'H', 'T', source) as (
      constants: unknown[],
      has: typeof Object.prototype.hasOwnProperty,
      tag: typeof Object.prototype.toString,
    ) => QuickCheck;
    return build(out.constants, Object.prototype.hasOwnProperty, Object.prototype.toString);
  } catch {
    // Code generation refused (a CSP without `unsafe-eval`): `decode` alone decides.
    return undefined;
  }
};
