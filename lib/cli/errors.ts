/**
 * How the CLI ends: a {@link CliError} carries its exit code (1: a migration, validation or
 * check failed; 2: the command line or its inputs are unusable) and one line per problem.
 *
 * @since 0.1.0
 */

/** Exit codes of the `migraph` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A CLI failure: its message is printed on stderr, one line per problem. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The process's exit code: 1 for a failure, 2 for a usage error. */
  readonly exitCode: 1 | 2;

  constructor(message: string, details: { readonly exitCode: 1 | 2; readonly cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.exitCode = details.exitCode;
  }
}

/** A usage error (exit code 2): a bad argument, option or input file. */
export const usage = (message: string, cause?: unknown): CliError =>
  new CliError(message, { exitCode: EXIT.usage, cause });

/** A failure (exit code 1): a migration, validation or check failed. */
export const failure = (message: string, cause?: unknown): CliError =>
  new CliError(message, { exitCode: EXIT.failure, cause });

/**
 * The usage error of a target that did not resolve (see `resolveTargetVersion`): no `--to`
 * and no version known, or a `--to` that is no version.
 */
export const targetUsage = (error: { readonly reason: string; readonly message: string }) =>
  usage(
    error.reason === 'unknown_version'
      ? 'No target version: pass --to, or load some migrations'
      : `--to: ${error.message}`,
  );
