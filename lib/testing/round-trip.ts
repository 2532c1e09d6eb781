/**
 * Property-based round trips of reverse migrations with `fast-check` (a peer dependency of
 * `migraph/testing`).
 *
 * @since 0.1.0
 */
import fc from 'fast-check';
import * as E from '#fp/Either.js';
import { isPlainObject } from '../core/copy.js';
import { MigrationTestError } from '../core/errors.js';
import { describeCause } from '../core/describe-cause.js';
import type { Migrator } from '../core/migrator.js';
import {
  validateRoundtripWith,
  validateRoundtripWithAsync,
  type RoundtripOptions,
} from './helpers.js';
import { statesFromSnapshot, type SnapshotSampleOptions } from './schema-arbitrary.js';
import { checkOptions, type OptionRules } from '../core/options.js';

/** Options of {@link assertRoundTrip}. */
export interface RoundTripPropertyOptions extends RoundtripOptions {
  /** Generated states to try (default 100). */
  readonly numRuns?: number;
  /** Seed, to replay a failure. */
  readonly seed?: number;
}

/** The options of {@link assertRoundTrip} and {@link assertRoundTripAsync}. */
const ROUND_TRIP_OPTIONS: OptionRules = { fields: 'any', numRuns: 'any', seed: 'any' };

/**
 * Property-based round trip: for every state the arbitrary generates at `from`, migrating to
 * `via` and back must preserve the compared fields (default as `validateRoundtripWith`). On
 * failure, throws `MigrationTestError` carrying the shrunk counterexample, the path taken
 * and the field paths that differ. For plans with async steps, use {@link assertRoundTripAsync}.
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
  checkOptions('assertRoundTrip()', options, ROUND_TRIP_OPTIONS);
  const details = fc.check(
    fc.property(atVersion(m, from, arbitrary), (state) => {
      validateRoundtripWith(m, state, via, { fields: options.fields });
    }),
    runParameters(options),
  );
  if (!details.failed) return true;
  throw roundTripFailure(m, from, via, details);
};

/**
 * {@link assertRoundTrip} for plans whose steps may be async (each run awaits
 * `migrateAsync` both ways). Resolves to `true`, or rejects with the `MigrationTestError`.
 *
 * @example
 * await assertRoundTripAsync(m, '1.0.0', '2.0.0', arbitraryFor(V1))
 * @since 0.1.0
 */
export const assertRoundTripAsync = async (
  m: Migrator,
  from: string,
  via: string,
  arbitrary: fc.Arbitrary<unknown>,
  options: RoundTripPropertyOptions = {},
): Promise<true> => {
  checkOptions('assertRoundTripAsync()', options, ROUND_TRIP_OPTIONS);
  const details = await fc.check(
    fc.asyncProperty(atVersion(m, from, arbitrary), async (state) => {
      await validateRoundtripWithAsync(m, state, via, { fields: options.fields });
    }),
    runParameters(options),
  );
  if (!details.failed) return true;
  throw roundTripFailure(m, from, via, details);
};

/** The arbitrary's states, stamped with `version`. */
const atVersion = (m: Migrator, version: string, arbitrary: fc.Arbitrary<unknown>) =>
  arbitrary.map((s) => (isPlainObject(s) ? m.withVersion(s, version) : s));

const runParameters = (options: RoundTripPropertyOptions): fc.Parameters<[unknown]> => ({
  numRuns: options.numRuns ?? 100,
  ...(options.seed === undefined ? {} : { seed: options.seed }),
});

/** The error of a failed round-trip property: counterexample, path, fields, seed. */
const roundTripFailure = (
  m: Migrator,
  from: string,
  via: string,
  details: fc.RunDetails<[unknown]>,
): MigrationTestError => {
  const counterexample = details.counterexample?.[0];
  const cause = details.errorInstance;
  const fields = cause instanceof MigrationTestError ? cause.fields : [];
  const plan = [m.plan(from, via), m.plan(via, from)].flatMap((p) =>
    E.isRight(p) ? p.right.steps.map((s) => s.to) : [],
  );
  return new MigrationTestError(
    `Round trip ${from} -> ${via} -> ${from} failed after ${details.numRuns} run(s) (seed ${details.seed}, shrunk ${details.numShrinks} time(s)): ${describeCause(cause)}`,
    { from, to: via, fields, counterexample, path: [from, ...plan], cause },
  );
};

/**
 * Sample states for checks and tests. With arbitraries by version, draws `size` states from
 * each (for `check`'s `samples` option). With a version and snapshots, draws states of that
 * version from its schema snapshot, validated by `ajv`: for a version whose codec is gone.
 *
 * @example
 * check(m, { samples: sampleStates({ '1.0.0': agentStateV1_0Arbitrary() }) })
 * sampleStates('1.0.0', { snapshots, runs: 20 }) // snapshots: what readSnapshots('schemas') read
 * @since 0.1.0
 */
export function sampleStates(
  arbitraries: Readonly<Record<string, fc.Arbitrary<unknown>>>,
  size?: number,
): Record<string, unknown[]>;
export function sampleStates(version: string, options: SnapshotSampleOptions): unknown[];
export function sampleStates(
  source: string | Readonly<Record<string, fc.Arbitrary<unknown>>>,
  options?: number | SnapshotSampleOptions,
): Record<string, unknown[]> | unknown[] {
  if (typeof source === 'string') {
    if (typeof options !== 'object') {
      throw new TypeError('sampleStates(version, options) needs options.snapshots');
    }
    return statesFromSnapshot(source, options);
  }
  const size = typeof options === 'number' ? options : 25;
  return Object.fromEntries(
    Object.entries(source).map(([version, arbitrary]) => [version, fc.sample(arbitrary, size)]),
  );
}
