/**
 * A plan resolved once into the data the executor runs: per step its edge (the run function)
 * and the validator of the version it leads to, and what the steps say about the whole run.
 * The executor then needs nothing of the migrator while it runs.
 *
 * @since 0.1.0
 */
import type { Validator } from './codec-registry.js';
import type { StepContext } from './definition.js';
import { MigrationError } from './errors.js';
import type { RunStep } from './executor.js';
import type { Edge } from './graph.js';
import type { Plan } from './planner.js';
import type { Version } from './version.js';

/** A plan resolved for running (see {@link resolvePlan}). */
export interface ResolvedPlan {
  /** `steps[i]` is `plan.steps[i]` resolved. */
  readonly steps: readonly RunStep[];
  /** Every step is pure (`meta.pure`): the run needs no copy. */
  readonly pure: boolean;
  /**
   * The first step that is an `async` function, or -1: `migrate` then says to use
   * `migrateAsync` before running anything (a step that returns a promise without being
   * `async` is only found when it runs).
   */
  readonly asyncStep: number;
}

/** Where a plan's edges and validators are looked up. */
export interface PlanSources {
  readonly graph: { edge(from: Version, to: Version): Edge | undefined };
  readonly codecs: { validatorFor(version: Version): Validator | undefined };
  /** The migrator's clock, handed to every step as `now`. */
  readonly clock: () => Date;
}

/**
 * Looks up the edge and the target validator of every step of `plan` (a plan of the graph
 * in `sources`, so each edge is there).
 *
 * Complexity: O(steps).
 * @since 0.1.0
 */
export const resolvePlan = (plan: Plan, { graph, codecs, clock }: PlanSources): ResolvedPlan => {
  const steps = plan.steps.map((step): RunStep => {
    const edge = graph.edge(step.from, step.to)!;
    return {
      edge,
      validator: codecs.validatorFor(step.to),
      changes: [...edge.changes],
      // One frozen context per step of the plan, shared by its runs: none allocates one.
      context: Object.freeze<StepContext>({
        from: step.from,
        to: step.to,
        direction: step.direction,
        now: clock,
      }),
    };
  });
  return {
    steps,
    pure: steps.every(({ edge }) => edge.pure),
    asyncStep: steps.findIndex(({ edge }) => edge.fn.constructor?.name === 'AsyncFunction'),
  };
};

/** The `async_step` error of a plan whose step `index` is async, given before anything runs. */
export const asyncPlanError = (plan: Plan, index: number): MigrationError => {
  const step = plan.steps[index]!;
  return new MigrationError(
    `Migration ${step.from}->${step.to} is async: use migrateAsync for plans with async steps`,
    { reason: 'async_step', from: step.from, to: step.to, step: index },
  );
};
