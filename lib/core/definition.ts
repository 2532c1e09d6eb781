/**
 * How a migration is written: a step function and, optionally, its reverse.
 *
 * @since 0.1.0
 */
import type * as E from '#fp/Either.js';

/** Any JSON-like state object. Steps between versions of different shapes are typed with it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyState = { [key: string]: any };

/** What a step is told about the step it runs as. */
export interface StepContext {
  readonly from: string;
  readonly to: string;
  readonly direction: 'up' | 'down';
  /** The migrator's clock: use it for timestamps, so runs under a fixed clock are deterministic. */
  readonly now: () => Date;
}

/**
 * A migration step: takes the state at one version and returns the state at the next, either
 * as a plain value or as an `Either` (a `Left` is a failure), or a promise of either (an
 * async step, run by `migrateAsync`). A thrown error or rejected promise is a failure too.
 * Steps may mutate their argument: the executor hands them a private copy.
 */
export type StepFn<I = AnyState, O = AnyState> = (
  state: I,
  context: StepContext,
) => O | E.Either<unknown, O> | Promise<O | E.Either<unknown, O>>;

/** A migration as a migration script exports it (`export default defineMigration({...})`). */
export interface MigrationDefinition<I = AnyState, O = AnyState> {
  readonly from: string;
  readonly to: string;
  readonly up: StepFn<I, O>;
  readonly down?: StepFn<O, I>;
  readonly description?: string;
  /** What `down` does, for diagrams and docs (default: `Revert: <description>`). */
  readonly downDescription?: string;
  /** Short names of what this migration changes; recorded in trace events. */
  readonly changes?: readonly string[];
  /** Planning cost of this edge (and of its reverse); default 1. */
  readonly cost?: number;
  /** `down` cannot restore everything: round trips skip it, the planner avoids it on ties. */
  readonly lossy?: boolean;
  /** `up` and `down` never mutate their argument: plans of pure steps skip the deep copy. */
  readonly pure?: boolean;
}

/**
 * Types a migration definition; the identity at run time.
 *
 * @example
 * export default defineMigration({
 *   from: '1.0.0',
 *   to: '1.1.0',
 *   description: 'Add tags',
 *   up: (s) => ({ ...s, tags: [] }),
 *   down: ({ tags: _tags, ...s }) => s,
 * });
 * @since 0.1.0
 */
export const defineMigration = <I = AnyState, O = AnyState>(
  definition: MigrationDefinition<I, O>,
): MigrationDefinition<I, O> => definition;

/** True when `value` has the shape of a {@link MigrationDefinition}. */
export const isMigrationDefinition = (value: unknown): value is MigrationDefinition => {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    typeof d.from === 'string' &&
    typeof d.to === 'string' &&
    typeof d.up === 'function' &&
    (d.down === undefined || typeof d.down === 'function')
  );
};
