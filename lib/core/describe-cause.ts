/**
 * Thrown values as short text: what every error message and report of migraph says of a
 * cause, in one place (errors, the CLI, stores, loaders).
 *
 * @since 0.1.0
 */

/** Messages quote at most this much of a thrown value's text. */
const MAX_CAUSE = 2_000;

/**
 * A short, readable rendering of an unknown thrown value; never throws, even for an error
 * whose `message` getter or `toString` throws.
 *
 * @example
 * describeCause(new Error('disk full')) // 'disk full'
 * @since 0.1.0
 */
export const describeCause = (cause: unknown): string => {
  let text: string;
  try {
    text =
      cause instanceof Error
        ? String(cause.message)
        : typeof cause === 'string'
          ? cause
          : String(cause);
  } catch {
    text = Object.prototype.toString.call(cause);
  }
  return text.length > MAX_CAUSE ? `${text.slice(0, MAX_CAUSE - 1)}…` : text;
};
