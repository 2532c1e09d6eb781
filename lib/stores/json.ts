/**
 * Lossless JSON reading for stores: a state is parsed from the exact text the database holds,
 * and refused when parsing would change it — a number JavaScript cannot hold exactly (an
 * integer beyond 2^53, more significant digits than a double keeps, out of range) would be
 * written back as a different number, so such a row is rejected instead of rounded. The rule
 * is file migration's (`node/batch/exact.ts`), except that `-0` reads as 0: a `jsonb`
 * numeric has no negative zero, so nothing is lost.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/errors.js';
import {
  inexactNumber as firstInexact,
  isExactLiteral,
  type ExactOptions,
} from '../node/batch/exact.js';

/** Longest quote of a bad number in a message. */
const QUOTE = 40;

/** `jsonb` numerics have no negative zero, so reading `-0` as 0 loses nothing. */
const STORED: ExactOptions = { negativeZeroIsZero: true };

/** True when `token`, read as a double and written back, is the same number. */
export const isExactNumber = (token: string): boolean => isExactLiteral(token, STORED);

/** The first number token of a JSON text (outside strings) that JavaScript cannot hold exactly. */
export const inexactNumber = (text: string): string | undefined =>
  firstInexact(text, STORED)?.literal;

/**
 * Parses a stored state's JSON text, refusing text that is not JSON and numbers JavaScript
 * cannot hold exactly; the `Left` says why, quoting at most a short prefix.
 *
 * @example
 * parseExact('{"n":1.5}') // Right({ n: 1.5 })
 * parseExact('{"n":9007199254740993}') // Left('the number 9007199254740993 cannot be held exactly by JavaScript')
 */
export const parseExact = (text: string): E.Either<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return E.left(`not valid JSON: ${describeCause(cause)}`);
  }
  const bad = inexactNumber(text);
  if (bad !== undefined) {
    const quoted = bad.length > QUOTE ? `${bad.slice(0, QUOTE - 1)}…` : bad;
    return E.left(`the number ${quoted} cannot be held exactly by JavaScript`);
  }
  return E.right(value);
};
