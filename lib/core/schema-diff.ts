/**
 * What changed between two versions' schemas, field by field: the basis of the drift check,
 * the generated docs' changelogs and the compatibility classes.
 *
 * @since 0.1.0
 */
import {
  canonicalText,
  CODEC_MARKER,
  REFINEMENT_MARKER,
  type JsonSchema,
  type JsonValue,
} from './json-schema.js';

/** The kinds of change {@link diffSchemas} reports, in the order it sorts them at one path. */
export const SCHEMA_CHANGE_KINDS = [
  'added',
  'removed',
  'type-changed',
  'became-required',
  'became-optional',
  'enum-widened',
  'enum-narrowed',
  'enum-changed',
  'constraint-changed',
  'refinement-changed',
] as const;

/** A kind of field-level change. */
export type SchemaChangeKind = (typeof SCHEMA_CHANGE_KINDS)[number];

/** One field-level change between two schemas. */
export interface SchemaChange {
  /** Where: `''` for the root, else field names and `[*]` (array items), `[0]` (tuple items), `{*}` (record values), e.g. `items[*].when`. */
  readonly path: string;
  readonly kind: SchemaChangeKind;
  /** A short description of the type before the change (absent for `added`). */
  readonly before?: string;
  /** A short description of the type after the change (absent for `removed`). */
  readonly after?: string;
  /** For `added`: whether the new field is required. For constraints: which keyword. */
  readonly detail?: string;
}

/** Keywords that narrow a type without changing it. */
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
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
] as const;

interface Diff {
  readonly left: JsonSchema;
  readonly right: JsonSchema;
  readonly out: SchemaChange[];
  /** Pairs of `$ref`s already compared, so recursive schemas end. */
  readonly seen: Set<string>;
}

/**
 * The field-level changes from schema `a` to schema `b` (both as {@link toJsonSchema} gives
 * them, or any JSON Schema of the same keywords), sorted by path then kind. Annotations
 * (`description`, `title`) are not changes.
 *
 * Complexity: O(size of both schemas).
 * @example
 * diffSchemas(toJsonSchema(t.type({ a: t.string })), toJsonSchema(t.type({ a: t.string, theme: t.string })))
 * // [{ path: 'theme', kind: 'added', after: 'string', detail: 'required' }]
 * @since 0.1.0
 */
export const diffSchemas = (a: JsonSchema, b: JsonSchema): readonly SchemaChange[] => {
  const diff: Diff = { left: a, right: b, out: [], seen: new Set() };
  compare(diff, '', a, b);
  const order = (kind: SchemaChangeKind) => SCHEMA_CHANGE_KINDS.indexOf(kind);
  return diff.out.sort((x, y) =>
    x.path === y.path ? order(x.kind) - order(y.kind) : x.path < y.path ? -1 : 1,
  );
};

/** One line for a change, e.g. "`theme` added (string, required)". */
export const formatSchemaChange = (change: SchemaChange): string => {
  const where = change.path === '' ? 'the state' : `\`${change.path}\``;
  switch (change.kind) {
    case 'added':
      return `${where} added (${change.after}, ${change.detail})`;
    case 'removed':
      return `${where} removed (was ${change.before})`;
    case 'constraint-changed':
      return `${where} constraint ${change.detail} changed (${change.before} → ${change.after})`;
    default:
      return `${where} ${change.kind.replace('-', ' ')} (${change.before} → ${change.after})`;
  }
};

