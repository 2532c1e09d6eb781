/**
 * Testing helpers over any migrator: the seed's `validateMigration`, round trips and
 * benchmarks, with no dependency beyond the core.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { isPlainObject, type StateObject } from '../core/copy.js';
import { MigrationTestError } from '../core/errors.js';
import { describeCause } from '../core/describe-cause.js';
import type { Migrator } from '../core/migrator.js';
import { showValue } from '../core/show.js';
import { versionRootKey, versionValueAt } from '../core/version-field.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link validateMigrationWith}. */
export interface ValidateMigrationOptions {
  /** The state to migrate (default: the migrator's test state at `from`). */
  readonly testData?: unknown;
  /** Fields (dotted paths allowed) and the values they must have after the migration. */
  readonly expectedChanges?: Readonly<Record<string, unknown>>;
}

/** Options of {@link validateRoundtripWith}. */
export interface RoundtripOptions {
  /**
   * Fields (dotted paths allowed) that must survive the round trip. Default: every field of
   * the original except the version key and `execution_trace`.
   */
  readonly fields?: readonly string[];
}

/** Timing figures of {@link benchmarkWith}, in milliseconds. */
export interface BenchmarkResult {
  readonly iterations: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly opsPerSecond: number;
}

/** The value at a dotted path (`a.b.c`) of a state; `undefined` when absent. */
export const getPath = (state: unknown, fieldPath: string): unknown =>
  fieldPath
    .split('.')
    .reduce<unknown>(
      (at, key) =>
        (isPlainObject(at) || Array.isArray(at)) && Object.prototype.hasOwnProperty.call(at, key)
          ? (at as StateObject)[key]
          : undefined,
      state,
    );

const migrateForTest = (m: Migrator, state: unknown, to: string, what: string): StateObject => {
  const result = m.migrate(state, to);
  if (E.isLeft(result)) {
    throw new MigrationTestError(`${what}: ${result.left.message}`, { to, cause: result.left });
  }
  return result.right as StateObject;
};

/**
 * Migrates `testData` from `from` to `to` and checks the version and each expected field
 * (deep equality). Returns `true` or throws `MigrationTestError`.
 *
 * @example
 * validateMigrationWith(m, '1.0.0', '1.1.0', { testData, expectedChanges: { tool_permission_history: [] } })
 * @since 0.1.0
 */
export const validateMigrationWith = (
  m: Migrator,
  from: string,
  to: string,
  testData: unknown,
  expectedChanges: Readonly<Record<string, unknown>> = {},
): true => {
  const input = isPlainObject(testData) ? m.withVersion(testData, from) : testData;
  const out = migrateForTest(m, input, to, 'Migration validation failed');
  const actual = m.versionOf(out);
  const wanted = m.normalizeVersion(to);
  if (E.isLeft(actual) || E.isLeft(wanted) || actual.right !== wanted.right) {
    throw new MigrationTestError(
      `Migration validation failed: expected version ${to}, got ${E.isRight(actual) ? actual.right : showValue(versionValueAt(out, m.options.versionPath))}`,
      { from, to },
    );
  }
  for (const [field, expected] of Object.entries(expectedChanges)) {
    const actual = getPath(out, field);
    if (!isSameData(actual, expected)) {
      throw new MigrationTestError(
        `Migration validation failed: did not produce expected change for field '${field}' (expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)})`,
        { from, to, fields: [field] },
      );
    }
  }
  return true;
};

/**
 * Deep equality of JSON-like data: arrays element-wise, plain objects by their own keys
 * whatever their prototype (`Object.create(null)` or `{}`), dates by their time, other values
 * by `Object.is`.
 *
 * @example
 * isSameData(Object.assign(Object.create(null), { a: 1 }), { a: 1 }) // true
 * @since 0.1.0
 */
export const isSameData = (a: unknown, b: unknown): boolean => {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => isSameData(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every(
        (key) => Object.prototype.hasOwnProperty.call(b, key) && isSameData(a[key], b[key]),
      )
    );
  }
  if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
  return Object.is(a, b);
};

/** The fields a round trip compares by default: all but the version key and the trace. */
export const defaultRoundtripFields = (m: Migrator, state: StateObject): string[] =>
  Object.keys(state).filter(
    (key) => key !== versionRootKey(m.options.versionPath) && key !== 'execution_trace',
  );

/** Fields (dotted paths) whose values differ between two states. */
export const differingFields = (a: unknown, b: unknown, fields: readonly string[]): string[] =>
  fields.filter((field) => !isSameData(getPath(a, field), getPath(b, field)));

const migrateAsyncForTest = async (
  m: Migrator,
  state: unknown,
  to: string,
  what: string,
): Promise<StateObject> => {
  const result = await m.migrateAsync(state, to);
  if (E.isLeft(result)) {
    throw new MigrationTestError(`${what}: ${result.left.message}`, { to, cause: result.left });
  }
  return result.right as StateObject;
};

