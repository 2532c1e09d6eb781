/**
 * A version's schema as a durable artefact: io-ts codecs exported as canonical JSON Schema
 * (draft 2020-12), the form snapshots are stored and compared in.
 *
 * Canonical means equal codecs give byte-equal JSON: keys are sorted, `required` and `enum`
 * too, the members of a union and an intersection are sorted by their own canonical text, a
 * union of literals and a `keyof` give the same `enum`. What JSON Schema cannot say is kept as
 * a named marker, never dropped: `x-migraph-refinement` (a refinement's predicate or a brand),
 * `x-migraph-codec` (a custom `t.Type`), `x-migraph-type` (`bigint`, `function`: no JSON value).
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { classify, type AnyCodec, type CodecNode, type LeafKind } from './codec-walker.js';
import { StateVersionError } from './errors.js';
import type { JsonSchema, JsonValue } from './json-value.js';
import type { StandardSchemaV1 } from './standard-schema.js';

export type { JsonSchema, JsonValue } from './json-value.js';

/** The dialect every exported schema declares. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** The marker of a refinement or a brand, whose predicate JSON Schema cannot hold. */
export const REFINEMENT_MARKER = 'x-migraph-refinement';

/** The marker of a custom codec, whose shape is unknown. */
export const CODEC_MARKER = 'x-migraph-codec';

/** The schema no JSON value satisfies. */
const NOTHING: JsonSchema = { not: {} };

/** What a walk keeps: the definitions of recursive codecs, by name. */
interface Walk {
  readonly defs: Map<string, JsonSchema>;
  readonly names: Map<AnyCodec, string>;
}

/**
 * The canonical JSON Schema of an io-ts codec: what `decode` accepts of JSON values, except
 * for the predicates of refinements and brands (carried as `x-migraph-refinement: <name>`) and
 * the keys a refined record domain ignores. A `description` string on a codec is carried.
 *
 * Complexity: O(size of the codec tree); recursive codecs are walked once (`$defs`).
 * @example
 * toJsonSchema(t.type({ b: t.number, a: t.union([t.literal('x'), t.literal('y')]) }))
 * // { $schema: '…/2020-12/schema', type: 'object',
 * //   properties: { a: { enum: ['x', 'y'] }, b: { type: 'number' } }, required: ['a', 'b'] }
 * @since 0.1.0
 */
export const toJsonSchema = (codec: AnyCodec): JsonSchema => {
  const walk: Walk = { defs: new Map(), names: new Map() };
  const root = schemaOf(walk, codec);
  const defs: JsonSchema =
    walk.defs.size === 0
      ? {}
      : { $defs: Object.fromEntries([...walk.defs].sort(([a], [b]) => compareText(a, b))) };
  return canonical({ $schema: JSON_SCHEMA_DIALECT, ...root, ...defs }) as JsonSchema;
};

/** What {@link jsonSchema} needs of a migrator: its versions' own codecs. */
export interface SchemaSource {
  /** Whether `version` has a codec of its own (not counting the `'*'` fallback). */
  hasOwnSchema(version: string): boolean;
  /** The codec that applies to `version`. */
  codecFor(version: string): { readonly decode: (u: unknown) => unknown } | undefined;
}

/**
 * The canonical JSON Schema of `version`'s own codec in a migrator (see {@link toJsonSchema}):
 * the artefact snapshots store and compare. A `Left` with reason `no_schema` for a version
 * without a codec of its own (the `'*'` fallback is no version's schema) or no version at all.
 * A free function rather than a method, so that a browser bundle of `Migrator` alone does not
 * carry the schema export.
 *
 * @example
 * jsonSchema(new Migrator().schema('1.1.0', t.type({ tags: t.array(t.string) })), '1.1.0')
 * // Right({ $schema: '…', type: 'object', properties: { tags: … }, required: ['tags'] })
 * @since 0.1.0
 */
export const jsonSchema = (
  m: SchemaSource,
  version: string,
): E.Either<StateVersionError, JsonSchema> => {
  const codec = m.hasOwnSchema(version) ? m.codecFor(version) : undefined;
  return codec === undefined
    ? E.left(
        new StateVersionError(
          `Version ${version} has no codec of its own (m.schema(${JSON.stringify(version)}, codec))`,
          { reason: 'no_schema', version },
        ),
      )
    : E.right(toJsonSchema(codec as unknown as AnyCodec));
};

const schemaOf = (walk: Walk, codec: AnyCodec): JsonSchema => {
  const schema = nodeSchema(walk, classify(codec));
  const description = (codec as { description?: unknown }).description;
  return typeof description === 'string' ? { ...schema, description } : schema;
};

