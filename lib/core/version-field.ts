/**
 * The version field of a state: where it sits (a path of keys), how it is read, written and
 * formatted (semver, or integers written back in the form they were read), and which version
 * a run targets. The one module that walks the version path: everything else calls it.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { isPlainObject, type StateObject } from './copy.js';
import { StateVersionError } from './errors.js';
import { showValue } from './show.js';
import { versionParser, type Version, type VersionFormat, type VersionInput } from './version.js';

/** Where states hold their version and how they write it: a migrator's resolved options. */
export interface VersionFieldOptions {
  /** The version field as given (an array of keys is joined with dots), for messages. */
  readonly versionKey: string;
  /** The keys leading to the version field. */
  readonly versionPath: readonly string[];
  readonly versionFormat: VersionFormat;
  /** Version assumed when a state has no version field. */
  readonly missingVersion: Version;
}

/** What a target is resolved against: a migrator's default target and its version reader. */
export interface TargetSource {
  /** The default target: `currentVersion`, else the highest registered version. */
  targetVersion(): Version | undefined;
  /** Reads a version in the migrator's format. */
  normalizeVersion(value: unknown): E.Either<StateVersionError, Version>;
}

/** A version read from a state: the normalised version and the value as the state wrote it. */
export interface ReadVersion {
  readonly version: Version;
  /** The field's value as written (`undefined` when the state has none). */
  readonly raw: unknown;
}

// --- path -----------------------------------------------------------------------------------

/**
 * The keys a version key names, unchecked: a dotted path split at its dots, an array as given.
 *
 * @example
 * splitVersionKey('_persist.version') // ['_persist', 'version']
 */
export const splitVersionKey = (key: string | readonly string[]): readonly string[] =>
  typeof key === 'string' ? key.split('.') : key;

/**
 * The keys of a version field: a dotted path (`'_persist.version'`), or an array of keys as
 * given (for keys that contain dots). Throws a `TypeError` on an empty path or key.
 *
 * @example
 * versionPathOf('_persist.version') // ['_persist', 'version']
 * versionPathOf(['meta', 'schema.version']) // ['meta', 'schema.version']
 * @since 0.1.0
 */
export const versionPathOf = (key: string | readonly string[]): readonly string[] => {
  const path = [...splitVersionKey(key)];
  if (path.length === 0 || path.some((k) => typeof k !== 'string' || k === '')) {
    throw new TypeError(`Expected versionKey to be a key or a path of keys, got ${showValue(key)}`);
  }
  return Object.freeze(path);
};

/**
 * A version key as text, for messages and options: its keys joined with dots.
 *
 * @example
 * versionKeyOf(['_persist', 'version']) // '_persist.version'
 */
export const versionKeyOf = (path: readonly string[]): string => path.join('.');

/**
 * The keys of a field beside the version field (in the object that holds it), such as the
 * `readableFrom` stamp. Throws a `TypeError` when `key` is empty or names the version field.
 *
 * @example
 * siblingPathOf(['_persist', 'version'], 'readableFrom') // ['_persist', 'readableFrom']
 * @since 0.1.0
 */
export const siblingPathOf = (path: readonly string[], key: string): readonly string[] => {
  const sibling = Object.freeze([...path.slice(0, -1), ...versionPathOf([key])]);
  if (isSamePath(sibling, path)) {
    throw new TypeError(`Expected a key beside the version field, got the version field ${key}`);
  }
  return sibling;
};

/** Two version paths name the same field. */
export const isSamePath = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((key, i) => key === b[i]);

/**
 * The top-level key that holds the version: the field itself, or the object it sits in.
 *
 * @example
 * versionRootKey(['_persist', 'version']) // '_persist'
 */
export const versionRootKey = (path: readonly string[]): string => path[0]!;

/** The version field's key when it is a top-level field, else `undefined`. */
export const topLevelVersionKey = (path: readonly string[]): string | undefined =>
  path.length === 1 ? path[0] : undefined;

// --- reading --------------------------------------------------------------------------------

/**
 * The value of the version field, walking own fields of plain objects; `undefined` when the
 * field or an object on the way is absent (or is no plain object).
 *
 * Complexity: O(path length).
 * @example
 * versionValueAt({ _persist: { version: 3 } }, ['_persist', 'version']) // 3
 * @since 0.1.0
 */
export const versionValueAt = (state: unknown, path: readonly string[]): unknown => {
  let at: unknown = state;
  for (const key of path) {
    if (!isPlainObject(at) || !Object.prototype.hasOwnProperty.call(at, key)) return undefined;
    at = at[key];
  }
  return at;
};

