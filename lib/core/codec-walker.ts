/**
 * The one classification of io-ts codecs. Every part of migraph that looks inside a codec (the
 * JSON Schema export, and next the compiled check and the codec-derived arbitraries) asks
 * {@link classify} what a codec is, instead of listing io-ts's combinators again.
 *
 * A codec is recognised by its `_tag` and the fields its combinator keeps (`props`, `type`,
 * `types`, …). Anything else, a custom `t.Type` such as `DateFromISOString` included, is a
 * `custom` node: its name is known, its shape is not.
 *
 * @since 0.1.0
 */
import type * as t from 'io-ts';
import type { JsonSchema } from './json-value.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** Any io-ts decoder, as the walker sees it. */
export type AnyCodec = t.Decoder<unknown, unknown> & { readonly name: string };

/** The fields of an object codec (`t.type`, `t.partial`, `t.strict`). */
export type CodecProps = Readonly<Record<string, AnyCodec>>;

/**
 * What a codec is, one level deep: its kind and the codecs inside it.
 *
 * - `leaf`: a primitive or an untyped container (`t.string`, `t.UnknownRecord`, …);
 * - `literal`, `keyof`: a fixed value, a fixed set of string keys;
 * - `object`: `t.type` (`required`) or `t.partial`; `strict` marks `t.strict`, whose `decode`
 *   strips unknown keys;
 * - `exact`, `readonly`: a wrapper that strips unknown keys, or only changes the type;
 * - `array`, `record`, `tuple`, `union`, `intersection`: as in io-ts;
 * - `refinement`: a predicate (or a brand) over `inner`, named by the codec's name;
 * - `recursive`: `t.recursion`, whose `inner` is read lazily;
 * - `standard-schema`: a Standard Schema validator adapted by `fromStandardSchema`, with the
 *   JSON Schema given for it, if any;
 * - `custom`: any other `t.Type`.
 */
export type CodecNode =
  | { readonly kind: 'leaf'; readonly leaf: LeafKind }
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'keyof'; readonly keys: readonly string[] }
  | {
      readonly kind: 'object';
      readonly props: CodecProps;
      readonly required: boolean;
      readonly strict: boolean;
    }
  | { readonly kind: 'exact' | 'readonly'; readonly inner: AnyCodec }
  | { readonly kind: 'array'; readonly item: AnyCodec; readonly readonly: boolean }
  | {
      readonly kind: 'record';
      readonly domain: AnyCodec;
      readonly codomain: AnyCodec;
      /** The finite keys of the domain (`keyof`, string literals and unions of them). */
      readonly keys: readonly string[] | undefined;
    }
  | { readonly kind: 'tuple'; readonly items: readonly AnyCodec[] }
  | { readonly kind: 'union' | 'intersection'; readonly members: readonly AnyCodec[] }
  | {
      readonly kind: 'refinement';
      readonly inner: AnyCodec;
      readonly predicate: (value: unknown) => boolean;
      readonly name: string;
    }
  | { readonly kind: 'recursive'; readonly inner: () => AnyCodec; readonly name: string }
  | {
      readonly kind: 'standard-schema';
      readonly validator: StandardSchemaV1;
      readonly jsonSchema: JsonSchema | undefined;
      readonly name: string;
    }
  | { readonly kind: 'custom'; readonly name: string };

/** The leaves: primitives and untyped containers. */
export type LeafKind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'bigint'
  | 'null'
  | 'undefined'
  | 'void'
  | 'unknown'
  | 'any'
  | 'never'
  | 'function'
  | 'object'
  | 'unknown-array'
  | 'unknown-record';

const LEAVES: Readonly<Record<string, LeafKind>> = {
  StringType: 'string',
  NumberType: 'number',
  BooleanType: 'boolean',
  BigIntType: 'bigint',
  NullType: 'null',
  UndefinedType: 'undefined',
  VoidType: 'void',
  UnknownType: 'unknown',
  AnyType: 'any',
  NeverType: 'never',
  FunctionType: 'function',
  ObjectType: 'object',
  AnyArrayType: 'unknown-array',
  AnyDictionaryType: 'unknown-record',
};

