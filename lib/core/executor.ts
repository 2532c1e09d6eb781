/**
 * Runs a {@link Plan}: a fold of `Either`-returning steps, each followed by stamping the new
 * version (and a trace event) and, per the validation mode, io-ts validation.
 *
 * The executor works on a private copy of the caller's state (made once per `migrate` call)
 * and writes only into objects it owns: a step's output is stamped in place when it was built
 * in this run (it holds an object only this run made), else on a copy; of its object fields,
 * those that are not the run's own are copied deep before the next step sees them (see `own`).
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { copyState, isPlainObject, type StateObject } from './copy.js';
import type { StepContext, StepFn } from './definition.js';
import { MigrationError } from './errors.js';
import { describeCause } from './describe-cause.js';
import type { Edge, LiftedStep } from './graph.js';
import type { Plan, Step } from './planner.js';
import { formatValidationErrors } from './report.js';
import type { QuickCheck } from './quick-check.js';
import type { Validator } from './codec-registry.js';
import { kindOf } from './show.js';
import type { Version } from './version.js';
import { writeVersionAt } from './version-field.js';

/** When states are checked against their version's codec. */
export type ValidationMode = 'each-step' | 'final' | 'off';

/** What the executor needs from the migrator, once per run: no callbacks into it. */
export interface ExecutionContext {
  /** The keys leading to the version field (one key for a top-level field). */
  readonly versionPath: readonly string[];
  /** The value written into the version field after a step (the format the state uses). */
  readonly writeVersion: (version: Version) => unknown;
  readonly validate: ValidationMode;
  readonly trace: boolean;
  /** The migrator's clock, read as an ISO 8601 string (see {@link isoClock}). */
  readonly timestamp: () => string;
}

/**
 * Readings of a clock given in milliseconds, as ISO 8601 strings. Runs in a loop mostly share
 * their millisecond, or at least their second: a reading in the same millisecond as the last
 * one is the same string, and one in the same second only gets new milliseconds on the text
 * `toISOString` made for that second (formatting a `Date` costs more than a whole step).
 */
const isoMillis = (read: () => number): (() => string) => {
  let last = Number.NaN;
  let second = Number.NaN;
  /** The text of `second` up to its milliseconds: `'2026-12-06T07:40:00.'`. */
  let head = '';
  let text = '';
  return () => {
    const ms = read();
    if (ms === last) return text;
    last = ms;
    const at = Math.floor(ms / 1000);
    if (at === second) {
      const rest = ms - at * 1000;
      text = head + (rest < 10 ? '00' : rest < 100 ? '0' : '') + String(rest) + 'Z';
    } else {
      text = new Date(ms).toISOString();
      head = text.slice(0, -4);
      second = at;
    }
    return text;
  };
};

/**
 * `clock`'s readings as ISO 8601 strings, formatting each millisecond once (see
 * {@link isoNow} for the system clock, which makes no `Date` per reading).
 *
 * @example
 * const now = isoClock(() => new Date(0))
 * now() // '1970-01-01T00:00:00.000Z'
 * @since 0.1.0
 */
export const isoClock = (clock: () => Date): (() => string) => isoMillis(() => clock().getTime());

/**
 * The system time as ISO 8601 strings: {@link isoClock} of `() => new Date()`, read with
 * `Date.now()`.
 *
 * @example
 * isoNow()() // '2026-12-06T07:40:00.000Z'
 * @since 0.1.0
 */
export const isoNow = (): (() => string) => isoMillis(Date.now);

/**
 * One step of a plan resolved for running (see `resolvePlan`): its edge, and the validator of
 * the version it leads to (undefined: that version has no codec).
 */
export interface RunStep {
  readonly edge: Edge;
  readonly validator: Validator | undefined;
  /** What the step is told about itself (the same frozen object for every run). */
  readonly context: StepContext;
  /**
   * The edge's `changes`, as an array no trace holds: each trace event gets a copy of it
   * (copying a plain array is a fraction of copying the edge's frozen one).
   */
  readonly changes: readonly string[];
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

/** True for an fp-ts `Either` (checked structurally, so any copy of fp-ts will do). */
export const isEither = (value: unknown): value is E.Either<unknown, unknown> => {
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
  (state, context) => {
    let out: unknown;
    try {
      out = fn(state as never, context);
    } catch (cause) {
      return E.left(cause);
    }
    return isEither(out) ? (out as E.Either<unknown, unknown>) : E.right(out);
  };

const stepFailed = (step: Step, index: number, cause: unknown): MigrationError =>
  new MigrationError(`Migration failed at ${step.from}->${step.to}: ${describeCause(cause)}`, {
    reason: 'step_failed',
    from: step.from,
    to: step.to,
    step: index,
    cause,
  });

const isThenable = (value: unknown): value is PromiseLike<unknown> => {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function'
    );
  } catch {
    return false;
  }
};

