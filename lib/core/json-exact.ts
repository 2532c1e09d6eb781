/**
 * JSON text in and out without silent change: finds the number literals that JavaScript
 * cannot carry exactly (integers beyond 2^53, more digits than a double holds, out of range,
 * `-0`) and the keys that appear twice in one object, parses text only when neither occurs
 * ({@link parseExact}), and serialises a value only when JSON can express it (no BigInt,
 * cycle, `NaN` or `Infinity`, no nesting too deep to write). File migration and the stores
 * use it to reject a line or row rather than round or drop what it holds. Isomorphic: no I/O.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from './describe-cause.js';

/** Strings (skipped) and number literals of a JSON text. */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * A cheap test that a text may hold a number worth a closer look: a value (after `:`, `,`,
 * `[` or at the start) that starts like a long literal, one with an exponent, or `-0`. Text
 * inside strings (dates, ids, hashes) rarely looks like that, so most lines skip the scan.
 */
const SUSPECT = /(?:^|[:,[])\s*(?:-?[\d.]{16}|-?\d+(?:\.\d*)?[eE]|-0)/;

/** Literals this short, without exponent or sign of zero, are always exact. */
const isPlainlyExact = (literal: string): boolean =>
  literal.length < 16 && !/[eE]/.test(literal) && !/^-0(?:\.0*)?$/.test(literal);

/** The significant digits and decimal exponent of a decimal literal, e.g. `1.50e3` → `15`, 2. */
const decimal = (literal: string): { digits: string; exponent: number } => {
  const [mantissa = '', exp = '0'] = literal.replace(/^-/, '').split(/[eE]/);
  const [int = '', frac = ''] = mantissa.split('.');
  const all = `${int}${frac}`;
  const lead = all.length - all.replace(/^0+/, '').length;
  const digits = all.replace(/^0+/, '').replace(/0+$/, '');
  return { digits, exponent: digits === '' ? 0 : Number(exp) + int.length - lead };
};

/** Options of {@link inexactNumber} and {@link isExactLiteral}. * @since 0.1.0
 */
export interface ExactOptions {
  /**
   * Count `-0` as exact: for a destination that has no negative zero anyway (PostgreSQL's
   * `jsonb` numeric), writing it back as `0` loses nothing. Default false.
   */
  readonly negativeZeroIsZero?: boolean;
}

/** Why a number literal would not come back as written, or undefined when it would. */
const inexactness = (literal: string, options: ExactOptions): string | undefined => {
  if (isPlainlyExact(literal)) return undefined;
  const value = Number(literal);
  if (!Number.isFinite(value)) return 'out of range';
  if (Object.is(value, -0)) {
    return options.negativeZeroIsZero === true
      ? undefined
      : 'a negative zero (JSON.stringify writes 0)';
  }
  const read = decimal(literal);
  const written = decimal(String(value));
  if (read.digits === written.digits && read.exponent === written.exponent) return undefined;
  if (value === 0) return 'too small: it reads as 0';
  return /^-?\d+$/.test(literal) ? 'beyond 2^53: it would be rounded' : 'too precise for a double';
};

/**
 * The first number literal of a JSON text that would not be written back as the same number
 * after `JSON.parse` and `JSON.stringify`, with why; undefined when there is none. Cost: one
 * regular-expression test for most texts, a scan of the numbers for the rest.
 *
 * @example
 * inexactNumber('{"id":12345678901234567891}') // { literal: '12345678901234567891', why: 'beyond 2^53: it would be rounded' }
 * inexactNumber('{"id":42}') // undefined
 * @since 0.1.0
 */
export const inexactNumber = (
  text: string,
  options: ExactOptions = {},
): { literal: string; why: string } | undefined => {
  if (!SUSPECT.test(text)) return undefined;
  for (const [token] of text.matchAll(TOKENS)) {
    if (token.startsWith('"')) continue;
    const why = inexactness(token, options);
    if (why !== undefined) return { literal: token, why };
  }
  return undefined;
};

/**
 * Whether one number literal, read as a double and written back, is the same number.
 *
 * @example
 * isExactLiteral('9007199254740993') // false
 * isExactLiteral('1.50') // true
 * @since 0.1.0
 */
export const isExactLiteral = (literal: string, options: ExactOptions = {}): boolean =>
  inexactness(literal, options) === undefined;

/** Strings (keys when a colon follows) and the braces of a JSON text. */
const KEYS = /"(?:[^"\\]|\\.)*"(\s*:)?|[{}]/g;

