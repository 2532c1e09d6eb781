/**
 * Turns io-ts validation errors into readable `path: expected X, got Y` lines.
 *
 * @since 0.1.0
 */
import * as t from 'io-ts';
import { pathSegment, showValue } from './show.js';

/** The codec a wrapper (exact, readonly, refinement) delegates to. */
const unwrap = (type: t.Decoder<unknown, unknown>): t.Decoder<unknown, unknown> =>
  type instanceof t.ExactType || type instanceof t.ReadonlyType || type instanceof t.RefinementType
    ? unwrap(type.type as t.Decoder<unknown, unknown>)
    : type;

/** Unions and intersections add their members' indices to the context; those are not fields. */
const isComposite = (type: t.Decoder<unknown, unknown>): boolean => {
  const inner = unwrap(type);
  return inner instanceof t.UnionType || inner instanceof t.IntersectionType;
};

/**
 * The field path of an io-ts context, as `a.b[0]` (`(root)` for none): the indices that unions
 * and intersections add for their members are not fields.
 */
export const contextPath = (ctx: t.Context): string => {
  let path = '';
  for (let i = 1; i < ctx.length; i++) {
    if (!isComposite(ctx[i - 1]!.type)) path += pathSegment(ctx[i]!.key);
  }
  return path === '' ? '(root)' : path.replace(/^\./, '');
};

/** Renders one io-ts error as `path: expected X, got Y`. */
const formatError = (error: t.ValidationError): string => {
  if (error.message !== undefined) return error.message;
  const ctx = error.context;
  // The expected type is the one at the failing path, not a member of a union at that path.
  const parent = ctx[ctx.length - 2]?.type;
  const expected =
    parent !== undefined && isComposite(parent)
      ? parent.name
      : (ctx[ctx.length - 1]?.type.name ?? 'unknown');
  return `${contextPath(ctx)}: expected ${expected}, got ${showValue(error.value)}`;
};

/**
 * Readable lines for io-ts errors, one per distinct problem, in the order io-ts found them.
 *
 * @example
 * formatValidationErrors(errors) // ['current_task: expected (string | null), got 42']
 * @since 0.1.0
 */
export const formatValidationErrors = (errors: t.Errors): string[] => [
  ...new Set(errors.map(formatError)),
];
