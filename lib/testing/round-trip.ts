/**
 * Property-based round trips of reverse migrations with `fast-check` (a peer dependency of
 * `migraph/testing`).
 *
 * @since 0.1.0
 */
import fc from 'fast-check';
import * as E from '#fp/Either.js';
import { isPlainObject } from '../core/copy.js';
import { describeCause, MigrationTestError } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import { validateRoundtripWith, type RoundtripOptions } from './helpers.js';

/** Options of {@link assertRoundTrip}. */
export interface RoundTripPropertyOptions extends RoundtripOptions {
  /** Generated states to try (default 100). */
  readonly numRuns?: number;
  /** Seed, to replay a failure. */
  readonly seed?: number;
}

/**
 * Property-based round trip: for every state the arbitrary generates at `from`, migrating to
 * `via` and back must preserve the compared fields (default as `validateRoundtripWith`). On
 * failure, throws `MigrationTestError` carrying the shrunk counterexample, the path taken
 * and the field paths that differ.
 *
 * @example
 * assertRoundTrip(m, '1.0.0', '1.1.0', agentStateV1_0Arbitrary())
 * @since 0.1.0
 */
export const assertRoundTrip = (
  m: Migrator,
  from: string,
  via: string,
  arbitrary: fc.Arbitrary<unknown>,
  options: RoundTripPropertyOptions = {},
): true => {
  const atFrom = arbitrary.map((s) => (isPlainObject(s) ? m.withVersion(s, from) : s));
  const details = fc.check(
    fc.property(atFrom, (state) => {
      validateRoundtripWith(m, state, via, options);
    }),
    {
      numRuns: options.numRuns ?? 100,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
  );
  if (!details.failed) return true;
  const counterexample = details.counterexample?.[0];
  const cause = details.errorInstance;
  const fields = cause instanceof MigrationTestError ? cause.fields : [];
  const plan = [m.plan(from, via), m.plan(via, from)].flatMap((p) =>
    E.isRight(p) ? p.right.steps.map((s) => s.to) : [],
  );
  throw new MigrationTestError(
    `Round trip ${from} -> ${via} -> ${from} failed after ${details.numRuns} run(s) (seed ${details.seed}, shrunk ${details.numShrinks} time(s)): ${describeCause(cause)}`,
    { from, to: via, fields, counterexample, path: [from, ...plan], cause },
  );
};

/**
 * Draws `size` states from each arbitrary, for `check`'s `samples` option.
 *
 * @example
 * check(m, { samples: sampleStates({ '1.0.0': agentStateV1_0Arbitrary() }) })
 * @since 0.1.0
 */
export const sampleStates = (
  arbitraries: Readonly<Record<string, fc.Arbitrary<unknown>>>,
  size = 25,
): Record<string, unknown[]> =>
  Object.fromEntries(
    Object.entries(arbitraries).map(([version, arbitrary]) => [
      version,
      fc.sample(arbitrary, size),
    ]),
  );