const compare = (diff: Diff, path: string, a0: JsonSchema, b0: JsonSchema): void => {
  const refs = `${String(a0.$ref)}|${String(b0.$ref)}`;
  if (a0.$ref !== undefined || b0.$ref !== undefined) {
    if (diff.seen.has(refs)) return;
    diff.seen.add(refs);
  }
  const a = resolve(diff.left, a0);
  const b = resolve(diff.right, b0);
  if (sameText(strip(a), strip(b))) return;
  const found = diff.out.length;
  const push = (kind: SchemaChangeKind, detail?: string) =>
    diff.out.push({
      path,
      kind,
      before: summary(diff.left, a),
      after: summary(diff.right, b),
      ...(detail === undefined ? {} : { detail }),
    });

  const valuesA = enumValues(a);
  const valuesB = enumValues(b);
  if (valuesA !== undefined && valuesB !== undefined) {
    const inB = valuesA.every((v) => valuesB.includes(v));
    const inA = valuesB.every((v) => valuesA.includes(v));
    push(inB ? 'enum-widened' : inA ? 'enum-narrowed' : 'enum-changed');
    return;
  }
  if (typeOf(a) !== typeOf(b)) {
    push('type-changed');
    return;
  }
  if (a[REFINEMENT_MARKER] !== b[REFINEMENT_MARKER]) push('refinement-changed');
  for (const keyword of CONSTRAINTS) {
    if (!sameText(a[keyword], b[keyword])) {
      diff.out.push({
        path,
        kind: 'constraint-changed',
        before: a[keyword] === undefined ? 'none' : canonicalText(a[keyword]),
        after: b[keyword] === undefined ? 'none' : canonicalText(b[keyword]),
        detail: keyword,
      });
    }
  }
  if (isObjectSchema(a) && isObjectSchema(b)) {
    compareObjects(diff, path, a, b);
    if (diff.out.length === found && !sameText(a.propertyNames, b.propertyNames))
      push('type-changed');
    return;
  }
  if (a.items !== undefined && b.items !== undefined) {
    compare(diff, `${path}[*]`, a.items as JsonSchema, b.items as JsonSchema);
  }
  if (Array.isArray(a.prefixItems) && Array.isArray(b.prefixItems)) {
    const [pa, pb] = [a.prefixItems as JsonSchema[], b.prefixItems as JsonSchema[]];
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const item = `${path}[${i}]`;
      if (pa[i] === undefined)
        diff.out.push({
          path: item,
          kind: 'added',
          after: summary(diff.right, pb[i]!),
          detail: 'required',
        });
      else if (pb[i] === undefined)
        diff.out.push({ path: item, kind: 'removed', before: summary(diff.left, pa[i]!) });
      else compare(diff, item, pa[i]!, pb[i]!);
    }
  }
  if (isSchema(a.additionalProperties) && isSchema(b.additionalProperties)) {
    compare(diff, `${path}{*}`, a.additionalProperties, b.additionalProperties);
  }
  // Any other difference (a keyword not looked into above) is still a change.
  if (diff.out.length === found) push('type-changed');
};

const compareObjects = (diff: Diff, path: string, a: JsonSchema, b: JsonSchema): void => {
  const propsA = (a.properties ?? {}) as Record<string, JsonSchema>;
  const propsB = (b.properties ?? {}) as Record<string, JsonSchema>;
  const requiredA = new Set((a.required ?? []) as string[]);
  const requiredB = new Set((b.required ?? []) as string[]);
  const keys = [...new Set([...Object.keys(propsA), ...Object.keys(propsB)])].sort();
  for (const key of keys) {
    const field = path === '' ? key : `${path}.${key}`;
    const [sa, sb] = [propsA[key], propsB[key]];
    if (sa === undefined) {
      diff.out.push({
        path: field,
        kind: 'added',
        after: summary(diff.right, sb!),
        detail: requiredB.has(key) ? 'required' : 'optional',
      });
      continue;
    }
    if (sb === undefined) {
      diff.out.push({ path: field, kind: 'removed', before: summary(diff.left, sa) });
      continue;
    }
    if (requiredA.has(key) !== requiredB.has(key)) {
      diff.out.push({
        path: field,
        kind: requiredB.has(key) ? 'became-required' : 'became-optional',
        before: requiredA.has(key) ? 'required' : 'optional',
        after: requiredB.has(key) ? 'required' : 'optional',
      });
    }
    compare(diff, field, sa, sb);
  }
  if (!sameText(a.additionalProperties, b.additionalProperties)) {
    if (isSchema(a.additionalProperties) && isSchema(b.additionalProperties)) {
      compare(
        diff,
        `${path === '' ? '' : path}{*}`,
        a.additionalProperties,
        b.additionalProperties,
      );
    } else {
      diff.out.push({
        path,
        kind: 'constraint-changed',
        before:
          a.additionalProperties === undefined ? 'none' : canonicalText(a.additionalProperties),
        after:
          b.additionalProperties === undefined ? 'none' : canonicalText(b.additionalProperties),
        detail: 'additionalProperties',
      });
    }
  }
};