const nodeSchema = (walk: Walk, node: CodecNode): JsonSchema => {
  switch (node.kind) {
    case 'leaf':
      return leafSchema(node.leaf);
    case 'literal':
      return { const: node.value };
    case 'keyof':
      return enumOf(node.keys);
    case 'object':
      return objectSchema(walk, node.props, node.required);
    case 'exact':
    case 'readonly':
      return schemaOf(walk, node.inner);
    case 'array':
      return { type: 'array', items: schemaOf(walk, node.item) };
    case 'record':
      return node.keys === undefined
        ? openRecord(walk, node.domain, node.codomain)
        : objectSchema(walk, Object.fromEntries(node.keys.map((k) => [k, node.codomain])), true);
    case 'tuple': {
      const required = node.items.map((item) => !acceptsUndefined(item));
      return {
        type: 'array',
        prefixItems: node.items.map((item) => schemaOf(walk, item)),
        minItems: required.lastIndexOf(true) + 1,
      };
    }
    case 'union':
      return unionOf(node.members.map((member) => schemaOf(walk, member)));
    case 'intersection':
      return intersectionOf(node.members.map((member) => schemaOf(walk, member)));
    case 'refinement': {
      const inner = schemaOf(walk, node.inner);
      const integer: JsonSchema =
        node.name === 'Int' && inner.type === 'number' ? { type: 'integer' } : {};
      return { ...inner, ...integer, [REFINEMENT_MARKER]: node.name };
    }
    case 'recursive':
      return recursiveRef(walk, node);
    case 'standard-schema': {
      const schema = validatorJsonSchema(node);
      return schema === undefined
        ? { [CODEC_MARKER]: node.name }
        : embedded(walk, schema, node.name);
    }
    case 'custom':
      return { [CODEC_MARKER]: node.name };
  }
};

/**
 * The JSON Schema (draft 2020-12) of the values a Standard Schema validator accepts: the one
 * given with it, else the library's own (`~standard.jsonSchema`, zod ≥ 4.2, arktype ≥ 2.1.28);
 * undefined when there is neither. Throws, naming the way out, when the library cannot express
 * the schema (a `Date`, …).
 *
 * @since 0.1.0
 */
export const validatorJsonSchema = (node: {
  readonly validator: StandardSchemaV1;
  readonly jsonSchema: JsonSchema | undefined;
  readonly name: string;
}): JsonSchema | undefined => {
  if (node.jsonSchema !== undefined) return node.jsonSchema;
  try {
    return node.validator['~standard'].jsonSchema?.input({ target: 'draft-2020-12' }) as
      JsonSchema | undefined;
  } catch (cause) {
    throw new TypeError(
      `The ${node.name} cannot give its JSON Schema: ${String(cause)}; pass one as fromStandardSchema(validator, { jsonSchema })`,
      { cause },
    );
  }
};

/**
 * A JSON Schema a validator gives of itself (§15), in this module's canonical form, so that it
 * compares with an io-ts codec's: no `$schema` or `$id`; its definitions (and a `$ref` to its
 * root) joined to the walk's, named after the codec in the order a canonical reading meets
 * them (not by the library's own names, which may change with what else was defined); no
 * `type` beside a `const` or `enum` it implies; `enum`s and unions (a list of types included)
 * as {@link enumOf} and {@link unionOf} write them; objects with their `required` list.
 */
const embedded = (walk: Walk, given: JsonSchema, name: string): JsonSchema => {
  const { $schema: _s, $id: _i, $defs, definitions, ...root } = given;
  const targets = new Map<string, JsonValue>([['#', root]]);
  for (const [keyword, map] of [
    ['$defs', $defs],
    ['definitions', definitions],
  ] as const) {
    for (const [key, schema] of Object.entries(isSchema(map) ? map : {})) {
      targets.set(`#/${keyword}/${key}`, schema);
    }
  }
  const refs = new Map<string, string>();
  const queue: JsonValue[] = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const [, ref] of canonicalText(queue[i]!).matchAll(/"\$ref":"([^"]*)"/g)) {
      if (refs.has(ref!) || !targets.has(ref!)) continue;
      const free = freeName(walk, name);
      walk.defs.set(free, {});
      refs.set(ref!, free);
      queue.push(targets.get(ref!)!);
    }
  }
  const normalised = (schema: JsonValue) =>
    mapSchemas(schema, (s) => normalise(s, refs)) as JsonSchema;
  for (const [ref, free] of refs) walk.defs.set(free, normalised(targets.get(ref)!));
  const self = refs.get('#');
  return self === undefined ? normalised(root) : { $ref: `#/$defs/${self}` };
};

