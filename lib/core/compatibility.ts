/**
 * Compatibility classes (SPEC §17): which way data crosses an edge of the version graph as it
 * is, with no migration run. For the versions `older` and `newer` of an edge:
 *
 * - `BACKWARD`: every state of `older` is valid at `newer` (a new build reads old data);
 * - `FORWARD`: every state of `newer` is valid at `older` (an old build reads new data);
 * - `FULL`: both; `NONE`: neither.
 *
 * "A state of a version" is a value of its type: the fields its schema declares and no other
 * (what a build writes through that type). "Valid at a version" is what that version's codec
 * `decode` accepts, and io-ts objects accept fields they do not declare. So a removed field is
 * BACKWARD (the old field is ignored), an added required field FORWARD (old readers ignore it),
 * an added optional field FULL.
 *
 * This layer decides by schema containment over the canonical JSON Schema of each version
 * ({@link toJsonSchema}) and confirms every "not contained" by a counterexample that the two
 * codecs' `decode` really split. A version whose codec is gone from the code (retired) is
 * compared through its committed schema snapshot, its counterexamples checked on the schema. Where containment is undecidable (a refinement's predicate, a
 * custom codec, constraints, unions that only together cover a type) the direction is left
 * undecided and counts as not holding; `compatibilityOf` in `migraph/testing` samples states to
 * settle it, and refutes any decided class a sample breaks.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import type * as t from 'io-ts';
import {
  canonicalText,
  CODEC_MARKER,
  jsonSchema,
  REFINEMENT_MARKER,
  type JsonSchema,
  type JsonValue,
  type SchemaSource,
} from './json-schema.js';
import { StateVersionError } from './errors.js';
import { formatValidationErrors } from './report.js';
import type { Snapshot } from './snapshot.js';
import { compareVersions, type Version } from './version.js';
import { checkOptions } from './options.js';

/** The class of an edge, from strictest to loosest: `FULL`, `BACKWARD` or `FORWARD`, `NONE`. */
export type CompatibilityClass = 'BACKWARD' | 'FORWARD' | 'FULL' | 'NONE';

/** Every class, strictest first. */
export const COMPATIBILITY_CLASSES: readonly CompatibilityClass[] = [
  'FULL',
  'BACKWARD',
  'FORWARD',
  'NONE',
];

/** A state valid at one version that another version's codec rejects. */
export interface Counterexample {
  /** The state (a value of `validAt`'s type). */
  readonly state: unknown;
  readonly validAt: Version;
  readonly rejectedBy: Version;
  /** Why `rejectedBy` rejects it, one `path: expected X, got Y` line each. */
  readonly errors: readonly string[];
}

/** Whether the states of one version are all valid at the other, and how that was decided. */
export interface DirectionVerdict {
  /** `true` contained, `false` refuted (with a counterexample), `undefined` undecided. */
  readonly holds: boolean | undefined;
  /** `'schema'`: by containment; `'sampling'`: by sampled states (see `compatibilityOf`). */
  readonly by: 'schema' | 'sampling';
  /** Why, in a few words, e.g. "`theme` added (required)". */
  readonly reason: string;
  readonly counterexample?: Counterexample;
  /** How many sampled states confirmed it (only `by: 'sampling'` or a confirmed schema verdict). */
  readonly samples?: number;
}

/** The class of an edge and what it rests on. */
export interface Compatibility {
  readonly older: Version;
  readonly newer: Version;
  readonly class: CompatibilityClass;
  /** The reasons of the two directions, in one line. */
  readonly reason: string;
  /** States of `older` valid at `newer`. */
  readonly backward: DirectionVerdict;
  /** States of `newer` valid at `older`. */
  readonly forward: DirectionVerdict;
  /** For `NONE`: a state one side rejects (the backward one when both are known). */
  readonly counterexample?: Counterexample;
}

/** Two versions joined by an edge, in either order. */
export interface EdgeVersions {
  readonly from: string;
  readonly to: string;
}