// --- reading schemas ----------------------------------------------------------------------

const isSchema = (value: JsonValue | undefined): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A `$ref` into the root's `$defs`, followed; anything else as it is. */
const resolve = (root: JsonSchema, schema: JsonSchema): JsonSchema => {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  const target = (root.$defs as Record<string, JsonSchema> | undefined)?.[ref.slice(8)];
  if (target === undefined) return schema;
  const { $ref: _ref, ...rest } = schema;
  return { ...target, ...rest };
};

const strip = (schema: JsonSchema): JsonSchema => {
  const { description: _d, title: _t, $defs: _defs, $schema: _s, examples: _e, ...rest } = schema;
  return rest;
};

const sameText = (a: JsonValue | undefined, b: JsonValue | undefined): boolean =>
  (a === undefined ? '' : canonicalText(a)) === (b === undefined ? '' : canonicalText(b));

const isObjectSchema = (schema: JsonSchema): boolean =>
  schema.type === 'object' && (schema.properties !== undefined || schema.required !== undefined);

/** The values of a `const` or an `enum`, as canonical text; undefined for other schemas. */
const enumValues = (schema: JsonSchema): string[] | undefined => {
  if ('const' in schema) return [canonicalText(schema.const!)];
  if (Array.isArray(schema.enum)) return (schema.enum as JsonValue[]).map(canonicalText);
  return undefined;
};

/** The kind of a schema, for deciding whether its type changed. */
const typeOf = (schema: JsonSchema): string => {
  if (schema[CODEC_MARKER] !== undefined) return `codec:${String(schema[CODEC_MARKER])}`;
  if (schema.anyOf !== undefined) return `anyOf:${canonicalText(schema.anyOf)}`;
  if (schema.allOf !== undefined) return `allOf:${canonicalText(schema.allOf)}`;
  if (schema.not !== undefined && Object.keys(schema).length <= 2) return 'never';
  return schema.type === undefined ? 'any' : canonicalText(schema.type);
};

/**
 * A short, readable description of a schema's type: `string`, `number | null`, `'a' | 'b'`,
 * `array of string`, `object`, `Tree` (a recursive definition), `Int` (a refinement).
 *
 * @since 0.1.0
 */
export const summary = (root: JsonSchema, schema: JsonSchema, depth = 0): string => {
  if (typeof schema.$ref === 'string') return schema.$ref.replace('#/$defs/', '');
  if (typeof schema[REFINEMENT_MARKER] === 'string') return String(schema[REFINEMENT_MARKER]);
  if (typeof schema[CODEC_MARKER] === 'string') return String(schema[CODEC_MARKER]);
  if ('const' in schema) return literal(schema.const!);
  if (Array.isArray(schema.enum)) return (schema.enum as JsonValue[]).map(literal).join(' | ');
  if (Array.isArray(schema.anyOf)) {
    return (schema.anyOf as JsonSchema[]).map((s) => summary(root, s, depth + 1)).join(' | ');
  }
  if (Array.isArray(schema.allOf)) {
    return (schema.allOf as JsonSchema[]).map((s) => summary(root, s, depth + 1)).join(' & ');
  }
  if (typeof schema['x-migraph-type'] === 'string') return schema['x-migraph-type'];
  if (schema.not !== undefined) return 'never';
  const type = schema.type;
  if (type === 'array') {
    if (Array.isArray(schema.prefixItems)) {
      return `[${(schema.prefixItems as JsonSchema[]).map((s) => summary(root, s, depth + 1)).join(', ')}]`;
    }
    return isSchema(schema.items) && depth < 3
      ? `array of ${summary(root, schema.items, depth + 1)}`
      : 'array';
  }
  if (
    type === 'object' &&
    isSchema(schema.additionalProperties) &&
    schema.properties === undefined
  ) {
    return `record of ${summary(root, schema.additionalProperties, depth + 1)}`;
  }
  if (Array.isArray(type)) return type.join(' | ');
  return typeof type === 'string' ? type : 'any';
};

const literal = (value: JsonValue): string =>
  typeof value === 'string' ? `'${value}'` : canonicalText(value);
