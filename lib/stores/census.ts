/**
 * `census`: how many states a store holds at each version, so that a team
 * knows when an old version has left the data and its migration may be retired. Free of Node
 * built-ins (a browser store counts through it); NDJSON files are counted in `census-file.ts`.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/describe-cause.js';
import { Migrator } from '../core/migrator.js';
import { StoreError, type CensusSource, type VersionCount } from '../core/store.js';
import { compareNormalised } from '../core/version.js';
import { versionValueAt } from '../core/version-field.js';

/** States per version (normalised: `v1.0.0` counts as `1.0.0`), and `invalid` ones. */
export type Census = Record<string, number>;

/** The key of states that are not JSON objects or whose version cannot be read. */
export const INVALID = 'invalid';

/** Versions in semver order, `invalid` last. */
export const ordered = (counts: ReadonlyMap<string, number>): Census => {
  const versions = [...counts.keys()].filter((k) => k !== INVALID).sort(compareNormalised);
  const census: Census = {};
  for (const version of versions) census[version] = counts.get(version)!;
  if (counts.has(INVALID)) census[INVALID] = counts.get(INVALID)!;
  return census;
};

/** Adds raw counts under the versions `m` reads them as. */
export const tally = (m: Migrator<object>, groups: Iterable<VersionCount>): Map<string, number> => {
  const counts = new Map<string, number>();
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  for (const group of groups) {
    if (group.kind === 'missing') add(m.options.missingVersion, group.count);
    else if (group.kind === 'invalid') add(INVALID, group.count);
    else {
      const version = m.normalizeVersion(group.value);
      add(E.isRight(version) ? version.right : INVALID, group.count);
    }
  }
  return counts;
};

/**
 * Counts the states of a store by version, read the way `m` reads them (its `versionKey`,
 * `versionFormat` and `missingVersion`; default: a plain `Migrator`). States that are not
 * JSON objects, or whose version is not one, count as `invalid`; rows holding no state (SQL
 * `NULL`) are not counted.
 *
 * @example
 * await census(store) // Right({ '1.0.0': 1200, '1.1.0': 98_800, invalid: 3 })
 * @since 0.1.0
 */
export const census = async (
  source: CensusSource & { readonly name?: string },
  m: Migrator<object> = new Migrator(),
): Promise<E.Either<StoreError, Census>> => {
  try {
    return E.right(ordered(tally(m, await source.countVersions(m.options.versionPath))));
  } catch (error) {
    return E.left(
      error instanceof StoreError
        ? error
        : new StoreError(`${source.name ?? 'store'}: ${describeCause(error)}`, {
            reason: 'query',
            ...(source.name === undefined ? {} : { store: source.name }),
            cause: error,
          }),
    );
  }
};

/** The raw version group of one parsed state. */
export const groupOf = (state: unknown, path: readonly string[]): VersionCount => {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    return { kind: 'invalid', count: 1 };
  }
  const at = versionValueAt(state, path);
  if (at === undefined) return { kind: 'missing', count: 1 };
  return typeof at === 'object' && at !== null
    ? { kind: 'invalid', count: 1 }
    : { kind: 'version', value: at, count: 1 };
};
