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

let current: Logger = silentLogger;

/** The logger set by `setLogger` (silent until then). */
export const currentLogger = (): Logger => current;

/**
 * Sets the logger of the default migrator and the module-level functions.
 *
 * @example
 * setLogger(console)
 * @since 0.1.0
 */
export const setLogger = (logger: Logger): void => {
  current = logger;
};

/** A logger that forwards every call to whatever {@link currentLogger} is at the time. */
export const forwardingLogger: Logger = Object.freeze({
  debug: (message: string, ...rest: unknown[]) => current.debug(message, ...rest),
  info: (message: string, ...rest: unknown[]) => current.info(message, ...rest),
  warn: (message: string, ...rest: unknown[]) => current.warn(message, ...rest),
  error: (message: string, ...rest: unknown[]) => current.error(message, ...rest),
});