/** The class two directions make. */
export const classOf = (
  backward: boolean | undefined,
  forward: boolean | undefined,
): CompatibilityClass =>
  backward === true
    ? forward === true
      ? 'FULL'
      : 'BACKWARD'
    : forward === true
      ? 'FORWARD'
      : 'NONE';

/** Whether `actual` gives every direction `required` asks for (`FULL` ⊇ `BACKWARD`, …). */
export const meetsClass = (actual: CompatibilityClass, required: CompatibilityClass): boolean =>
  required === 'NONE' || actual === 'FULL' || actual === required;

/**
 * One end of an edge as the comparison sees it: its canonical schema, and the decoder that
 * confirms a counterexample (the version's codec, or its snapshot's schema).
 */
export interface CompatibilitySide {
  readonly version: Version;
  readonly schema: JsonSchema;
  readonly codec: t.Decoder<unknown, unknown>;
  /** `'snapshot'`: the version has no codec in the code; its committed snapshot stands in. */
  readonly source: 'codec' | 'snapshot';
}

/**
 * The side of `version` in `m`: its own codec and the schema it exports; without one, its
 * snapshot (when `snapshots` holds it), whose counterexamples are checked on the schema
 * itself. A `Left` with reason `no_schema` when neither exists.
 */
export const sideOf = (
  m: SchemaSource,
  version: Version,
  snapshots?: ReadonlyMap<string, Snapshot>,
): E.Either<StateVersionError, CompatibilitySide> => {
  const own = jsonSchema(m, version);
  if (E.isRight(own)) {
    const codec = m.codecFor(version) as t.Decoder<unknown, unknown>;
    return E.right({ version, schema: own.right, codec, source: 'codec' });
  }
  const snapshot = snapshots?.get(version);
  if (snapshot === undefined) return own;
  return E.right({
    version,
    schema: snapshot.schema,
    codec: schemaDecoder(version, snapshot.schema),
    source: 'snapshot',
  });
};

/** A decoder that can also say when it cannot tell (a snapshot's stand-in decoder). */
interface UncertainDecoder extends t.Decoder<unknown, unknown> {
  /** True or false when the schema decides `value`, undefined when it cannot tell. */
  readonly accepts: (value: unknown) => boolean | undefined;
}

/**
 * A decoder that accepts what a schema accepts as far as the containment's own reading of it
 * goes: it rejects only values the schema certainly rejects (a refinement, a custom codec or a
 * constraint it cannot judge passes). Its `accepts` tells a certain yes from a maybe, so a
 * counterexample needs a state it certainly accepts on the side it is said to be valid at.
 */
const schemaDecoder = (version: Version, schema: JsonSchema): UncertainDecoder => ({
  name: `snapshot ${version}`,
  accepts: (u) => matches(schema, schema, u as JsonValue),
  validate: (u, c) =>
    matches(schema, schema, u as JsonValue) === false
      ? E.left([{ value: u, context: c, message: `not accepted by the snapshot of ${version}` }])
      : E.right(u),
  decode: (u) =>
    matches(schema, schema, u as JsonValue) === false
      ? E.left([{ value: u, context: [], message: `not accepted by the snapshot of ${version}` }])
      : E.right(u),
});

/**
 * The compatibility class of the edge between `edge.from` and `edge.to` (in either order: the
 * lower version is `older`), from the two versions' own codecs, or, for a version whose codec
 * is gone, from its schema snapshot in `options.snapshots` (`readSnapshots(dir)` in
 * `migraph/node` reads them). A `Left` with reason `no_schema` when a version has neither.
 *
 * Complexity: O(size of both schemas); a recursive schema is compared once per pair of
 * definitions.
 * @example
 * const m = new Migrator()
 *   .schema('1.0.0', t.type({ title: t.string }))
 *   .schema('1.1.0', t.type({ title: t.string, theme: t.string }))
 * compatibility(m, { from: '1.0.0', to: '1.1.0' })
 * // Right({ class: 'FORWARD', reason: 'backward: `theme` added (required); forward: contained', … })
 * @since 0.1.0
 */
