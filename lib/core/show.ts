/**
 * How values and field paths appear in messages: short, never throwing, whatever the value
 * (BigInt, cycles, throwing `toJSON` or getters).
 *
 * @since 0.1.0
 */

const MAX_SHOWN = 60;

const cap = (text: string): string =>
  text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;

/**
 * A short JSON rendering of a value for error messages (at most 60 characters).
 *
 * @example
 * showValue({ a: 1 }) // '{"a":1}'
 * showValue(10n) // '10n'
 */
export const showValue = (value: unknown): string => {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  try {
    return cap(JSON.stringify(value) ?? String(value));
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return typeof value;
    }
  }
};

/**
 * Like {@link showValue}, but a string in single quotes, as it was written.
 *
 * @example
 * showQuoted('banana') // "'banana'"
 */
export const showQuoted = (value: unknown): string =>
  typeof value === 'string' ? `'${cap(value)}'` : showValue(value);

/**
 * What kind of value this is, for "expected a state object, got …" messages.
 *
 * @example
 * kindOf([]) // 'an array'
 * kindOf(5) // 'a number (5)'
 */
export const kindOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value} (${showValue(value)})`;
  try {
    if (typeof (value as { then?: unknown }).then === 'function') return 'a Promise';
    const name: unknown = (value as object).constructor?.name;
    return `a ${typeof name === 'string' && name !== '' ? name : 'non-plain'} object`;
  } catch {
    return 'an object';
  }
};

/**
 * One segment of a field path: `[0]` for an array index, `.name` for an identifier,
 * `["odd key"]` otherwise.
 *
 * @example
 * pathSegment('tool_calls') + pathSegment(0, true) // '.tool_calls[0]'
 */
export const pathSegment = (key: string | number, inArray = /^\d+$/.test(String(key))): string =>
  inArray
    ? `[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(String(key))
      ? `.${key}`
      : `[${JSON.stringify(String(key))}]`;
