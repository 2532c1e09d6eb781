/**
 * Runs a {@link Plan}: a fold of `Either`-returning steps, each followed by stamping the new
 * version (and a trace event) and, per the validation mode, io-ts validation.
 *
 * The executor works on a private copy of the caller's state (made once per `migrate` call)
 * and owns every object a step returns, so it stamps them in place.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type * as t from 'io-ts';
import { isPlainObject, type StateObject } from './copy.js';
import type { StepFn } from './definition.js';
import { describeCause, MigrationError } from './errors.js';
import { andThen } from './fp.js';
import type { Edge, LiftedStep } from './graph.js';
import type { Plan, Step } from './planner.js';
import { formatValidationErrors } from './report.js';
import { kindOf } from './show.js';
import type { Version } from './version.js';

/** When states are checked against their version's codec. */
export type ValidationMode = 'each-step' | 'final' | 'off';

/** What the executor needs from the migrator. */
export interface ExecutionContext {
  readonly versionKey: string;
  readonly validate: ValidationMode;
  readonly trace: boolean;
  readonly clock: () => Date;
  readonly codecFor: (version: Version) => t.Decoder<unknown, unknown> | undefined;
}

/** One event appended to a state's `execution_trace` per step. */
export interface TraceEvent {
  readonly event: 'state_migration' | 'state_reverse_migration';
  readonly timestamp: string;
  readonly details: {
    readonly from_version: string;
    readonly to_version: string;
    readonly changes: readonly string[];
  };
}

const isEither = (value: unknown): value is E.Either<unknown, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { _tag?: unknown };
  return (v._tag === 'Left' && 'left' in v) || (v._tag === 'Right' && 'right' in v);
};

/**
 * Lifts a user's step (plain return, `Either` return, or throw) into a step that never throws.
 * Done once, at registration.
 *
 * @since 0.1.0
 */
export const liftStep =
  (fn: StepFn<never, unknown>): LiftedStep =>
  (state, context) =>
    pipe(
      E.tryCatch(
        () => fn(state as never, context),
        (cause) => cause,
      ),
      andThen((out) => (isEither(out) ? out : E.right(out))),
    );

const stepFailed = (step: Step, index: number, cause: unknown): MigrationError =>
  new MigrationError(`Migration failed at ${step.from}->${step.to}: ${describeCause(cause)}`, {
    reason: 'step_failed',
    from: step.from,
    to: step.to,
    step: index,
    cause,
  });

/** A promise a synchronous run received: handled here, so its rejection is never unhandled. */
const settleQuietly = (out: unknown): string => {
  const then = (out as { then?: unknown }).then;
  if (typeof then === 'function') then.call(out, undefined, () => undefined);
  return 'a Promise (steps must be synchronous)';
};

const requireObject =
  (step: Step, index: number) =>
  (out: unknown): E.Either<MigrationError, StateObject> => {
    if (isPlainObject(out)) return E.right(out);
    const kind = kindOf(out);
    return E.left(
      new MigrationError(
        `Migration failed at ${step.from}->${step.to}: the step returned ${kind === 'a Promise' ? settleQuietly(out) : kind}, expected a state object`,
        { reason: 'invalid_output', from: step.from, to: step.to, step: index },
      ),
    );
  };

/** Sets the version key and appends the trace event, in place (the executor owns `state`). */
const stamp =
  (step: Step, edge: Edge, ctx: ExecutionContext, timestamp: () => string) =>
  (output: StateObject): StateObject => {
    const state = Object.isExtensible(output) && !Object.isFrozen(output) ? output : { ...output };
    state[ctx.versionKey] = step.to;
    const trace = state.execution_trace;
    if (ctx.trace && Array.isArray(trace)) {
      const event: TraceEvent = {
        event: step.direction === 'up' ? 'state_migration' : 'state_reverse_migration',
        timestamp: timestamp(),
        details: { from_version: step.from, to_version: step.to, changes: [...edge.changes] },
      };
      if (Object.isExtensible(trace)) trace.push(event);
      else state.execution_trace = [...trace, event];
    }
    return state;
  };

/**
 * Validates a state against the codec of `version`, keeping the state itself (codecs check,
 * they do not transform or strip). Versions without a codec pass.
 *
 * @since 0.1.0
 */
export const validateAt =
  (ctx: ExecutionContext, step: Step, index: number) =>
  (state: StateObject): E.Either<MigrationError, StateObject> => {
    const codec = ctx.codecFor(step.to);
    if (codec === undefined) return E.right(state);
    return pipe(
      codec.decode(state),
      E.bimap(
        (errors) => {
          const lines = formatValidationErrors(errors);
          const shown =
            lines.slice(0, 5).join('; ') +
            (lines.length > 5 ? `; …and ${lines.length - 5} more` : '');
          return new MigrationError(
            `Migration ${step.from}->${step.to} (step ${index + 1}): ${step.to} schema validation failed: ${shown}`,
            {
              reason: 'validation_failed',
              from: step.from,
              to: step.to,
              step: index,
              validationErrors: lines,
            },
          );
        },
        () => state,
      ),
    );
  };

const runStep =
  (ctx: ExecutionContext, last: number, timestamp: () => string) =>
  (step: Step, edge: Edge, index: number) =>
  (state: StateObject): E.Either<MigrationError, StateObject> => {
    const check = ctx.validate === 'each-step' || (ctx.validate === 'final' && index === last);
    return pipe(
      edge.run(state, { from: step.from, to: step.to, direction: step.direction, now: ctx.clock }),
      E.mapLeft((cause) => stepFailed(step, index, cause)),
      andThen(requireObject(step, index)),
      E.map(stamp(step, edge, ctx, timestamp)),
      andThen(check ? validateAt(ctx, step, index) : E.right),
    );
  };

/**
 * Runs every step of `plan` on `state` (which the executor may change: pass a private copy).
 * `edges[i]` is the edge of `plan.steps[i]`. Trace events of one run share one timestamp
 * (one clock reading per run). The first failure stops the run and is returned, tagged with its step.
 *
 * Complexity: the steps' own cost, plus one validation per step in `'each-step'` mode.
 * @since 0.1.0
 */
export const runPlan = (
  state: StateObject,
  plan: Plan,
  edges: readonly Edge[],
  ctx: ExecutionContext,
): E.Either<MigrationError, StateObject> => {
  // One clock reading per run, taken when the first trace event needs it.
  let time: string | undefined;
  const timestamp = () => (time ??= ctx.clock().toISOString());
  const run = runStep(ctx, plan.steps.length - 1, timestamp);
  return plan.steps.reduce(
    (acc: E.Either<MigrationError, StateObject>, step, index) =>
      pipe(acc, andThen(run(step, edges[index]!, index))),
    E.right(state),
  );
};