/**
 * The first key of a JSON text that appears twice in one object, at any depth; undefined
 * when there is none. `JSON.parse` keeps the last value and other readers (SQLite's
 * `json_extract`) the first, so such a text means different things to different readers,
 * and writing it back would drop a value. Keys are compared as decoded (`"a\u0062"` is
 * `"ab"`). Cost: one scan of the text's strings.
 *
 * @example
 * duplicateKey('{"v":"1.1.0","v":"1.0.0"}') // 'v'
 * duplicateKey('{"a":{"v":1},"b":{"v":2}}') // undefined
 * @since 0.1.0
 */
export const duplicateKey = (text: string): string | undefined => {
  if (!text.includes('"')) return undefined;
  const objects: Set<string>[] = [];
  KEYS.lastIndex = 0;
  for (let match = KEYS.exec(text); match !== null; match = KEYS.exec(text)) {
    const token = match[0];
    if (token === '{') objects.push(new Set());
    else if (token === '}') objects.pop();
    else if (match[1] !== undefined) {
      const quoted = token.slice(0, token.lastIndexOf('"') + 1);
      const key = quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
      const keys = objects.at(-1);
      if (keys === undefined) continue;
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return undefined;
};

/**
 * The number of keys of the objects in a value, at any depth (own enumerable keys, as
 * `JSON.stringify` writes them). With {@link duplicateKeyIn}: what `JSON.parse` kept of a text.
 *
 * @example
 * keyCount({ a: 1, b: [{ c: 2 }] }) // 3
 * @since 0.1.0
 */
export const keyCount = (value: unknown): number => {
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) n += keyCount(value[i]);
    return n;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    n += 1 + keyCount((value as Record<string, unknown>)[key]);
  }
  return n;
};

/** A key's closing quote with white space before its colon (pretty-printed JSON). */
const SPACED_KEY = /"\s+:/;

/**
 * {@link duplicateKey} of `text`, where `keys` is the {@link keyCount} of what `JSON.parse`
 * made of it: most texts are ruled out by counting. Every key of the text ends in `":` (when
 * no key has white space before its colon), so when the text holds no more `":` than the
 * parsed value has keys, no key was dropped; otherwise the full scan decides.
 *
 * @example
 * duplicateKeyIn('{"v":1,"v":2}', keyCount(JSON.parse('{"v":1,"v":2}'))) // 'v'
 * @since 0.1.0
 */
export const duplicateKeyIn = (text: string, keys: number): string | undefined => {
  if (!SPACED_KEY.test(text)) {
    let colons = 0;
    for (let at = text.indexOf('":'); at !== -1; at = text.indexOf('":', at + 2)) colons++;
    if (colons <= keys) return undefined;
  }
  return duplicateKey(text);
};

class NotExpressible extends Error {}

/**
 * The first number JSON cannot express (NaN, ±Infinity: `JSON.stringify` writes them as
 * null) anywhere in `value`. A plain recursive walk: far cheaper than a `JSON.stringify`
 * replacer, which calls back into JavaScript for every key.
 */
const nonFinite = (value: unknown): number | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : value;
  return typeof value === 'object' && value !== null ? nonFiniteIn(value) : undefined;
};

/**
 * {@link nonFinite} of an object or array. Own keys only, as `JSON.stringify` writes; whether a
 * key is its own is asked only of the values that matter (an object, or a number that is not
 * finite), not of every string or boolean. for-in, not `Object.values`: no array per object
 * (measured 1.2–1.9× faster on the outputs of the AgentState migration, spreads included).
 */