/** The codec's fields, read without trusting their types. */
type Fields = Readonly<Record<string, unknown>>;

/**
 * What `codec` is (see {@link CodecNode}).
 *
 * Complexity: O(1), but O(keys) for `keyof` and finite records.
 * @example
 * classify(t.type({ a: t.string })) // { kind: 'object', props: { a: t.string }, required: true, strict: false }
 * classify(DateFromISOString) // { kind: 'custom', name: 'DateFromISOString' }
 * @since 0.1.0
 */
export const classify = (codec: AnyCodec): CodecNode => {
  const c = codec as unknown as Fields;
  const tag = c._tag;
  const custom: CodecNode = { kind: 'custom', name: codec.name };
  if (typeof tag !== 'string') return custom;
  const leaf = LEAVES[tag];
  if (leaf !== undefined) return { kind: 'leaf', leaf };
  switch (tag) {
    case 'LiteralType':
      return isLiteral(c.value) ? { kind: 'literal', value: c.value } : custom;
    case 'KeyofType':
      return isObject(c.keys) ? { kind: 'keyof', keys: Object.keys(c.keys) } : custom;
    case 'InterfaceType':
    case 'PartialType':
    case 'StrictType':
      return isObject(c.props)
        ? {
            kind: 'object',
            props: c.props as CodecProps,
            required: tag !== 'PartialType',
            strict: tag === 'StrictType',
          }
        : custom;
    case 'ExactType':
      return isCodec(c.type) ? { kind: 'exact', inner: c.type } : custom;
    case 'ReadonlyType':
      return isCodec(c.type) ? { kind: 'readonly', inner: c.type } : custom;
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return isCodec(c.type)
        ? { kind: 'array', item: c.type, readonly: tag === 'ReadonlyArrayType' }
        : custom;
    case 'DictionaryType':
      return isCodec(c.domain) && isCodec(c.codomain)
        ? { kind: 'record', domain: c.domain, codomain: c.codomain, keys: domainKeys(c.domain) }
        : custom;
    case 'TupleType':
      return isCodecs(c.types) ? { kind: 'tuple', items: c.types } : custom;
    case 'UnionType':
      return isCodecs(c.types) ? { kind: 'union', members: c.types } : custom;
    case 'IntersectionType':
      return isCodecs(c.types) ? { kind: 'intersection', members: c.types } : custom;
    case 'RefinementType':
      return isCodec(c.type) && typeof c.predicate === 'function'
        ? {
            kind: 'refinement',
            inner: c.type,
            predicate: c.predicate as (value: unknown) => boolean,
            name: codec.name,
          }
        : custom;
    case 'RecursiveType':
      // `type` is a getter that builds the codec on first read: read it only when asked.
      return 'type' in c
        ? { kind: 'recursive', inner: () => c.type as AnyCodec, name: codec.name }
        : custom;
    case 'StandardSchemaType':
      return {
        kind: 'standard-schema',
        validator: c.validator as StandardSchemaV1,
        jsonSchema: c.jsonSchema as JsonSchema | undefined,
        name: codec.name,
      };
    default:
      return custom;
  }
};

/** The finite keys of a record domain, as io-ts decides them; undefined for an open domain. */
const domainKeys = (domain: AnyCodec): readonly string[] | undefined => {
  const node = classify(domain);
  if (node.kind === 'literal') return typeof node.value === 'string' ? [node.value] : undefined;
  if (node.kind === 'keyof') return node.keys;
  if (node.kind === 'union') {
    const keys = node.members.map(domainKeys);
    return keys.some((k) => k === undefined) ? undefined : [...new Set(keys.flat() as string[])];
  }
  return undefined;
};

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

const isCodec = (value: unknown): value is AnyCodec =>
  isObject(value) && typeof (value as { validate?: unknown }).validate === 'function';

const isCodecs = (value: unknown): value is readonly AnyCodec[] =>
  Array.isArray(value) && value.every(isCodec);

const isLiteral = (value: unknown): value is string | number | boolean | null =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);