export const compatibility = (
  m: SchemaSource,
  edge: EdgeVersions,
  options: { readonly snapshots?: ReadonlyMap<string, Snapshot> } = {},
): E.Either<StateVersionError, Compatibility> => {
  checkOptions('compatibility()', options, { snapshots: 'any' });
  const [older, newer] =
    compareVersions(edge.from, edge.to) <= 0 ? [edge.from, edge.to] : [edge.to, edge.from];
  const a = sideOf(m, older, options.snapshots);
  if (E.isLeft(a)) return a;
  const b = sideOf(m, newer, options.snapshots);
  if (E.isLeft(b)) return b;
  return E.right(compareSides(a.right, b.right));
};

/**
 * The class of an edge between two sides (`older` first), by containment of their schemas,
 * each refutation confirmed by the sides' decoders.
 *
 * Complexity: O(size of both schemas).
 */
export const compareSides = (older: CompatibilitySide, newer: CompatibilitySide): Compatibility =>
  compatibilityResult(
    older.version,
    newer.version,
    confirm(containment(older.schema, newer.schema), older, newer),
    confirm(containment(newer.schema, older.schema), newer, older),
  );

/** The result for two verdicts (shared with the sampling layer). */
export const compatibilityResult = (
  older: Version,
  newer: Version,
  backward: DirectionVerdict,
  forward: DirectionVerdict,
): Compatibility => {
  const cls = classOf(backward.holds, forward.holds);
  const counterexample = backward.counterexample ?? forward.counterexample;
  return {
    older,
    newer,
    class: cls,
    reason: `backward: ${backward.reason}; forward: ${forward.reason}`,
    backward,
    forward,
    ...(cls === 'NONE' && counterexample !== undefined ? { counterexample } : {}),
  };
};

/**
 * The counterexample `state` makes, or undefined when `from`'s codec rejects it too or `to`'s
 * accepts it.
 */
export const counterexampleOf = (
  state: unknown,
  from: { readonly version: Version; readonly codec: t.Decoder<unknown, unknown> },
  to: { readonly version: Version; readonly codec: t.Decoder<unknown, unknown> },
): Counterexample | undefined => {
  // A snapshot that cannot tell whether it accepts the state (a pattern, a length…) gives no
  // counterexample: `decode` passing is not enough there.
  const accepts = (from.codec as Partial<UncertainDecoder>).accepts;
  if (accepts !== undefined && accepts(state) !== true) return undefined;
  const valid = safeDecode(from.codec, state);
  if (valid === undefined || E.isLeft(valid)) return undefined;
  const other = safeDecode(to.codec, state);
  if (other !== undefined && E.isRight(other)) return undefined;
  return {
    state,
    validAt: from.version,
    rejectedBy: to.version,
    errors:
      other === undefined ? ['the codec threw'] : formatValidationErrors(other.left as t.Errors),
  };
};

const safeDecode = (codec: t.Decoder<unknown, unknown>, state: unknown) => {
  try {
    return codec.decode(state);
  } catch {
    return undefined;
  }
};

/** A containment verdict turned into a direction verdict, its witness checked by decoding. */
const confirm = (
  verdict: ContainmentVerdict,
  from: { readonly version: Version; readonly codec: t.Decoder<unknown, unknown> },
  to: { readonly version: Version; readonly codec: t.Decoder<unknown, unknown> },
): DirectionVerdict => {
  if (verdict.holds !== false) {
    return { holds: verdict.holds, by: 'schema', reason: verdict.reason };
  }
  const counterexample = counterexampleOf(verdict.witness, from, to);
  return counterexample === undefined
    ? { holds: undefined, by: 'schema', reason: `undecided (${verdict.reason})` }
    : { holds: false, by: 'schema', reason: verdict.reason, counterexample };
};

// --- containment --------------------------------------------------------------------------

/** Whether every value of one schema is accepted by another (`witness`: a value that is not). */
export type ContainmentVerdict =
  | { readonly holds: true; readonly reason: string }
  | { readonly holds: undefined; readonly reason: string }
  | { readonly holds: false; readonly reason: string; readonly witness: JsonValue };

const YES: ContainmentVerdict = { holds: true, reason: 'contained' };

