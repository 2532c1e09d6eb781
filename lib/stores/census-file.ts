/**
 * `censusFile`: how many states an NDJSON file holds at each version, counted as `census`
 * counts a store's.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/describe-cause.js';
import { Migrator } from '../core/migrator.js';
import { StoreError, type VersionCount } from '../core/store.js';
import { readLineChunks } from '../node/batch/lines.js';
import { groupOf, ordered, tally, type Census } from './census.js';

/**
 * Counts the states of an NDJSON file (one state per line; blank lines skipped) by version,
 * as `census` does for a store. Streams the file: memory does not grow with its size.
 *
 * @example
 * await censusFile('states.ndjson') // Right({ '1.0.0': 10, '1.1.0': 990 })
 * @since 0.1.0
 */
export const censusFile = async (
  file: string,
  m: Migrator<object> = new Migrator(),
): Promise<E.Either<StoreError, Census>> => {
  const path = m.options.versionPath;
  const groups: VersionCount[] = [];
  const counts = new Map<string, number>();
  try {
    for await (const chunk of readLineChunks(file, { chunkLines: 1000 })) {
      for (const line of chunk.lines) {
        let state: unknown;
        try {
          state = JSON.parse(line);
        } catch {
          state = undefined;
        }
        groups.push(groupOf(state, path));
      }
      for (const [version, n] of tally(m, groups))
        counts.set(version, (counts.get(version) ?? 0) + n);
      groups.length = 0;
    }
  } catch (error) {
    return E.left(
      new StoreError(`${file}: ${describeCause(error)}`, {
        reason: 'connection',
        store: file,
        cause: error,
      }),
    );
  }
  return E.right(ordered(counts));
};
