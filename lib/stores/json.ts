/**
 * Lossless JSON reading for stores: a state is parsed from the exact text the database holds,
 * and refused when parsing would change it or when readers would disagree on it. A number
 * JavaScript cannot hold exactly (an integer beyond 2^53, more significant digits than a
 * double keeps, out of range, `-0`) would be written back as a different number; a key that
 * appears twice in one object is read as its last value by `JSON.parse` and as its first by
 * SQLite's JSON functions, and one of the two would be dropped. The rule is file migration's
 * (`node/batch/exact.ts`). A `jsonb` column never holds either (PostgreSQL has no negative
 * zero and keeps one value per key), so its text always passes.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/errors.js';
import {
  duplicateKey,
  inexactNumber as firstInexact,
  isExactLiteral,
} from '../node/batch/exact.js';

/** Longest quote of a bad number or key in a message. */
const QUOTE = 40;

const quote = (text: string): string =>
  text.length > QUOTE ? `${text.slice(0, QUOTE - 1)}…` : text;

/** True when `token`, read as a double and written back, is the same number. */
export const isExactNumber = (token: string): boolean => isExactLiteral(token);

/** The first number token of a JSON text (outside strings) that JavaScript cannot hold exactly. */
export const inexactNumber = (text: string): string | undefined => firstInexact(text)?.literal;

/**
 * Parses a stored state's JSON text, refusing text that is not JSON, numbers JavaScript
 * cannot hold exactly (`-0` included: it would be written back as `0`) and keys that appear
 * twice in one object; the `Left` says why, quoting at most a short prefix.
 *
 * @example
 * parseExact('{"n":1.5}') // Right({ n: 1.5 })
 * parseExact('{"n":9007199254740993}') // Left('the number 9007199254740993 cannot be held exactly by JavaScript')
 * parseExact('{"v":"1.1.0","v":"1.0.0"}') // Left('the key "v" appears twice in one object: …')
 * @since 0.1.0
 */
export const parseExact = (text: string): E.Either<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return E.left(`not valid JSON: ${describeCause(cause)}`);
  }
  const bad = firstInexact(text);
  if (bad !== undefined) {
    return E.left(
      /^-0(?:\.0*)?(?:[eE][+-]?\d+)?$/.test(bad.literal)
        ? `the number ${quote(bad.literal)} is a negative zero, which JavaScript writes back as 0`
        : `the number ${quote(bad.literal)} cannot be held exactly by JavaScript`,
    );
  }
  const twice = typeof value === 'object' && value !== null ? duplicateKey(text) : undefined;
  if (twice !== undefined) {
    return E.left(
      `the key ${quote(JSON.stringify(twice))} appears twice in one object: ` +
        'readers disagree on which value counts (JavaScript takes the last, SQLite the first)',
    );
  }
  return E.right(value);
};
