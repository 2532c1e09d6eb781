/**
 * The logger interface migraph reports through (compatible with `console`).
 *
 * @since 0.1.0
 */

/** Where migraph sends its diagnostics. `console` is one. */
export interface Logger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

const nothing = (): void => undefined;

/** A logger that discards everything: the default. */
export const silentLogger: Logger = Object.freeze({
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
});