/** One schema of {@link embedded}, its sub-schemas already normalised. */
const normalise = (schema: JsonSchema, refs: ReadonlyMap<string, string>): JsonSchema => {
  const { type, anyOf, ...rest } = schema;
  if (Array.isArray(type) && Object.keys(rest).length === 0 && anyOf === undefined) {
    return unionOf(type.map((one) => ({ type: one })));
  }
  const out: Record<string, JsonValue> = rest;
  const ref = typeof rest.$ref === 'string' ? refs.get(rest.$ref) : undefined;
  if (ref !== undefined) out.$ref = `#/$defs/${ref}`;
  const listed = rest.enum;
  if (Array.isArray(listed)) {
    delete out.enum;
    Object.assign(out, enumOf(listed as JsonValue[]));
  }
  const values = 'enum' in out ? (out.enum as JsonValue[]) : 'const' in out ? [out.const!] : [];
  if (type !== undefined && !(values.length > 0 && values.every((v) => isOfType(v, type)))) {
    out.type = type;
  }
  if (type === 'object' && isSchema(out.properties) && out.required === undefined) {
    out.required = [];
  }
  return Array.isArray(anyOf) ? { ...out, ...unionOf(anyOf as JsonSchema[]) } : out;
};

/** True when `value` is of the JSON Schema `type` (a single type name). */
const isOfType = (value: JsonValue, type: JsonValue | undefined): boolean => {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isSchema(value);
    case 'null':
      return value === null;
    default:
      return typeof type === 'string' && typeof value === type;
  }
};

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const leafSchema = (leaf: LeafKind): JsonSchema => {
  switch (leaf) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return { type: leaf };
    case 'unknown-array':
      return { type: 'array' };
    case 'unknown-record':
      return { type: 'object' };
    case 'object':
      return { type: ['array', 'object'] };
    case 'unknown':
    case 'any':
      return {};
    case 'bigint':
    case 'function':
      return { ...NOTHING, 'x-migraph-type': leaf };
    case 'undefined':
    case 'void':
    case 'never':
      return NOTHING;
  }
};

/** `t.type` and `t.partial`: a field is required when its codec rejects `undefined`. */
const objectSchema = (walk: Walk, props: Readonly<Record<string, AnyCodec>>, required: boolean) => {
  const keys = Object.keys(props);
  return {
    type: 'object',
    properties: Object.fromEntries(keys.map((key) => [key, schemaOf(walk, props[key]!)])),
    required: required ? keys.filter((key) => !acceptsUndefined(props[key]!)) : [],
  };
};

/** A record with an open domain: every value matches the codomain. */
const openRecord = (walk: Walk, domain: AnyCodec, codomain: AnyCodec): JsonSchema => {
  const keys = schemaOf(walk, domain);
  const names: JsonSchema =
    keys.type === 'string' && Object.keys(keys).length === 1 ? {} : { propertyNames: keys };
  return { type: 'object', additionalProperties: schemaOf(walk, codomain), ...names };
};

/** A recursive codec: a `$ref` to its definition, written once. */
const recursiveRef = (
  walk: Walk,
  node: { readonly inner: () => AnyCodec; readonly name: string },
) => {
  const inner = node.inner();
  let name = walk.names.get(inner);
  if (name === undefined) {
    name = freeName(walk, node.name);
    walk.names.set(inner, name);
    walk.defs.set(name, {});
    walk.defs.set(name, schemaOf(walk, inner));
  }
  return { $ref: `#/$defs/${name}` };
};

const freeName = (walk: Walk, wanted: string): string => {
  const base = wanted.replace(/[^A-Za-z0-9_.-]/g, '_') || 'Recursive';
  let name = base;
  for (let n = 2; walk.defs.has(name); n++) name = `${base}_${n}`;
  return name;
};

/** True when the codec's `decode` accepts `undefined`: the field may be absent. */
const acceptsUndefined = (codec: AnyCodec): boolean => {
  try {
    return codec.decode(undefined)._tag === 'Right';
  } catch {
    return false;
  }
};

const isNothing = (schema: JsonSchema): boolean =>
  Object.keys(schema).length === 1 &&
  schema.not !== undefined &&
  canonicalText(schema.not) === '{}';

/** A union: members no JSON value matches are left out; literals become one `enum`. */
const unionOf = (members: readonly JsonSchema[]): JsonSchema => {
  const kept = uniqueSorted(members.filter((m) => !isNothing(m)));
  if (kept.length === 0) return NOTHING;
  if (kept.length === 1) return kept[0]!;
  const values = kept.flatMap((m) =>
    'const' in m && Object.keys(m).length === 1
      ? [m.const]
      : 'enum' in m && Object.keys(m).length === 1
        ? (m.enum as JsonValue[])
        : [undefined],
  );
  if (values.every((v) => v !== undefined)) return enumOf(values as JsonValue[]);
  return { anyOf: kept };
};

