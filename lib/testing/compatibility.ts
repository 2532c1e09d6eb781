/**
 * Compatibility classes confirmed by sampling (SPEC §17): the schema containment of
 * `compatibility` in the core decides what it can; here states of each side, drawn from its
 * codec, are decoded by the other side's codec. A direction a sample breaks is refuted (with
 * that sample as its counterexample), whatever the schemas said; a direction the schemas left
 * undecided and no sample breaks is taken to hold, `by: 'sampling'`. A version whose codec is
 * gone (retired) takes part through its schema snapshot: its states are drawn from the schema
 * (`arbitraryForSchema`) and validated by it (`SnapshotCodec`, with ajv).
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import fc from 'fast-check';
import {
  compareSides,
  compatibilityResult,
  counterexampleOf,
  sideOf,
  type Compatibility,
  type CompatibilitySide,
  type DirectionVerdict,
  type EdgeVersions,
} from '../core/compatibility.js';
import type { StateVersionError } from '../core/errors.js';
import type { SchemaSource } from '../core/json-schema.js';
import type { Snapshot } from '../core/snapshot.js';
import { compareVersions } from '../core/version.js';
import { arbitraryFor, type ArbitraryOptions } from './arbitrary.js';
import { arbitraryForSchema, SnapshotCodec } from './schema-arbitrary.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link compatibilityOf}. */
export interface CompatibilityOfOptions extends Pick<ArbitraryOptions, 'overrides'> {
  /** States drawn from each side (default 1,000). */
  readonly runs?: number;
  /** The fast-check seed (default 42): the same seed draws the same states. */
  readonly seed?: number;
  /**
   * Schema snapshots by version (`readSnapshots(dir)` in `migraph/node`): a version without a
   * codec of its own is compared, sampled and validated through its snapshot.
   */
  readonly snapshots?: ReadonlyMap<string, Snapshot>;
}

type Side = CompatibilitySide;

/** A snapshot side validated by ajv (`SnapshotCodec`), not only the containment's reading. */
const withAjv = (side: Side): Side =>
  side.source === 'snapshot'
    ? { ...side, codec: new SnapshotCodec(side.version, side.schema) }
    : side;

/**
 * The compatibility class of an edge, decided by schema containment and confirmed by
 * `runs` states drawn from each side's codec (`arbitraryFor`) and decoded by the other's.
 * Never reports a class a drawn state refutes; a `NONE` carries the state behind it. A side
 * whose codec has no arbitrary (a custom codec without an override) is not sampled: its
 * direction stays as the schemas decided it (`undefined` counts as not holding). With
 * `snapshots`, a version whose codec is gone is drawn from and validated by its snapshot.
 *
 * Complexity: O(runs × size of a state) per side.
 * @example
 * const result = compatibilityOf(m, { from: '1.0.0', to: '1.1.0' }, { runs: 1000 })
 * // Right({ class: 'FORWARD', backward: { holds: false, counterexample: { state: { title: '' }, … } }, … })
 * @since 0.1.0
 */
export const compatibilityOf = (
  m: SchemaSource,
  edge: EdgeVersions,
  options: CompatibilityOfOptions = {},
): E.Either<StateVersionError, Compatibility> => {
  checkOptions('compatibilityOf()', options, {
    runs: 'any',
    seed: 'any',
    snapshots: 'any',
    overrides: 'any',
  });
  const runs = options.runs ?? 1000;
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new TypeError(`compatibilityOf: runs must be a positive integer, got ${String(runs)}`);
  }
  const [older, newer] =
    compareVersions(edge.from, edge.to) <= 0 ? [edge.from, edge.to] : [edge.to, edge.from];
  const sideA = sideOf(m, older, options.snapshots);
  if (E.isLeft(sideA)) return sideA;
  const sideB = sideOf(m, newer, options.snapshots);
  if (E.isLeft(sideB)) return sideB;
  const a = withAjv(sideA.right);
  const b = withAjv(sideB.right);
  const decided = compareSides(a, b);
  const seed = options.seed ?? 42;
  const statesA = draw(a, runs, seed, options);
  const statesB = draw(b, runs, seed, options);
  return E.right(
    compatibilityResult(
      older,
      newer,
      settle(decided.backward, statesA, a, b),
      settle(decided.forward, statesB, b, a),
    ),
  );
};

/** `runs` states of a side, or the reason none can be drawn. */
const draw = (
  side: Side,
  runs: number,
  seed: number,
  options: CompatibilityOfOptions,
): readonly unknown[] | string => {
  try {
    const overrides = options.overrides === undefined ? {} : { overrides: options.overrides };
    const arbitrary =
      side.source === 'snapshot'
        ? arbitraryForSchema(side.schema, overrides)
        : arbitraryFor(side.codec, overrides);
    return fc.sample(arbitrary, { numRuns: runs, seed });
  } catch (error) {
    return `cannot draw states of ${side.version}: ${error instanceof Error ? error.message : String(error)}`;
  }
};

const settle = (
  verdict: DirectionVerdict,
  states: readonly unknown[] | string,
  from: Side,
  to: Side,
): DirectionVerdict => {
  if (verdict.holds === false) return verdict;
  if (typeof states === 'string') {
    return verdict.holds === true
      ? verdict
      : { ...verdict, reason: `${verdict.reason}; ${states}` };
  }
  for (const state of states) {
    const counterexample = counterexampleOf(state, from, to);
    if (counterexample !== undefined) {
      return {
        holds: false,
        by: 'sampling',
        reason:
          verdict.holds === true
            ? `a sampled state refutes the schemas' containment: ${counterexample.errors[0] ?? ''}`
            : (counterexample.errors[0] ?? 'a sampled state is rejected'),
        counterexample,
      };
    }
  }
  return verdict.holds === true
    ? { ...verdict, samples: states.length }
    : {
        holds: true,
        by: 'sampling',
        reason: `no counterexample in ${states.length} sampled states (${verdict.reason})`,
        samples: states.length,
      };
};