/**
 * A synchronous run that received a promise: handles it (its rejection is never unhandled) and
 * says to use `migrateAsync`.
 */
const asyncStep = (step: Step, index: number, out: PromiseLike<unknown>): MigrationError => {
  Promise.resolve(out).catch(() => undefined);
  return new MigrationError(
    `Migration failed at ${step.from}->${step.to}: the step returned a Promise; use migrateAsync for plans with async steps`,
    { reason: 'async_step', from: step.from, to: step.to, step: index },
  );
};

/** Why a step's output is no state to go on with (a promise, or no plain object); else `undefined`. */
const outputProblem = (step: Step, index: number, out: unknown): MigrationError | undefined =>
  // A thenable first: a plain object with a `then` method (jQuery's deferreds) is a promise.
  isThenable(out)
    ? asyncStep(step, index, out)
    : isPlainObject(out)
      ? undefined
      : new MigrationError(
          `Migration failed at ${step.from}->${step.to}: the step returned ${kindOf(out)}, expected a state object`,
          { reason: 'invalid_output', from: step.from, to: step.to, step: index },
        );

/** What one run keeps: its one clock reading, and what tells the objects it owns. */
interface Run {
  time: string | undefined;
  /** The `execution_trace` array this run made (or copied): the only one it appends to. */
  trace: unknown[] | undefined;
  /** The state this run stamped last: its own to write into, so a step may return it. */
  own: StateObject | undefined;
  /**
   * In a private run, the objects this run made (copied deep) that sit in its states' fields:
   * a step's output holding one was built in this run (no object that existed before the run
   * can hold it), so it is the run's to write into. A field holding any other object (a shared
   * constant, or one the step made) is copied deep, so a later step that mutates never reaches
   * a shared object. Undefined when the run works on the caller's state (pure steps): no step
   * mutates, so a top-level copy is enough. (A step may change its input in place before it
   * returns, so the input's fields cannot stand in for this set.)
   */
  readonly mine: Set<unknown> | undefined;
  /**
   * The caller only reads the result (it serialises it): the last step's output is stamped,
   * but objects it shares with something else (a constant) are not copied for the caller.
   */
  readonly readOnlyResult: boolean;
}

const timestampOf = (run: Run, ctx: ExecutionContext): string => (run.time ??= ctx.timestamp());

/** The objects in the fields of a state the run copied deep (see {@link Run.mine}). */
const fieldObjects = (state: StateObject): Set<unknown> => {
  const mine = new Set<unknown>();
  for (const key in state) {
    const value = state[key];
    if (typeof value === 'object' && value !== null) mine.add(value);
  }
  return mine;
};