const nonFiniteIn = (value: object): number | undefined => {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'number') {
        if (!Number.isFinite(item)) return item;
      } else if (typeof item === 'object' && item !== null) {
        const found = nonFiniteIn(item);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'number') {
      if (!Number.isFinite(item) && Object.prototype.hasOwnProperty.call(value, key)) return item;
    } else if (
      typeof item === 'object' &&
      item !== null &&
      Object.prototype.hasOwnProperty.call(value, key)
    ) {
      const found = nonFiniteIn(item);
      if (found !== undefined) return found;
    }
  }
  return undefined;
};

/**
 * `JSON.stringify`, or why the value cannot be written as JSON without change: a BigInt, a
 * cycle, `NaN` or `±Infinity`, nesting deeper than the serialiser's stack.
 *
 * @example
 * stringifyExactly({ a: 1 }) // Right('{"a":1}')
 * stringifyExactly({ a: NaN }) // Left('NaN is not a JSON number (it would be written as null)')
 * @since 0.1.0
 */
export const stringifyExactly = (value: unknown, space?: number): E.Either<string, string> => {
  try {
    const bad = nonFinite(value);
    if (bad !== undefined) {
      throw new NotExpressible(`${bad} is not a JSON number (it would be written as null)`);
    }
    const text = JSON.stringify(value, null, space);
    return typeof text === 'string' ? E.right(text) : E.left('the state is not a JSON value');
  } catch (cause) {
    if (cause instanceof NotExpressible) return E.left(cause.message);
    if (cause instanceof RangeError) return E.left('the state is nested too deeply to write');
    return E.left(`the state cannot be written as JSON: ${describeCause(cause)}`);
  }
};

// --- lossless parsing ------------------------------------------------------------------------

/** Longest quote of a bad number or key in a message. */
const QUOTE = 40;

const quote = (text: string): string =>
  text.length > QUOTE ? `${text.slice(0, QUOTE - 1)}…` : text;

/**
 * Parses JSON text, refusing text that is not JSON, numbers JavaScript cannot hold exactly
 * (`-0` included: it would be written back as `0`) and keys that appear twice in one object
 * (`JSON.parse` keeps the last value, SQLite's JSON functions the first); the `Left` says
 * why, quoting at most a short prefix. What the stores read each row's text with: a
 * `jsonb` column never holds either (PostgreSQL has no negative zero and keeps one value per
 * key), so its text always passes.
 *
 * @example
 * parseExact('{"n":1.5}') // Right({ n: 1.5 })
 * parseExact('{"n":9007199254740993}') // Left('the number 9007199254740993 cannot be held exactly by JavaScript')
 * parseExact('{"v":"1.1.0","v":"1.0.0"}') // Left('the key "v" appears twice in one object: …')
 * @since 0.1.0
 */
export const parseExact = (
  text: string,
  options: { readonly uniqueKeys?: boolean } = {},
): E.Either<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return E.left(`not valid JSON: ${describeCause(cause)}`);
  }
  const bad = inexactNumber(text);
  if (bad !== undefined) {
    return E.left(
      /^-0(?:\.0*)?(?:[eE][+-]?\d+)?$/.test(bad.literal)
        ? `the number ${quote(bad.literal)} is a negative zero, which JavaScript writes back as 0`
        : `the number ${quote(bad.literal)} cannot be held exactly by JavaScript`,
    );
  }
  const twice =
    options.uniqueKeys !== true && typeof value === 'object' && value !== null
      ? duplicateKey(text)
      : undefined;
  if (twice !== undefined) {
    return E.left(
      `the key ${quote(JSON.stringify(twice))} appears twice in one object: ` +
        'readers disagree on which value counts (JavaScript takes the last, SQLite the first)',
    );
  }
  return E.right(value);
};
