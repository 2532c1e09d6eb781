/**
 * Which io-ts codecs may be checked with `is` instead of `decode`. For the combinators below,
 * `is(u)` holds exactly when `decode(u)` succeeds (they check; they do not transform), so a
 * valid state costs one `is` walk, and `decode` runs only to explain a failure. A codec with
 * any other part (a custom `t.Type`, a transforming codec such as `NumberFromString`) keeps
 * `decode`: its `is` speaks of the decoded type, not of the input.
 *
 * @since 0.2.0
 */
import * as t from 'io-ts';

/** Codecs whose `is` and `decode` agree on their own, with no inner codecs. */
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

/** The inner codecs of a combinator whose `is` agrees with `decode` when theirs do. */
const partsOf = (codec: t.Decoder<unknown, unknown>): readonly unknown[] | undefined => {
  if (codec instanceof t.InterfaceType || codec instanceof t.PartialType) {
    return Object.values(codec.props as Record<string, unknown>);
  }
  if (
    codec instanceof t.ExactType ||
    codec instanceof t.ReadonlyType ||
    codec instanceof t.RefinementType ||
    codec instanceof t.ArrayType ||
    codec instanceof t.ReadonlyArrayType
  ) {
    return [codec.type];
  }
  if (
    codec instanceof t.UnionType ||
    codec instanceof t.IntersectionType ||
    codec instanceof t.TupleType
  ) {
    return codec.types as readonly unknown[];
  }
  if (codec instanceof t.DictionaryType) return [codec.domain, codec.codomain];
  if (codec instanceof t.RecursiveType) return [codec.type];
  return undefined;
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
): boolean => {
  if (seen.has(codec)) return true;
  seen.add(codec);
  if (LEAVES.some((leaf) => codec instanceof leaf)) return true;
  const parts = partsOf(codec);
  return (
    parts !== undefined &&
    typeof (codec as { is?: unknown }).is === 'function' &&
    parts.every((part) => checksWithIs(part as t.Decoder<unknown, unknown>, seen))
  );
};