interface Roots {
  readonly sub: JsonSchema;
  readonly sup: JsonSchema;
  /** `$ref` pairs being compared: met again, they are assumed contained (coinduction). */
  readonly seen: Set<string>;
}

/**
 * Whether every value of `sub` (as its type describes it: an object with declared fields has
 * no others) is accepted by `sup` (as `decode` accepts: undeclared fields are ignored). Both are
 * JSON Schemas as {@link toJsonSchema} exports them; `$ref`s point into their own `$defs`.
 *
 * Complexity: O(size of both schemas).
 * @example
 * containment(toJsonSchema(t.type({ a: t.string })), toJsonSchema(t.type({})))
 * // { holds: true, reason: 'contained' }
 * @since 0.1.0
 */
export const containment = (sub: JsonSchema, sup: JsonSchema): ContainmentVerdict =>
  contains({ sub, sup, seen: new Set() }, '', sub, sup);

const ANNOTATIONS = new Set(['description', 'title', 'examples', '$comment', '$schema', '$defs']);

const strip = (schema: JsonSchema): JsonSchema =>
  Object.fromEntries(Object.entries(schema).filter(([k]) => !ANNOTATIONS.has(k)));

const isAny = (schema: JsonSchema): boolean => Object.keys(strip(schema)).length === 0;

/** `{ not: {} }`: no value (what `t.never`, `t.undefined` and `bigint` export). */
const isNothing = (schema: JsonSchema): boolean => isSchema(schema.not) && isAny(schema.not);

const isSchema = (value: JsonValue | undefined): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const resolve = (root: JsonSchema, schema: JsonSchema, depth = 0): JsonSchema => {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/') || depth > 32) return schema;
  const target = (root.$defs as Record<string, JsonSchema> | undefined)?.[ref.slice(8)];
  if (target === undefined) return schema;
  const { $ref: _ref, ...rest } = schema;
  return resolve(root, { ...target, ...rest }, depth + 1);
};

const where = (path: string) => (path === '' ? 'the state' : `\`${path}\``);
const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

const no = (reason: string, witness: JsonValue): ContainmentVerdict => ({
  holds: false,
  reason,
  witness,
});
const undecided = (reason: string): ContainmentVerdict => ({ holds: undefined, reason });

/** The values a schema's `const` or `enum` allows; undefined when it names none. */
const valuesOf = (schema: JsonSchema): readonly JsonValue[] | undefined =>
  'const' in schema
    ? [schema.const!]
    : Array.isArray(schema.enum)
      ? (schema.enum as JsonValue[])
      : undefined;

const JSON_TYPES = ['null', 'boolean', 'number', 'string', 'array', 'object'] as const;
type JsonType = (typeof JSON_TYPES)[number] | 'integer';

/** The types a schema names (`type`, one or several); every type when it names none. */
const typesOf = (schema: JsonSchema): readonly JsonType[] => {
  const type = schema.type;
  if (typeof type === 'string') return [type as JsonType];
  if (Array.isArray(type)) return type as JsonType[];
  return JSON_TYPES;
};

const allows = (types: readonly JsonType[], type: JsonType): boolean =>
  types.includes(type) || (type === 'integer' && types.includes('number'));