/**
 * Reads and normalises the version of a state: `missingVersion` when the field is absent, a
 * `Left` (reason `invalid_version`, naming the field) when its value is no version of the format.
 *
 * @example
 * readStateVersion(m.options, { state_version: 'v1.0.0' }) // Right({ version: '1.0.0', raw: 'v1.0.0' })
 * @since 0.1.0
 */
export const readStateVersion = (
  options: VersionFieldOptions,
  state: StateObject,
): E.Either<StateVersionError, ReadVersion> => {
  const raw = versionValueAt(state, options.versionPath);
  if (raw === undefined) return E.right({ version: options.missingVersion, raw });
  const parsed = versionParser(options.versionFormat)(raw);
  if (E.isRight(parsed)) return E.right({ version: parsed.right, raw });
  const e = parsed.left;
  return E.left(
    new StateVersionError(`Invalid ${options.versionKey} in state: ${e.message}`, {
      reason: 'invalid_version',
      version: e.version,
      cause: e,
    }),
  );
};

// --- writing --------------------------------------------------------------------------------

/**
 * The value a state holds for `version`: the normalised string for semver; for integers, the
 * major as a number, or as a string when the state had its version as a string (`like`).
 *
 * @example
 * formatVersion('integer', '3.0.0', '2') // '3'
 * formatVersion('integer', '3.0.0') // 3
 * @since 0.1.0
 */
export const formatVersion = (format: VersionFormat, version: Version, like?: unknown): unknown => {
  if (format === 'semver') return version;
  const major = Number(version.slice(0, version.indexOf('.')));
  return typeof like === 'string' ? String(major) : major;
};

/**
 * Sets the version field of a state the caller owns, in place; the objects on the way are
 * copied (they may be shared), and made when absent.
 *
 * Complexity: O(path length).
 * @since 0.1.0
 */
export const writeVersionAt = (
  state: StateObject,
  path: readonly string[],
  value: unknown,
): void => {
  if (path.length === 1) {
    state[path[0]!] = value;
    return;
  }
  let at = state;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const child = Object.prototype.hasOwnProperty.call(at, key) ? at[key] : undefined;
    const copy: StateObject = isPlainObject(child) ? { ...child } : {};
    at[key] = copy;
    at = copy;
  }
  at[path[path.length - 1]!] = value;
};

/**
 * Removes the field at `path` from a state the caller owns, in place; the objects on the way
 * are copied (they may be shared). Nothing changes when the field is absent.
 *
 * Complexity: O(path length).
 * @since 0.1.0
 */
export const removeFieldAt = (state: StateObject, path: readonly string[]): void => {
  if (versionValueAt(state, path) === undefined) return;
  let at = state;
  for (let i = 0; i < path.length - 1; i++) {
    const copy: StateObject = { ...(at[path[i]!] as StateObject) };
    at[path[i]!] = copy;
    at = copy;
  }
  delete at[path[path.length - 1]!];
};

/**
 * A copy of `state` (shallow along the path) with its version field set to `value`; anything
 * on the way that is no plain object becomes one.
 *
 * @example
 * withVersionAt({ a: 1 }, ['meta', 'version'], '1.0.0') // { a: 1, meta: { version: '1.0.0' } }
 * @since 0.1.0
 */
export const withVersionAt = <T extends object>(
  state: T,
  path: readonly string[],
  value: unknown,
): T => {
  const set = (at: unknown, depth: number): StateObject => {
    const base = isPlainObject(at) ? at : {};
    const key = path[depth]!;
    return { ...base, [key]: depth === path.length - 1 ? value : set(base[key], depth + 1) };
  };
  return set(state, 0) as T;
};

// --- target ---------------------------------------------------------------------------------

/**
 * The version a run targets: `to` read in the migrator's format, else its default target; a
 * `Left` (reason `unknown_version`) when there is none (no `to`, no `currentVersion`, no
 * migration), or `invalid_version` when `to` is no version.
 *
 * @example
 * resolveTargetVersion(m, undefined) // Right('2.0.0'), the highest registered version
 * resolveTargetVersion(new Migrator(), undefined) // Left(StateVersionError: No target version: …)
 * @since 0.1.0
 */
export const resolveTargetVersion = (
  source: TargetSource,
  to: VersionInput | undefined,
): E.Either<StateVersionError, Version> => {
  if (to !== undefined) return source.normalizeVersion(to);
  const target = source.targetVersion();
  return target === undefined
    ? E.left(
        new StateVersionError(
          'No target version: none was given, no currentVersion is set and no migration is registered',
          { reason: 'unknown_version' },
        ),
      )
    : E.right(target);
};
