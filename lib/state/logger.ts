/**
 * The logger of the default migrator and the module-level functions (`setLogger`): the one
 * piece of process-wide state, kept out of the core.
 *
 * @since 0.1.0
 */
import { silentLogger, type Logger } from '../core/logger.js';

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