/** Writes `value` at `key` as an own data property, so a key named `__proto__` stays a key. */
const put = (state: StateObject, key: string, value: unknown): void => {
  if (key === '__proto__') {
    Object.defineProperty(state, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else state[key] = value;
};

/**
 * True when the run may write into `output` itself (see {@link Run}): it made it, or built it,
 * and it takes new keys (a frozen or sealed object does not).
 */
const writable = (run: Run, output: StateObject, built: boolean): boolean =>
  (built ||
    output === run.own ||
    (run.trace !== undefined && output.execution_trace === run.trace) ||
    run.mine?.has(output) === true) &&
  Object.isExtensible(output);

/**
 * The state a step's output becomes, one the run may write into: the output itself when the
 * run owns it, else a top-level copy; in a private run, its object fields that are not the
 * run's own are copied deep (see {@link Run.mine}). A step may return a part of its argument, a
 * shared constant, or a state holding one: those are never written into, now or by a later step.
 *
 * Complexity: O(fields) per step, plus the size of the fields copied.
 */
const own = (run: Run, output: StateObject, last: boolean): StateObject | string => {
  const mine = run.mine;
  if (mine === undefined || (last && run.readOnlyResult)) {
    return writable(run, output, false) ? output : { ...output };
  }
  let foreign: StateObject | undefined;
  let built = false;
  for (const key in output) {
    const value = output[key];
    if (typeof value !== 'object' || value === null) continue;
    // The run's own objects are fresh: no prototype holds one, so no own-key check is needed.
    if (mine.has(value)) built = true;
    else if (Object.prototype.hasOwnProperty.call(output, key)) {
      put((foreign ??= {}), key, value);
    }
  }
  const state = writable(run, output, built) ? output : { ...output };
  if (foreign === undefined) return state;
  const copy = copyState(foreign);
  if (E.isLeft(copy)) return copy.left.message;
  for (const key in copy.right) {
    const value = copy.right[key];
    mine.add(value);
    put(state, key, value);
  }
  return state;
};

/**
 * Sets the version key and appends the trace event, on a state the run owns (see {@link own}).
 * A trace array is appended to only when this run made it, else it is copied, so a step
 * returning a shared constant array never collects other runs' events.
 */
const stamp = (
  step: Step,
  runStep: RunStep,
  ctx: ExecutionContext,
  run: Run,
  state: StateObject,
) => {
  writeVersionAt(state, ctx.versionPath, ctx.writeVersion(step.to));
  const trace = state.execution_trace;
  if (ctx.trace && Array.isArray(trace)) {
    const event: TraceEvent = {
      event: step.direction === 'up' ? 'state_migration' : 'state_reverse_migration',
      timestamp: timestampOf(run, ctx),
      details: { from_version: step.from, to_version: step.to, changes: runStep.changes.slice() },
    };
    if (trace === run.trace && Object.isExtensible(trace)) trace.push(event);
    else {
      const copy = trace.slice();
      copy.push(event);
      state.execution_trace = run.trace = copy;
      run.mine?.add(run.trace);
    }
  }
  run.own = state;
  return state;
};

/** The quick check, false when it throws (then `decode` explains, or reports the throw). */
const isValid = (check: QuickCheck, state: StateObject): boolean => {
  try {
    return check(state);
  } catch {
    return false;
  }
};

/** The readable lines of a failed validation, or none; a codec that throws is a failure too. */
const problemsAt = (
  validator: Validator | undefined,
  version: Version,
  state: StateObject,
): readonly string[] | undefined => {
  if (validator === undefined) return undefined;
  const codec = validator.codec;
  // A valid state costs one quick walk; `decode` runs only to explain a failure.
  const check = validator.check();
  if (check !== undefined && isValid(check, state)) return undefined;
  const result = E.tryCatch(
    () => codec.decode(state),
    (cause) => [`(root): the ${version} codec threw: ${describeCause(cause)}`],
  );
  if (E.isLeft(result)) return result.left;
  return E.isLeft(result.right) ? formatValidationErrors(result.right.left) : undefined;
};

/**
 * Where a step sits, for messages: counted from 1 for readers, with the 0-based `index` that
 * the error's `step` field holds, so the two never seem to disagree: `step 2 of 3, index 1`.
 */
const stepOf = (index: number, steps: number): string =>
  `step ${index + 1} of ${steps}, index ${index}`;

/** At most five lines, and how many more there were. */
const summarise = (lines: readonly string[]): string =>
  lines.slice(0, 5).join('; ') + (lines.length > 5 ? `; …and ${lines.length - 5} more` : '');

/**
 * Validates a state against the codec of `version`, keeping the state itself (codecs check,
 * they do not transform or strip). Versions without a codec pass.
 *
 * @since 0.1.0
 */
export const validateAt =
  (validator: Validator | undefined, step: Step, index: number, steps: number) =>
  (state: StateObject): E.Either<MigrationError, StateObject> => {
    const lines = problemsAt(validator, step.to, state);
    return lines === undefined
      ? E.right(state)
      : E.left(
          new MigrationError(
            `Migration ${step.from}->${step.to} (${stepOf(index, steps)}): ${step.to} schema validation failed: ${summarise(lines)}`,
            {
              reason: 'validation_failed',
              from: step.from,
              to: step.to,
              step: index,
              validationErrors: lines,
            },
          ),
        );
  };

/**
 * Validates a state against the codec of its own version before anything runs, so an
 * invalid input is reported as such (`invalid_input`, step -1), not blamed on a migration.
 *
 * @since 0.1.0
 */
export const validateInput =
  (validator: Validator | undefined, version: Version) =>
  (state: StateObject): E.Either<MigrationError, StateObject> => {
    const lines = problemsAt(validator, version, state);
    return lines === undefined
      ? E.right(state)
      : E.left(
          new MigrationError(
            `The input state is not a valid ${version} state: ${summarise(lines)}`,
            {
              reason: 'invalid_input',
              from: version,
              to: version,
              step: -1,
              validationErrors: lines,
            },
          ),
        );
  };

/** What follows a step's output: it must be an object; stamp it; validate it per the mode. */
const finishStep = (
  ctx: ExecutionContext,
  run: Run,
  last: number,
  runStep: RunStep,
  step: Step,
  index: number,
  out: unknown,
): E.Either<MigrationError, StateObject> => {
  const problem = outputProblem(step, index, out);
  if (problem !== undefined) return E.left(problem);
  let state: StateObject;
  try {
    const mine = own(run, out as StateObject, index === last);
    if (typeof mine === 'string') {
      return E.left(
        new MigrationError(
          `Migration failed at ${step.from}->${step.to}: the step returned a shared object that could not be copied: ${mine}`,
          { reason: 'invalid_output', from: step.from, to: step.to, step: index },
        ),
      );
    }
    state = stamp(step, runStep, ctx, run, mine);
  } catch (cause) {
    return E.left(
      new MigrationError(
        `Migration failed at ${step.from}->${step.to}: the step's output could not take the version: ${describeCause(cause)}`,
        { reason: 'invalid_output', from: step.from, to: step.to, step: index, cause },
      ),
    );
  }
  const check = ctx.validate === 'each-step' || (ctx.validate === 'final' && index === last);
  return check ? validateAt(runStep.validator, step, index, last + 1)(state) : E.right(state);
};

/**
 * A run over `state`: the executor's private copy (its trace array is then the run's own), or,
 * for a plan of pure steps, the caller's state itself, which the run never changes.
 */
const startRun = (
  state: StateObject,
  owned: boolean,
  steps: number,
  readOnlyResult: boolean,
): Run => {
  const trace = state.execution_trace;
  return {
    time: undefined,
    trace: owned && Array.isArray(trace) ? trace : undefined,
    own: owned ? state : undefined,
    // Taken before the first step runs (a step may change its input); not needed when the
    // only step's output goes to a caller that only reads it.
    mine: owned && !(readOnlyResult && steps === 1) ? fieldObjects(state) : undefined,
    readOnlyResult,
  };
};

/**
 * Runs every step of `plan` on `state`: a private copy the executor may change (`owned`), or,
 * when every step is pure, the caller's state, which is then never changed.
 * `steps[i]` is `plan.steps[i]` resolved (its edge and validator). Trace events of one run share one timestamp
 * (one clock reading per run). The first failure stops the run and is returned, tagged with its step.
 *
 * Complexity: the steps' own cost, plus one validation per step in `'each-step'` mode.
 * @since 0.1.0
 */
export const runPlan = (
  state: StateObject,
  plan: Plan,
  steps: readonly RunStep[],
  ctx: ExecutionContext,
  owned = true,
  readOnlyResult = false,
): E.Either<MigrationError, StateObject> => {
  const run = startRun(state, owned, plan.steps.length, readOnlyResult);
  const last = plan.steps.length - 1;
  let current = state;
  // A loop, not a fold of closures: the executor's own cost per step is what this saves.
  for (let index = 0; index <= last; index++) {
    const step = plan.steps[index]!;
    const runStep = steps[index]!;
    const out = runStep.edge.run(current, runStep.context);
    if (E.isLeft(out)) return E.left(stepFailed(step, index, out.left));
    const finished = finishStep(ctx, run, last, runStep, step, index, out.right);
    if (E.isLeft(finished)) return finished;
    current = finished.right;
  }
  return E.right(current);
};

/** A step's output once settled: a thrown error or rejected promise is a `Left` of its cause. */
const settle = (out: unknown): Promise<E.Either<unknown, unknown>> =>
  Promise.resolve(out).then(
    (value) => (isEither(value) ? value : E.right(value)),
    (cause: unknown) => E.left(cause),
  );

const runStepAsync =
  (ctx: ExecutionContext, last: number, run: Run) =>
  (step: Step, runStep: RunStep, index: number) =>
  async (state: StateObject): Promise<E.Either<MigrationError, StateObject>> => {
    const called = runStep.edge.run(state, runStep.context);
    const out = E.isLeft(called) ? called : await settle(called.right);
    return E.isLeft(out)
      ? E.left(stepFailed(step, index, out.left))
      : finishStep(ctx, run, last, runStep, step, index, out.right);
  };

/**
 * {@link runPlan} for plans whose steps may return promises (or promises of `Either`s): each
 * step is awaited before the next. Never rejects: a rejected step is a `Left` of its step.
 *
 * Complexity: as {@link runPlan}, plus one promise settlement per step.
 * @since 0.1.0
 */
export const runPlanAsync = (
  state: StateObject,
  plan: Plan,
  steps: readonly RunStep[],
  ctx: ExecutionContext,
  owned = true,
  readOnlyResult = false,
): Promise<E.Either<MigrationError, StateObject>> => {
  const run = runStepAsync(
    ctx,
    plan.steps.length - 1,
    startRun(state, owned, plan.steps.length, readOnlyResult),
  );
  return plan.steps
    .reduce(
      (acc: Promise<E.Either<MigrationError, StateObject>>, step, index) =>
        acc.then((result) =>
          E.isLeft(result) ? result : run(step, steps[index]!, index)(result.right),
        ),
      Promise.resolve(E.right(state)),
    )
    .catch((cause: unknown) =>
      E.left(
        new MigrationError(`Migration failed: ${describeCause(cause)}`, {
          reason: 'step_failed',
          from: plan.from,
          to: plan.to,
          step: -1,
          cause,
        }),
      ),
    );
};

/**
 * {@link runPlan} that stays synchronous while every step is: from the first step that returns
 * a promise (a plain function returning one included), the run goes on asynchronously from
 * that very promise, so no step runs twice. Never throws or rejects.
 *
 * Complexity: as {@link runPlan}, plus one promise settlement per step from the first async one.
 * @since 0.1.0
 */
export const runPlanEager = (
  state: StateObject,
  plan: Plan,
  steps: readonly RunStep[],
  ctx: ExecutionContext,
  owned = true,
  readOnlyResult = false,
): E.Either<MigrationError, StateObject> | Promise<E.Either<MigrationError, StateObject>> => {
  const run = startRun(state, owned, plan.steps.length, readOnlyResult);
  const last = plan.steps.length - 1;
  let current = state;
  for (let index = 0; index <= last; index++) {
    const step = plan.steps[index]!;
    const runStep = steps[index]!;
    const out = runStep.edge.run(current, runStep.context);
    if (E.isLeft(out)) return E.left(stepFailed(step, index, out.left));
    if (isThenable(out.right)) return continueAsync(plan, steps, ctx, run, index, out.right);
    const finished = finishStep(ctx, run, last, runStep, step, index, out.right);
    if (E.isLeft(finished)) return finished;
    current = finished.right;
  }
  return E.right(current);
};

/** The rest of an eager run, from step `index`, whose output `pending` is a promise. */
const continueAsync = async (
  plan: Plan,
  steps: readonly RunStep[],
  ctx: ExecutionContext,
  run: Run,
  index: number,
  pending: PromiseLike<unknown>,
): Promise<E.Either<MigrationError, StateObject>> => {
  const last = plan.steps.length - 1;
  const step = plan.steps[index]!;
  try {
    const out = await settle(pending);
    let result = E.isLeft(out)
      ? E.left(stepFailed(step, index, out.left))
      : finishStep(ctx, run, last, steps[index]!, step, index, out.right);
    const next = runStepAsync(ctx, last, run);
    for (let i = index + 1; i <= last && E.isRight(result); i++) {
      result = await next(plan.steps[i]!, steps[i]!, i)(result.right);
    }
    return result;
  } catch (cause) {
    return E.left(stepFailed(step, index, cause));
  }
};