const contains = (
  roots: Roots,
  path: string,
  sub0: JsonSchema,
  sup0: JsonSchema,
): ContainmentVerdict => {
  if (typeof sub0.$ref === 'string' || typeof sup0.$ref === 'string') {
    const pair = `${String(sub0.$ref)}|${String(sup0.$ref)}`;
    if (roots.seen.has(pair)) return YES;
    roots.seen.add(pair);
  }
  const sub = strip(resolve(roots.sub, sub0));
  const sup = strip(resolve(roots.sup, sup0));
  if (isAny(sup) || isNothing(sub)) return YES;
  if (canonicalText(sub) === canonicalText(sup) && !hasRefs(sub)) return YES;

  // Custom codecs: the same name on both sides is taken as the same codec.
  const subCodec = sub[CODEC_MARKER];
  const supCodec = sup[CODEC_MARKER];
  if (subCodec !== undefined || supCodec !== undefined) {
    return subCodec !== undefined && subCodec === supCodec
      ? { holds: true, reason: `the same codec ${String(subCodec)}` }
      : undecided(`${where(path)} is a custom codec (${String(supCodec ?? subCodec)})`);
  }
  // Refinements: the same predicate (by name) on both sides compares the bases; a predicate
  // only `sub` has narrows it (still inside `sup` when its base is); one only `sup` has is
  // undecidable from the schemas.
  const subRefined = sub[REFINEMENT_MARKER];
  const supRefined = sup[REFINEMENT_MARKER];
  if (supRefined !== undefined && supRefined !== subRefined) {
    const base = contains(roots, path, withoutMarker(sub), withoutMarker(sup));
    return base.holds === false
      ? base
      : undecided(`${where(path)} refined by ${String(supRefined)}`);
  }
  if (subRefined !== undefined || supRefined !== undefined) {
    return contains(roots, path, withoutMarker(sub), withoutMarker(sup));
  }

  if (Array.isArray(sub.anyOf)) {
    return every(
      (sub.anyOf as JsonSchema[]).map(
        (member) => () => contains(roots, path, { ...withoutKey(sub, 'anyOf'), ...member }, sup),
      ),
    );
  }
  if (Array.isArray(sub.allOf)) {
    for (const member of sub.allOf as JsonSchema[]) {
      if (contains(roots, path, member, sup).holds === true) return YES;
    }
    return undecided(`${where(path)} is an intersection`);
  }
  const subValues = valuesOf(sub);
  if (subValues !== undefined) {
    for (const value of subValues) {
      const ok = matches(roots.sup, sup, value);
      if (ok === false) return no(`${where(path)} does not accept ${literal(value)}`, value);
      if (ok === undefined) return undecided(`${where(path)}: ${literal(value)}`);
    }
    return YES;
  }
  if (sub.type === 'boolean') {
    return contains(roots, path, { ...withoutKey(sub, 'type'), enum: [false, true] }, sup);
  }
  if (sub.type === 'null')
    return contains(roots, path, { ...withoutKey(sub, 'type'), const: null }, sup);
  if (Array.isArray(sup.anyOf)) {
    const members = (sup.anyOf as JsonSchema[]).map((member) =>
      contains(roots, path, sub, { ...withoutKey(sup, 'anyOf'), ...member }),
    );
    if (members.some((v) => v.holds === true)) return YES;
    for (const v of members) {
      if (v.holds === false && matches(roots.sup, sup, v.witness) === false) {
        return no(
          `${where(path)} expects ${summary(sup)}, the states have ${summary(sub)}`,
          v.witness,
        );
      }
    }
    return undecided(`${where(path)}: no one member of the union covers ${summary(sub)}`);
  }
  if (Array.isArray(sup.allOf)) {
    return every(
      (sup.allOf as JsonSchema[]).map(
        (member) => () => contains(roots, path, sub, { ...withoutKey(sup, 'allOf'), ...member }),
      ),
    );
  }
  if (isNothing(sup))
    return no(`${where(path)} accepts nothing any more`, exampleOf(roots.sub, sub));
  const supValues = valuesOf(sup);
  if (supValues !== undefined) {
    const texts = new Set(supValues.map(canonicalText));
    const outside = candidates(roots.sub, sub).find((v) => !texts.has(canonicalText(v)));
    return outside === undefined
      ? undecided(`${where(path)} narrowed to ${summary(sup)}`)
      : no(`${where(path)} expects ${summary(sup)}, the states have ${summary(sub)}`, outside);
  }

  const subTypes = typesOf(sub);
  const supTypes = typesOf(sup);
  for (const type of subTypes) {
    if (!allows(supTypes, type)) {
      const fraction = type === 'number' && supTypes.includes('integer');
      return no(
        `${where(path)} expects ${summary(sup)}, the states have ${summary(sub)}`,
        fraction ? 0.5 : exampleOfType(roots.sub, sub, type),
      );
    }
  }
  for (const keyword of CONSTRAINTS) {
    if (
      sup[keyword] !== undefined &&
      canonicalText(sup[keyword]) !== canonicalText(sub[keyword] ?? null)
    ) {
      return undecided(`${where(path)} constraint ${keyword}`);
    }
  }
  const checks: (() => ContainmentVerdict)[] = [];
  if (subTypes.includes('object') && supTypes.includes('object')) {
    checks.push(() => containsObject(roots, path, sub, sup));
  }
  if (subTypes.includes('array') && supTypes.includes('array')) {
    checks.push(() => containsArray(roots, path, sub, sup));
  }
  return every(checks);
};