/** The version a round trip starts from: the state's own, or a `MigrationTestError`. */
const roundtripStart = (m: Migrator, state: unknown): string => {
  const from = m.versionOf(state);
  if (E.isLeft(from))
    throw new MigrationTestError(`Roundtrip failed: ${from.left.message}`, { cause: from.left });
  return from.right;
};

/**
 * Migrates `state` to `intermediateVersion` and back, and checks that every compared field
 * survived. Returns `true` or throws `MigrationTestError` naming the fields. For plans with
 * async steps, use {@link validateRoundtripWithAsync}.
 *
 * @example
 * validateRoundtripWith(m, state1_0, '1.1.0')
 * @since 0.1.0
 */
export const validateRoundtripWith = (
  m: Migrator,
  state: unknown,
  intermediateVersion: string,
  options: RoundtripOptions = {},
): true => {
  checkOptions('validateRoundtripWith()', options, { fields: 'any' });
  const from = roundtripStart(m, state);
  const there = migrateForTest(
    m,
    state,
    intermediateVersion,
    `Roundtrip failed on the way to ${intermediateVersion}`,
  );
  const back = migrateForTest(m, there, from, `Roundtrip failed on the way back to ${from}`);
  return compareRoundtrip(m, state, back, from, intermediateVersion, options);
};

/**
 * {@link validateRoundtripWith} for plans whose steps may be async: both ways run through
 * `migrateAsync`. Resolves to `true`, or rejects with the `MigrationTestError`.
 *
 * @example
 * await validateRoundtripWithAsync(m, state1_0, '1.1.0')
 * @since 0.1.0
 */
export const validateRoundtripWithAsync = async (
  m: Migrator,
  state: unknown,
  intermediateVersion: string,
  options: RoundtripOptions = {},
): Promise<true> => {
  checkOptions('validateRoundtripWithAsync()', options, { fields: 'any' });
  const from = roundtripStart(m, state);
  const there = await migrateAsyncForTest(
    m,
    state,
    intermediateVersion,
    `Roundtrip failed on the way to ${intermediateVersion}`,
  );
  const back = await migrateAsyncForTest(
    m,
    there,
    from,
    `Roundtrip failed on the way back to ${from}`,
  );
  return compareRoundtrip(m, state, back, from, intermediateVersion, options);
};

/** `true` when `back` holds every compared field of `state`, else the `MigrationTestError`. */
const compareRoundtrip = (
  m: Migrator,
  state: unknown,
  back: StateObject,
  from: string,
  intermediateVersion: string,
  options: RoundtripOptions,
): true => {
  const fields = options.fields ?? defaultRoundtripFields(m, state as StateObject);
  const differing = differingFields(state, back, fields);
  if (differing.length > 0) {
    throw new MigrationTestError(
      `Data was not preserved in the roundtrip ${from} -> ${intermediateVersion} -> ${from}: field${differing.length > 1 ? 's' : ''} ${differing.map((f) => `'${f}'`).join(', ')} differ`,
      {
        from,
        to: intermediateVersion,
        fields: differing,
        counterexample: state,
        path: [from, intermediateVersion, from],
      },
    );
  }
  return true;
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

/**
 * Times `iterations` migrations of `state` to `targetVersion` (each must succeed).
 *
 * @example
 * benchmarkWith(m, state, '1.1.0', 100).p95Ms
 * @since 0.1.0
 */
export const benchmarkWith = (
  m: Migrator,
  state: unknown,
  targetVersion: string,
  iterations = 100,
): BenchmarkResult => {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new MigrationTestError(
      `Expected a positive integer number of iterations, got ${iterations}`,
    );
  }
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    const result = m.migrate(state, targetVersion);
    times.push(performance.now() - start);
    if (E.isLeft(result)) {
      throw new MigrationTestError(`Benchmark failed: ${describeCause(result.left)}`, {
        to: targetVersion,
        cause: result.left,
      });
    }
  }
  const totalMs = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    iterations,
    totalMs,
    meanMs: totalMs / iterations,
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    opsPerSecond: totalMs > 0 ? (iterations * 1000) / totalMs : Infinity,
  };
};

/**
 * Freezes `value` and everything reachable from it (for checking that steps declared pure do
 * not mutate their argument). Returns `value`.
 *
 * @example
 * m.migrate(deepFreeze(state)) // a pure step that mutates throws, and the migration fails
 * @since 0.1.0
 */
export const deepFreeze = <T>(value: T): T => {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const at = stack.pop();
    if (typeof at !== 'object' || at === null || Object.isFrozen(at)) continue;
    Object.freeze(at);
    for (const key of Object.keys(at)) stack.push((at as Record<string, unknown>)[key]);
  }
  return value;
};
