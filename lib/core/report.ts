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

/** Renders one io-ts error as `path: expected X, got Y`. */
const formatError = (error: t.ValidationError): string => {
  const ctx = error.context;
  let path = '';
  // The expected type is the one at the failing path, not a member of a union at that path.
  let expected = ctx[ctx.length - 1]?.type.name ?? 'unknown';
  for (let i = 1; i < ctx.length; i++) {
    const parent = ctx[i - 1]!.type;
    const entry = ctx[i]!;
    if (isComposite(parent)) {
      if (i === ctx.length - 1) expected = parent.name;
      continue;
    }
    path += pathSegment(entry.key);
  }
  const where = path === '' ? '(root)' : path.replace(/^\./, '');
  return error.message ?? `${where}: expected ${expected}, got ${showValue(error.value)}`;
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
