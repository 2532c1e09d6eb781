/**
 * Lossless JSON reading for stores: a state is parsed from the exact text the database holds,
 * and refused when parsing would change it — a number JavaScript cannot hold exactly (an
 * integer beyond 2^53, more significant digits than a double keeps, out of range) would be
 * written back as a different number, so such a row is rejected instead of rounded.
 *
 * @since 0.2.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/errors.js';

/** A quick test that lets almost every text skip the number scan: no long run of digits, no exponent. */
const MAYBE_INEXACT = /[0-9.]{16}|[0-9][eE]/;

/** Longest quote of a bad number in a message. */
const QUOTE = 40;

/** `sign digits e exponent` with no leading or trailing zeros: equal strings, equal values. */
const canonical = (number: string): string => {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(number);
  if (match === null) return number;
  const [, sign, int = '', frac = '', exp = '0'] = match;
  let digits = `${int}${frac}`.replace(/^0+/, '');
  let exponent = Number(exp) - frac.length;
  if (digits === '') return '0';
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return `${sign}${digits}e${exponent}`;
};

/** True when `token`, read as a double and written back, is the same number. */
export const isExactNumber = (token: string): boolean => {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  return canonical(token) === canonical(String(value));
};

/** The first number token of a JSON text (outside strings) that JavaScript cannot hold exactly. */
export const inexactNumber = (text: string): string | undefined => {
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      number.lastIndex = i;
      const match = number.exec(text);
      if (match === null) continue;
      const token = match[0];
      if (token.length >= 16 || /[eE]/.test(token)) {
        if (!isExactNumber(token)) return token;
      }
      i += token.length - 1;
    }
  }
  return undefined;
};

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
  if (MAYBE_INEXACT.test(text)) {
    const bad = inexactNumber(text);
    if (bad !== undefined) {
      const quoted = bad.length > QUOTE ? `${bad.slice(0, QUOTE - 1)}…` : bad;
      return E.left(`the number ${quoted} cannot be held exactly by JavaScript`);
    }
  }
  return E.right(value);
};
