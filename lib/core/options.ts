/**
 * The one check of options objects: every options object of the public API goes through
 * {@link checkOptions} once, where it is given (a constructor, or a call that takes options),
 * so a misspelt key or value is a `TypeError` at that call, never a silent default.
 *
 * @since 0.1.0
 */
import { showQuoted, showValue } from './show.js';

/**
 * What one option may hold: one of a list of values, or a kind of value. `'any'` leaves the
 * value to the code that reads it (versions, keys, codecs: checked there, with their own errors).
 */
export type OptionRule =
  | readonly (string | number | boolean)[]
  | 'boolean'
  | 'function'
  | 'string'
  | 'strings'
  | 'positive number'
  | 'positive integer'
  | 'logger'
  | 'object'
  | 'any';

/** The options an options object may have, each with its rule. */
export type OptionRules = Readonly<Record<string, OptionRule>>;

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
const distance = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[y.length]!;
};

/**
 * The candidate closest to `given` when it is close enough to be a slip (a third of its
 * length, at least 2 edits; `_` and `-` count as one), else undefined.
 *
 * @example
 * closest('versionkey', ['versionKey', 'validate']) // 'versionKey'
 */
export const closest = (given: string, candidates: readonly string[]): string | undefined => {
  const limit = Math.max(2, Math.floor(given.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(given.replace(/_/g, '-'), candidate.replace(/_/g, '-'));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= limit ? best : undefined;
};

const suggestion = (given: string, candidates: readonly string[]): string => {
  const near = closest(given, candidates);
  return near === undefined ? '' : `; did you mean ${near}?`;
};

const isLogger = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  ['debug', 'info', 'warn', 'error'].every(
    (level) => typeof (value as Record<string, unknown>)[level] === 'function',
  );

/** Why `value` breaks `rule`, as "expected …", or undefined when it does not. */
const problem = (rule: OptionRule, value: unknown): string | undefined => {
  if (rule === 'any') return undefined;
  if (Array.isArray(rule)) {
    if (rule.includes(value as string)) return undefined;
    const shown = rule.map((v) => showQuoted(v)).join(', ');
    const near = typeof value === 'string' ? closest(value, rule.map(String)) : undefined;
    return `one of ${shown}, got ${showQuoted(value)}${near === undefined ? '' : `; did you mean ${showQuoted(near)}?`}`;
  }
  const ok =
    rule === 'boolean' || rule === 'function' || rule === 'string' || rule === 'object'
      ? typeof value === rule && value !== null
      : rule === 'strings'
        ? Array.isArray(value) && value.every((v) => typeof v === 'string')
        : rule === 'positive number'
          ? typeof value === 'number' && Number.isFinite(value) && value > 0
          : rule === 'positive integer'
            ? Number.isInteger(value) && (value as number) >= 1
            : isLogger(value);
  if (ok) return undefined;
  const expected =
    rule === 'strings'
      ? 'an array of strings'
      : rule === 'logger'
        ? 'a logger { debug, info, warn, error }'
        : rule === 'object'
          ? 'an object'
          : `a ${rule}`;
  return `${expected}, got ${showQuoted(value)}`;
};

/**
 * Checks an options object against its rules: `undefined` is no options; anything else must be
 * an object whose own keys are all known (a key holding `undefined` counts as absent) and whose
 * values follow their rules. Throws a `TypeError` naming the option (or the unknown key, the
 * known keys and the closest one) and what was allowed: a misspelt option is a programmer
 * error, reported where it is made.
 *
 * Complexity: O(number of keys given).
 * @example
 * checkOptions('new Migrator()', { versionkey: 'v' }, { versionKey: 'any' })
 * // TypeError: Unknown option versionkey of new Migrator() (known: versionKey); did you mean versionKey?
 */
export const checkOptions = (where: string, options: unknown, rules: OptionRules): void => {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Expected the options of ${where} to be an object, got ${showValue(options)}`,
    );
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (!Object.prototype.hasOwnProperty.call(rules, key)) {
      const known = Object.keys(rules);
      throw new TypeError(
        `Unknown option ${key} of ${where} (known: ${known.join(', ')})${suggestion(key, known)}`,
      );
    }
    if (value === undefined) continue;
    const why = problem(rules[key]!, value);
    if (why !== undefined) throw new TypeError(`Expected option ${key} of ${where} to be ${why}`);
  }
};