/** An intersection: plain object schemas are merged field by field, anything else is `allOf`. */
const intersectionOf = (members: readonly JsonSchema[]): JsonSchema => {
  const kept = uniqueSorted(members);
  if (kept.length === 1) return kept[0]!;
  const plain = kept.every(
    (m) =>
      m.type === 'object' &&
      Object.keys(m).every((k) => ['type', 'properties', 'required'].includes(k)),
  );
  if (!plain) return { allOf: kept };
  const properties = new Map<string, JsonSchema>();
  const required = new Set<string>();
  for (const member of kept) {
    for (const [key, schema] of Object.entries(
      (member.properties ?? {}) as Record<string, JsonSchema>,
    )) {
      const held = properties.get(key);
      properties.set(key, held === undefined ? schema : intersectionOf([held, schema]));
    }
    for (const key of (member.required ?? []) as string[]) required.add(key);
  }
  return { type: 'object', properties: Object.fromEntries(properties), required: [...required] };
};

const enumOf = (values: readonly JsonValue[]): JsonSchema => {
  const sorted = uniqueSorted(values);
  return sorted.length === 1 ? { const: sorted[0]! } : { enum: sorted };
};

/** Distinct values, sorted by their canonical text. */
const uniqueSorted = <A extends JsonValue>(values: readonly A[]): A[] => {
  const byText = new Map(values.map((v) => [canonicalText(v), v]));
  return [...byText.keys()].sort(compareText).map((text) => byText.get(text)!);
};

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// --- canonical form -----------------------------------------------------------------------

/** The value with every object's keys sorted and every `required` list sorted. */
const canonical = (value: JsonValue): JsonValue => {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as { readonly [key: string]: JsonValue };
  // `fromEntries` defines own keys: a field named `__proto__` stays a field.
  return Object.fromEntries(
    Object.keys(object)
      .sort(compareText)
      .map((key) => {
        const v = object[key]!;
        const sorted =
          key === 'required' && Array.isArray(v)
            ? [...(v as string[])].sort(compareText)
            : canonical(v);
        return [key, sorted];
      }),
  );
};

/**
 * The canonical text of a JSON value: keys sorted at every level, no spaces. Equal values give
 * equal text, whatever order their keys were written in.
 *
 * @example
 * canonicalText({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * @since 0.1.0
 */
export const canonicalText = (value: JsonValue): string => JSON.stringify(sortKeys(value));

/**
 * The canonical JSON of a schema as a file holds it: keys sorted, two-space indents, a final
 * newline, so re-exports of an unchanged codec give the same bytes.
 *
 * @since 0.1.0
 */
export const canonicalJson = (value: JsonValue): string =>
  `${JSON.stringify(sortKeys(value), null, 2)}\n`;

const sortKeys = (value: JsonValue): JsonValue => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as { readonly [key: string]: JsonValue };
  return Object.fromEntries(
    Object.keys(object)
      .sort(compareText)
      .map((key) => [key, sortKeys(object[key]!)]),
  );
};

// --- walking schemas ----------------------------------------------------------------------

/** Keywords whose value is a schema, a list of schemas, or a map of schemas. */
const ONE = ['items', 'additionalProperties', 'propertyNames', 'not', 'contains'] as const;
const MANY = ['prefixItems', 'anyOf', 'allOf', 'oneOf'] as const;
const MAP = ['properties', '$defs', 'patternProperties'] as const;

/**
 * `schema` with `f` applied to it and to every schema inside it (bottom-up), keywords that
 * hold data (`const`, `enum`, `required`, property names) left as they are.
 *
 * @since 0.1.0
 */
export const mapSchemas = (schema: JsonValue, f: (s: JsonSchema) => JsonSchema): JsonValue => {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const s = schema as JsonSchema;
  const out: Record<string, JsonValue> = { ...s };
  for (const key of ONE) if (key in s) out[key] = mapSchemas(s[key]!, f);
  for (const key of MANY) {
    if (Array.isArray(s[key])) out[key] = (s[key] as JsonValue[]).map((x) => mapSchemas(x, f));
  }
  for (const key of MAP) {
    const map = s[key];
    if (typeof map === 'object' && map !== null && !Array.isArray(map)) {
      out[key] = Object.fromEntries(
        Object.entries(map as JsonSchema).map(([k, v]) => [k, mapSchemas(v, f)]),
      );
    }
  }
  return f(out);
};

/**
 * The schema without what does not change which states it accepts: `description`, `title`,
 * `examples`, `$comment`. The drift hash is taken over this form.
 *
 * @since 0.1.0
 */
export const withoutAnnotations = (schema: JsonSchema): JsonSchema =>
  mapSchemas(schema, (s) => {
    const { description: _d, title: _t, examples: _e, $comment: _c, ...rest } = s;
    return rest;
  }) as JsonSchema;