/** Keywords that narrow a type beyond what the containment reads: left to sampling. */
const CONSTRAINTS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'contains',
  'patternProperties',
] as const;

const hasRefs = (schema: JsonSchema): boolean => canonicalText(schema).includes('"$ref"');

const withoutKey = (schema: JsonSchema, key: string): JsonSchema => {
  const { [key]: _drop, ...rest } = schema;
  return rest;
};

/** A refined schema's base (`t.Int` keeps its `integer` type). */
const withoutMarker = (schema: JsonSchema): JsonSchema => withoutKey(schema, REFINEMENT_MARKER);

/** The first verdict that does not hold (a refutation before an undecided one), else yes. */
const every = (checks: readonly (() => ContainmentVerdict)[]): ContainmentVerdict => {
  let open: ContainmentVerdict | undefined;
  for (const check of checks) {
    const verdict = check();
    if (verdict.holds === false) return verdict;
    if (verdict.holds === undefined) open ??= verdict;
  }
  return open ?? YES;
};

const containsObject = (
  roots: Roots,
  path: string,
  sub: JsonSchema,
  sup: JsonSchema,
): ContainmentVerdict => {
  const subProps = (isSchema(sub.properties) ? sub.properties : {}) as Record<string, JsonSchema>;
  const supProps = (isSchema(sup.properties) ? sup.properties : {}) as Record<string, JsonSchema>;
  const subRequired = new Set((sub.required ?? []) as string[]);
  const supRequired = [...new Set((sup.required ?? []) as string[])].sort();
  // A state of `sub` has its declared fields and, when `sub` is a record, any other key.
  const subRest: JsonSchema | undefined = isSchema(sub.additionalProperties)
    ? sub.additionalProperties
    : sub.additionalProperties === false || sub.properties !== undefined
      ? undefined
      : {};
  const base = () => exampleOf(roots.sub, sub);
  for (const key of supRequired) {
    if (!subRequired.has(key)) {
      const field = supProps[key];
      return no(
        `${where(join(path, key))} is required (${field === undefined ? 'any' : summary(field)}), ${subProps[key] === undefined ? 'absent from' : 'optional in'} the states`,
        base(),
      );
    }
  }
  const checks: (() => ContainmentVerdict)[] = [];
  for (const key of Object.keys(supProps).sort()) {
    const field = subProps[key] ?? subRest;
    if (field === undefined) continue;
    checks.push(() => {
      const verdict = contains(roots, join(path, key), field, supProps[key]!);
      return verdict.holds === false
        ? {
            ...verdict,
            witness: { ...(base() as Record<string, JsonValue>), [key]: verdict.witness },
          }
        : verdict;
    });
  }
  const supRest = sup.additionalProperties;
  if (supRest !== undefined && !(isSchema(supRest) && isAny(supRest))) {
    const rest: JsonSchema = supRest === false ? { not: {} } : (supRest as JsonSchema);
    for (const key of Object.keys(subProps).sort()) {
      if (key in supProps) continue;
      checks.push(() => {
        const verdict = contains(roots, join(path, key), subProps[key]!, rest);
        return verdict.holds === false
          ? {
              ...verdict,
              witness: { ...(base() as Record<string, JsonValue>), [key]: verdict.witness },
            }
          : verdict;
      });
    }
    if (subRest !== undefined) {
      checks.push(() => {
        const verdict = contains(roots, `${path}{*}`, subRest, rest);
        return verdict.holds === false
          ? {
              ...verdict,
              witness: { ...(base() as Record<string, JsonValue>), 'x-key': verdict.witness },
            }
          : verdict;
      });
    }
  }
  if (isSchema(sup.propertyNames)) {
    const names = sup.propertyNames;
    checks.push(() => {
      for (const key of Object.keys(subProps)) {
        const ok = matches(roots.sup, names, key);
        if (ok !== true) return undecided(`${where(path)} key names`);
      }
      return subRest === undefined
        ? YES
        : isSchema(sub.propertyNames)
          ? contains(roots, `${path}{keys}`, sub.propertyNames, names)
          : undecided(`${where(path)} key names`);
    });
  }
  return every(checks);
};

