/**
 * The options of a {@link Migrator}: what may be given, their rules, and how they resolve.
 *
 * @since 0.1.0
 */
import { getOrThrow as orThrow } from './fp.js';
import type { ValidationMode } from './executor.js';
import { silentLogger, type Logger } from './logger.js';
import { checkOptions, type OptionRules } from './options.js';
import { versionParser, type Version, type VersionFormat, type VersionInput } from './version.js';
import { versionKeyOf, versionPathOf, type VersionFieldOptions } from './version-field.js';

/**
 * Options of a {@link Migrator}; every one is optional.
 *
 * @since 0.1.0
 */
export interface MigratorOptions {
  /**
   * The state field holding the version: a key, a dotted path such as `'_persist.version'`, or
   * an array of keys (for keys that contain dots). Default `'state_version'`.
   */
  readonly versionKey?: string | readonly string[];
  /**
   * How states write their version: `'semver'` (default) or `'integer'` (`3` or `'3'`, read
   * as `3.0.0`, planned as semver, and written back in the form it was read).
   */
  readonly versionFormat?: VersionFormat;
  /**
   * A state whose version is above every registered version (written by a newer release):
   * `'error'` (default) gives a `StateVersionError` with reason `newer_version`; `'keep'`
   * returns it as it is.
   */
  readonly onNewerVersion?: 'error' | 'keep';
  /** Version assumed when a state has no version field. Default `'0.0.0'` (or `0`). */
  readonly missingVersion?: VersionInput;
  /** Default target of `migrate`. Default: the highest registered version. */
  readonly currentVersion?: VersionInput;
  /** When to validate against codecs. Default `'each-step'`. */
  readonly validate?: ValidationMode;
  /** Append a trace event per step to a state's `execution_trace` array, when it has one. Default `true`. */
  readonly trace?: boolean;
  /** Source of trace timestamps. Default `() => new Date()`. */
  readonly clock?: () => Date;
  /** Diagnostics. Default: silent. */
  readonly logger?: Logger;
  /**
   * Never generate code (zod's term): codec checks are not compiled to JavaScript with
   * `new Function`, and `decode` alone validates. For pages under a Content-Security-Policy
   * without `unsafe-eval`. Default `false`: a check is compiled on its first use (where code
   * generation is refused, `decode` alone decides as well).
   */
  readonly jitless?: boolean;
}

/**
 * Resolved options of a {@link Migrator}: every option, defaults filled in.
 *
 * @since 0.1.0
 */
export interface ResolvedOptions extends VersionFieldOptions {
  readonly onNewerVersion: 'error' | 'keep';
  readonly currentVersion: Version | undefined;
  readonly validate: ValidationMode;
  readonly trace: boolean;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly jitless: boolean;
}

/** The rules of {@link MigratorOptions} (see `checkOptions`). */
export const MIGRATOR_OPTIONS: OptionRules = {
  versionKey: 'any',
  versionFormat: ['semver', 'integer'],
  onNewerVersion: ['error', 'keep'],
  missingVersion: 'any',
  currentVersion: 'any',
  validate: ['each-step', 'final', 'off'],
  trace: 'boolean',
  clock: 'function',
  logger: 'logger',
  jitless: 'boolean',
};

/** The default clock: the current time (one function, so resolved options compare equal). */
const systemClock = (): Date => new Date();

/**
 * Checks options (a `TypeError` naming `where` and the option) and fills in the defaults;
 * versions are read in the given format (a `StateVersionError` when one is no version).
 *
 * @example
 * resolveOptions({ versionKey: '_persist.version' }).versionPath // ['_persist', 'version']
 * @since 0.1.0
 */
export const resolveOptions = (
  options: MigratorOptions = {},
  where = 'new Migrator()',
): ResolvedOptions => {
  checkOptions(where, options, MIGRATOR_OPTIONS);
  const versionFormat = options.versionFormat ?? 'semver';
  const parse = versionParser(versionFormat);
  const versionPath = versionPathOf(options.versionKey ?? 'state_version');
  return {
    versionKey: versionKeyOf(versionPath),
    versionPath,
    versionFormat,
    onNewerVersion: options.onNewerVersion ?? 'error',
    missingVersion: orThrow(parse(options.missingVersion ?? '0.0.0')),
    currentVersion:
      options.currentVersion === undefined ? undefined : orThrow(parse(options.currentVersion)),
    validate: options.validate ?? 'each-step',
    trace: options.trace ?? true,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    jitless: options.jitless ?? false,
  };
};
