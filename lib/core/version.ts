/**
 * Semver version strings: validation, normalisation and comparison.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import SemVer from 'semver/classes/semver.js';
import compare from 'semver/functions/compare.js';
import gte from 'semver/functions/gte.js';
import valid from 'semver/functions/valid.js';
import { StateVersionError } from './errors.js';
import { getOrThrow as orThrow } from './fp.js';
import { showQuoted } from './show.js';

/** A normalised semver string such as `'1.2.0'` (no leading `v`). */
export type Version = string;

/** How versions are written in states: semver strings, or integers (`3`, `'3'`) read as `3.0.0`. */
export type VersionFormat = 'semver' | 'integer';

/** A version as a caller may give it: a semver string, or an integer in the integer format. */
export type VersionInput = string | number;

/** Memo caches keyed by input values stay bounded: past this many entries they start over. */
const CACHE_LIMIT = 10_000;

const remember = <K, V>(cache: Map<K, V>, key: K, value: V): V => {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
};

const normalised = new Map<string, Version | null>();

/**
 * Validates and normalises a version (`'v1.2.3'` → `'1.2.3'`). Results are memoised, so
 * graphs that mention the same version many times parse it once.
 *
 * @example
 * parseVersion('v1.2.3') // Right('1.2.3')
 * parseVersion('banana') // Left(StateVersionError: Expected a semver version, got 'banana')
 * @since 0.1.0
 */
export const parseVersion = (value: unknown): E.Either<StateVersionError, Version> => {
  if (typeof value === 'string') {
    let hit = normalised.get(value);
    if (hit === undefined) hit = remember(normalised, value, valid(value));
    if (hit !== null) return E.right(hit);
  }
  return E.left(
    new StateVersionError(`Expected a semver version, got ${showQuoted(value)}`, {
      reason: 'invalid_version',
      version: typeof value === 'string' ? value : showQuoted(value),
    }),
  );
};

/** True when `value` is a valid semver string (a leading `v` allowed). */
export const isVersion = (value: unknown): value is string => E.isRight(parseVersion(value));

/**
 * Compares two versions by semver precedence (pre-releases sort below their release).
 * Throws `StateVersionError` on an invalid version.
 *
 * @example
 * compareVersions('1.0.0', '1.1.0') // -1
 * compareVersions('1.0.0-rc.1', '1.0.0') // -1
 * @since 0.1.0
 */
export const compareVersions = (a: string, b: string): -1 | 0 | 1 =>
  compare(orThrow(parseVersion(a)), orThrow(parseVersion(b)));

/**
 * `stateVersion >= required` by semver precedence; `false` (never a throw) on invalid input.
 *
 * @example
 * isCompatibleVersion('1.1.0', '1.0.0') // true
 * isCompatibleVersion('nope', '1.0.0') // false
 * @since 0.1.0
 */
export const isCompatibleVersion = (stateVersion: string, required: string): boolean => {
  const a = parseVersion(stateVersion);
  const b = parseVersion(required);
  return E.isRight(a) && E.isRight(b) && gte(a.right, b.right);
};

const parsed = new Map<Version, SemVer>();

/** The parsed form of a normalised version, memoised (graphs compare the same versions often). */
const semverOf = (version: Version): SemVer => {
  return parsed.get(version) ?? remember(parsed, version, new SemVer(version));
};

/** Compares two normalised versions (as returned by {@link parseVersion}); no validation. */
export const compareNormalised = (a: Version, b: Version): -1 | 0 | 1 =>
  a === b ? 0 : semverOf(a).compare(semverOf(b));

/** Sorts versions ascending by semver precedence (returns a new array). */
export const sortVersions = (versions: Iterable<string>): Version[] =>
  [...versions].map((v) => orThrow(parseVersion(v))).sort(compareNormalised);

const INTEGER = /^(0|[1-9]\d{0,14})$/;

/**
 * Reads an integer version: `3` or `'3'` is `'3.0.0'`; a normalised `'3.0.0'` is accepted as
 * it is. Anything else (negative, fractional, `'3.1.0'`) is a `Left`.
 *
 * @example
 * parseIntegerVersion(3) // Right('3.0.0')
 * parseIntegerVersion('2.1.0') // Left(StateVersionError: Expected an integer version, got '2.1.0')
 * @since 0.1.0
 */
export const parseIntegerVersion = (value: unknown): E.Either<StateVersionError, Version> => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return E.right(`${value}.0.0`);
  }
  if (typeof value === 'string') {
    if (INTEGER.test(value)) return E.right(`${value}.0.0`);
    const [major, minor, patch] = value.split('.');
    if (minor === '0' && patch === '0' && INTEGER.test(major ?? '')) return E.right(value);
  }
  return E.left(
    new StateVersionError(`Expected an integer version, got ${showQuoted(value)}`, {
      reason: 'invalid_version',
      version: typeof value === 'string' ? value : showQuoted(value),
    }),
  );
};

/** The reader of a version format. */
export const versionParser = (
  format: VersionFormat,
): ((value: unknown) => E.Either<StateVersionError, Version>) =>
  format === 'integer' ? parseIntegerVersion : parseVersion;
