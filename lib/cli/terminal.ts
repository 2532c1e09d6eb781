/**
 * What reaches the terminal from data is escaped first: a control character (ESC, CR, LF, …)
 * inside a state's value must not move the cursor, recolour the screen or forge a line.
 *
 * @since 0.1.0
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const escapeOne = (c: string): string => {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * `text` with every control character written as an escape (`\x1b`, `\r`, `\n`, …).
 *
 * @example
 * escapeControl('bad\x1b[2J') // 'bad\\x1b[2J'
 */
export const escapeControl = (text: string): string => text.replace(CONTROL, escapeOne);