const containsArray = (
  roots: Roots,
  path: string,
  sub: JsonSchema,
  sup: JsonSchema,
): ContainmentVerdict => {
  const subPrefix = Array.isArray(sub.prefixItems) ? (sub.prefixItems as JsonSchema[]) : [];
  const supPrefix = Array.isArray(sup.prefixItems) ? (sup.prefixItems as JsonSchema[]) : [];
  const subItems = isSchema(sub.items)
    ? sub.items
    : Array.isArray(sub.prefixItems)
      ? undefined
      : {};
  const supItems = isSchema(sup.items) ? sup.items : {};
  const subMin = typeof sub.minItems === 'number' ? sub.minItems : 0;
  const supMin = typeof sup.minItems === 'number' ? sup.minItems : 0;
  const base = () => exampleOf(roots.sub, sub) as JsonValue[];
  if (subMin < supMin) {
    return no(`${where(path)} needs ${supMin} item(s), had ${subMin}`, base());
  }
  const checks: (() => ContainmentVerdict)[] = [];
  const length = Math.max(subPrefix.length, supPrefix.length);
  for (let i = 0; i < length; i++) {
    const item = subPrefix[i] ?? subItems;
    if (item === undefined) continue;
    const target = supPrefix[i] ?? supItems;
    checks.push(() => {
      const verdict = contains(roots, `${path}[${i}]`, item, target);
      if (verdict.holds !== false) return verdict;
      const items = base();
      while (items.length < i)
        items.push(exampleOf(roots.sub, subPrefix[items.length] ?? subItems ?? {}));
      items[i] = verdict.witness;
      return { ...verdict, witness: items };
    });
  }
  if (subItems !== undefined) {
    checks.push(() => {
      const verdict = contains(roots, `${path}[*]`, subItems, supItems);
      if (verdict.holds !== false) return verdict;
      const items = base();
      while (items.length < subPrefix.length)
        items.push(exampleOf(roots.sub, subPrefix[items.length]!));
      if (items.length < supPrefix.length) return undecided(`${where(path)}[*]`);
      return { ...verdict, witness: [...items, verdict.witness] };
    });
  }
  return every(checks);
};

// --- values of a schema -------------------------------------------------------------------

/** A small value of `schema` (its required fields only, the first member of a union). */
const exampleOf = (root: JsonSchema, schema0: JsonSchema, depth = 0): JsonValue => {
  const schema = resolve(root, schema0);
  const values = valuesOf(schema);
  if (values !== undefined) return values[0] ?? null;
  if (depth > 8) return null;
  if (Array.isArray(schema.anyOf)) {
    return exampleOf(root, (schema.anyOf as JsonSchema[])[0] ?? {}, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as JsonSchema[]).map((s) => exampleOf(root, s, depth + 1));
    return parts.every((p) => isSchema(p)) ? Object.assign({}, ...parts) : (parts[0] ?? null);
  }
  const types = typesOf(schema);
  return exampleOfType(
    root,
    schema,
    types.length === JSON_TYPES.length ? 'null' : types[0]!,
    depth,
  );
};

