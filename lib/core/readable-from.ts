/**
 * `readableFrom` (SPEC §17): the oldest version that can read a state as it is, written beside
 * its version so that an older build knows whether it may read a state a newer one wrote. The
 * classes come from a classifier the caller passes (`compatibility`, or `compatibilityOf` from
 * `migraph/testing`), so a bundle of `Migrator` alone does not carry the schema comparison.
 *
 * @since 0.1.0
 */
import type * as E from '#fp/Either.js';
import type { SchemaSource } from './json-schema.js';
import { compareNormalised, type Version } from './version.js';

/** What a classifier answers for an edge: its class (`FORWARD`/`FULL` can be read by old builds). */
export interface EdgeClass {
  readonly class: 'BACKWARD' | 'FORWARD' | 'FULL' | 'NONE';
}

/**
 * Classifies the edge between two versions of a migrator, as `compatibility(m, edge)` does.
 *
 * @since 0.1.0
 */
export type EdgeClassifier = (
  m: SchemaSource,
  edge: { readonly from: string; readonly to: string },
) => E.Either<unknown, EdgeClass>;

/**
 * The far end of the chain of `FORWARD`/`FULL` edges below `version`: from `version`, step to
 * the lowest neighbour below it whose states of the upper end are valid at the lower one, until
 * none is left. `version` itself when no such edge leaves it. `readsDown(older, newer)` says
 * whether an edge is `FORWARD` or `FULL`; `neighbours` the versions joined to one by an edge.
 *
 * Complexity: O(|V| + |E|) calls of `readsDown` at most.
 * @example
 * // 1.0.0 -FULL- 1.1.0 -FORWARD- 1.2.0 -NONE- 2.0.0
 * oldestReader('1.2.0', neighbours, readsDown) // '1.0.0'
 * oldestReader('2.0.0', neighbours, readsDown) // '2.0.0'
 * @since 0.1.0
 */
export const oldestReader = (
  version: Version,
  neighbours: (version: Version) => Iterable<Version>,
  readsDown: (older: Version, newer: Version) => boolean,
): Version => {
  let at = version;
  for (;;) {
    let next: Version | undefined;
    for (const other of neighbours(at)) {
      if (compareNormalised(other, at) >= 0 || !readsDown(other, at)) continue;
      if (next === undefined || compareNormalised(other, next) < 0) next = other;
    }
    if (next === undefined) return at;
    at = next;
  }
};
