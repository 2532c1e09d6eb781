/**
 * The options of a {@link Migrator}: what may be given, their rules, and how they resolve.
 *
 * @since 0.1.0
 */
import { getOrThrow as orThrow } from './fp.js';
import type { ValidationMode } from './executor.js';
import { silentLogger, type Logger } from './logger.js';
import { checkOptions, type OptionRules } from './options.js';
import type { EdgeClassifier } from './readable-from.js';
import { versionParser, type Version, type VersionFormat, type VersionInput } from './version.js';
import {
  siblingPathOf,
  versionKeyOf,
  versionPathOf,
  type VersionFieldOptions,
} from './version-field.js';

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
   * returns it as it is; `'read-compatible'` returns it as it is (outcome `'kept-newer'`) when
   * its `readableFrom` stamp is at or below the target and the target's codec accepts it, and
   * behaves as `'error'` otherwise (no stamp, or a stamp above the target).
   */
  readonly onNewerVersion?: NewerVersionPolicy;
  /**
   * Write beside the version, after a migration, the oldest version that can read the state as
   * it is (`readableFrom`: the far end of the chain of `FORWARD`/`FULL` edges below the
   * state's version), with the classes this function gives: `compatibility` from
   * `migraph/core`, or `compatibilityOf` from `migraph/testing`. Classes are computed once
   * per version graph and codecs. Default: off (a migration removes a stamp it would make
   * stale).
   *
   * @example
   * new Migrator({ stampReadableFrom: compatibility })
   */
  readonly stampReadableFrom?: EdgeClassifier;
  /** The key of the `readableFrom` stamp, beside the version field. Default `'readableFrom'`. */
  readonly readableFromKey?: string;
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

/** What to do with a state newer than every registered version (see `onNewerVersion`). */
export type NewerVersionPolicy = 'error' | 'keep' | 'read-compatible';

/**
 * Resolved options of a {@link Migrator}: every option, defaults filled in.
 *
 * @since 0.1.0
 */
export interface ResolvedOptions extends VersionFieldOptions {
  readonly onNewerVersion: NewerVersionPolicy;
  readonly stampReadableFrom: EdgeClassifier | undefined;
  /** The keys leading to the `readableFrom` stamp: a sibling of the version field. */
  readonly readableFromPath: readonly string[];
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
  onNewerVersion: ['error', 'keep', 'read-compatible'],
  stampReadableFrom: 'function',
  readableFromKey: 'string',
  missingVersion: 'any',
  currentVersion: 'any',
  validate: ['each-step', 'final', 'off'],
  trace: 'boolean',
  clock: 'function',
  logger: 'logger',
  jitless: 'boolean',
};

/** The default clock: the current time (one function, so resolved options compare equal). */
export const systemClock = (): Date => new Date();

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
  const readableFromPath = siblingPathOf(versionPath, options.readableFromKey ?? 'readableFrom');
  return {
    versionKey: versionKeyOf(versionPath),
    versionPath,
    versionFormat,
    onNewerVersion: options.onNewerVersion ?? 'error',
    stampReadableFrom: options.stampReadableFrom,
    readableFromPath,
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