const exampleOfType = (
  root: JsonSchema,
  schema: JsonSchema,
  type: JsonType,
  depth = 0,
): JsonValue => {
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'string':
      return typeof schema.minLength === 'number' ? 'x'.repeat(schema.minLength) : '';
    case 'array': {
      const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const items = isSchema(schema.items) ? schema.items : {};
      return Array.from({ length: min }, (_, i) => exampleOf(root, prefix[i] ?? items, depth + 1));
    }
    case 'object': {
      const props = (isSchema(schema.properties) ? schema.properties : {}) as Record<
        string,
        JsonSchema
      >;
      const required = (schema.required ?? []) as string[];
      return Object.fromEntries(
        required.map((key) => [key, exampleOf(root, props[key] ?? {}, depth + 1)]),
      );
    }
  }
};

/** A few distinct values of `schema`, for finding one outside an `enum`. */
const candidates = (root: JsonSchema, schema: JsonSchema): JsonValue[] => {
  const types = typesOf(schema);
  const extra: JsonValue[] = [];
  if (types.includes('string')) extra.push('', 'a', 'migraph-counterexample');
  if (types.includes('number') || types.includes('integer')) extra.push(0, 1, 1234567);
  if (types.includes('null')) extra.push(null);
  if (types.includes('boolean')) extra.push(false, true);
  return [exampleOf(root, schema), ...extra];
};

/**
 * Whether `value` is accepted by `schema` (the keywords the canonical export uses); undefined
 * when a refinement or a custom codec decides.
 */
const matches = (root: JsonSchema, schema0: JsonSchema, value: JsonValue): boolean | undefined => {
  const schema = resolve(root, schema0);
  if (schema[CODEC_MARKER] !== undefined) return undefined;
  if (isNothing(schema)) return false;
  const results: (boolean | undefined)[] = [];
  if ('const' in schema) results.push(canonicalText(schema.const!) === canonicalText(value));
  if (Array.isArray(schema.enum)) {
    const text = canonicalText(value);
    results.push((schema.enum as JsonValue[]).some((v) => canonicalText(v) === text));
  }
  if (schema.type !== undefined) {
    const type = jsonTypeOf(value);
    const types = typesOf(schema);
    results.push(
      allows(types, type) ||
        (type === 'number' && Number.isInteger(value) && types.includes('integer')),
    );
  }
  if (Array.isArray(schema.anyOf)) {
    const members = (schema.anyOf as JsonSchema[]).map((s) => matches(root, s, value));
    results.push(members.includes(true) ? true : members.includes(undefined) ? undefined : false);
  }
  if (Array.isArray(schema.allOf)) {
    for (const s of schema.allOf as JsonSchema[]) results.push(matches(root, s, value));
  }
  if (isSchema(value) && !Array.isArray(value)) {
    const props = (isSchema(schema.properties) ? schema.properties : {}) as Record<
      string,
      JsonSchema
    >;
    for (const key of (schema.required ?? []) as string[]) results.push(key in value);
    for (const [key, v] of Object.entries(value)) {
      const field =
        props[key] ??
        (isSchema(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (field !== undefined) results.push(matches(root, field, v));
      else if (schema.additionalProperties === false) results.push(false);
    }
  }
  if (Array.isArray(value)) {
    const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
    if (typeof schema.minItems === 'number') results.push(value.length >= schema.minItems);
    value.forEach((v, i) => {
      const item = prefix[i] ?? (isSchema(schema.items) ? schema.items : undefined);
      if (item !== undefined) results.push(matches(root, item, v));
    });
  }
  if (schema[REFINEMENT_MARKER] !== undefined) results.push(undefined);
  if (CONSTRAINTS.some((k) => schema[k] !== undefined)) results.push(undefined);
  return results.includes(false) ? false : results.includes(undefined) ? undefined : true;
};

const jsonTypeOf = (value: JsonValue): JsonType =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : (typeof value as 'boolean' | 'number' | 'string' | 'object');

const literal = (value: JsonValue): string =>
  typeof value === 'string' ? `'${value}'` : canonicalText(value);

/** A short description of a schema, for reasons. */
const summary = (schema: JsonSchema): string => {
  const values = valuesOf(schema);
  if (values !== undefined) return values.map(literal).join(' | ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(summary).join(' | ');
  if (typeof schema.$ref === 'string') return schema.$ref.replace('#/$defs/', '');
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return typeof schema.type === 'string' ? schema.type : 'any';
};
