/**
 * Round trips of every migration with no hand-written generators: for each edge with a
 * `down`, and each multi-step path between two versions that have codecs, states drawn from
 * the source version's codec ({@link arbitraryFor}) must come back unchanged, and every state
 * on the way must satisfy its version's codec. Steps may be async: every round trip runs
 * through `migrateAsync`. Seeded, so a failure replays exactly.
 *
 * @since 0.1.0
 */
import fc from 'fast-check';
import * as E from '#fp/Either.js';
import { deepFreeze } from './helpers.js';
import { isPlainObject, type StateObject } from '../core/copy.js';
import type { StepFn } from '../core/definition.js';
import { MigrationTestError } from '../core/errors.js';
import { describeCause } from '../core/describe-cause.js';
import type { EdgeInfo } from '../core/graph.js';
import { Migrator } from '../core/migrator.js';
import type { Plan } from '../core/planner.js';
import { showValue } from '../core/show.js';
import type { Version } from '../core/version.js';
import { versionRootKey } from '../core/version-field.js';
import { arbitraryFor, type ArbitraryOptions } from './arbitrary.js';
import { arbitraryForSchema, SnapshotCodec } from './schema-arbitrary.js';
import type { Snapshot } from '../core/snapshot.js';
import { differingFields, getPath } from './helpers.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link testMigrations} and `describeMigrations`. */
export interface TestMigrationsOptions {
  /** Generated states per edge or path (default 100). */
  readonly runs?: number;
  /** Seed of every property (default: a random one, given in the report), to replay a run. */
  readonly seed?: number;
  /**
   * Fields (dotted paths allowed) that must survive a round trip. Default: every top-level
   * field of the original or of the result, except the version field and `execution_trace`.
   */
  readonly fields?: readonly string[];
  /** Arbitraries of states by version, used instead of the ones derived from the codecs. */
  readonly arbitraries?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /** Options of the derived arbitraries. */
  readonly arbitrary?: ArbitraryOptions;
  /** Called with each result as soon as it is known (for progress output). */
  readonly onResult?: (result: RoundTripResult) => void;
  /**
   * Schema snapshots by version (`readSnapshots(dir)` in `migraph/node`): a version in the
   * graph without a codec of its own is validated against its snapshot and its states are drawn
   * from it, so the migrations of a version whose codec was deleted are still round-tripped.
   */
  readonly snapshots?: ReadonlyMap<string, Snapshot>;
}

/** One round trip to test: along one edge and back, or along a planned path and back. */
export interface RoundTripCase {
  readonly kind: 'edge' | 'path';
  readonly from: Version;
  readonly to: Version;
  /** The versions the round trip visits: `from`, on to `to`, and back to `from`. */
  readonly route: readonly Version[];
  /** Why it is not tested (no `down`, a lossy edge, no codec), when it is not. */
  readonly skip?: string;
}

/** A field a round trip did not preserve; `undefined` stands for an absent field. */
export interface FieldDifference {
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** How a round trip failed, on the shrunk counterexample. */
export interface RoundTripFailure {
  readonly message: string;
  /** The smallest state fast-check found that fails. */
  readonly counterexample: unknown;
  /** The fields that differ after the round trip (none when a step or a codec failed). */
  readonly differences: readonly FieldDifference[];
  /** Runs until the first failure, and shrinking steps after it. */
  readonly runs: number;
  readonly shrinks: number;
}

/** The outcome of one {@link RoundTripCase}. */
export interface RoundTripResult extends RoundTripCase {
  readonly status: 'passed' | 'failed' | 'skipped';
  /** States tried. */
  readonly runs: number;
  readonly failure?: RoundTripFailure;
}

/** The outcome of {@link testMigrations}. */
export interface MigrationTestReport {
  readonly ok: boolean;
  /** The seed used: pass it again to replay. */
  readonly seed: number;
  /** Runs per edge or path. */
  readonly runs: number;
  readonly results: readonly RoundTripResult[];
}

/** Options after checking, the seed chosen. */
export interface ResolvedTestOptions {
  readonly runs: number;
  readonly seed: number;
  readonly fields: readonly string[] | undefined;
  readonly arbitraries: ReadonlyMap<Version, fc.Arbitrary<unknown>>;
  readonly arbitrary: ArbitraryOptions;
}

// --- options --------------------------------------------------------------------------------

const isArbitrary = (value: unknown): value is fc.Arbitrary<unknown> =>
  typeof (value as { generate?: unknown } | null)?.generate === 'function';

/** Checks the options (a bad one is a `TypeError` naming it) and picks a seed when none is given. */
export const resolveTestOptions = (
  m: Migrator,
  options: TestMigrationsOptions,
): ResolvedTestOptions => {
  const { runs = 100, seed, fields, arbitraries = {} } = options;
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new TypeError(`Expected options.runs to be a positive integer, got ${showValue(runs)}`);
  }
  if (seed !== undefined && (!Number.isSafeInteger(seed) || Math.abs(seed) > 2 ** 31)) {
    throw new TypeError(`Expected options.seed to be a 32-bit integer, got ${showValue(seed)}`);
  }
  if (
    fields !== undefined &&
    (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string'))
  ) {
    throw new TypeError(
      `Expected options.fields to be a list of field paths, got ${showValue(fields)}`,
    );
  }
  const byVersion = new Map<Version, fc.Arbitrary<unknown>>();
  for (const [version, arbitrary] of Object.entries(arbitraries)) {
    const normal = m.normalizeVersion(version);
    if (E.isLeft(normal)) {
      throw new TypeError(`options.arbitraries: ${normal.left.message}`);
    }
    if (!isArbitrary(arbitrary)) {
      throw new TypeError(
        `Expected options.arbitraries['${version}'] to be a fast-check arbitrary`,
      );
    }
    byVersion.set(normal.right, arbitrary);
  }
  return {
    runs,
    seed: seed ?? (Math.random() * 2 ** 31) | 0,
    fields,
    arbitraries: byVersion,
    arbitrary: options.arbitrary ?? {},
  };
};

// --- cases ----------------------------------------------------------------------------------

/** A copy of `m` with only `edges`, validating every step, for running round trips. */
const migratorOf = (m: Migrator, edges: readonly EdgeInfo[]): Migrator => {
  const copy = m.derive({ validate: 'each-step' }).clear();
  for (const e of edges) {
    copy.register(e.from, e.to, e.fn as StepFn, {
      cost: e.cost,
      lossy: e.lossy,
      pure: e.pure,
      changes: e.changes,
      ...(e.description === undefined ? {} : { description: e.description }),
    });
  }
  return copy;
};

const route = (there: Plan, back: Plan): Version[] => [
  there.from,
  ...there.steps.map((s) => s.to),
  ...back.steps.map((s) => s.to),
];

const lossyStep = (...plans: Plan[]): string | undefined => {
  const step = plans.flatMap((p) => p.steps).find((s) => s.lossy === true);
  return step === undefined ? undefined : `${step.from} -> ${step.to}`;
};

/**
 * What {@link testMigrations} tests, in order: every edge to a higher version, there and back
 * (skipped, with the reason, without a `down`, when lossy, or without a codec to draw states
 * from); then every pair of versions with codecs joined both ways by planned paths other than
 * one edge each way, there and back along the plans (skipped when a plan crosses a lossy edge).
 *
 * Complexity: O(V² × path length) plans.
 */
export const roundTripCases = (
  m: Migrator,
  options: Pick<TestMigrationsOptions, 'arbitraries'> = {},
): RoundTripCase[] => {
  const given = new Set(
    Object.keys(options.arbitraries ?? {}).flatMap((v) => {
      const normal = m.normalizeVersion(v);
      return E.isRight(normal) ? [normal.right] : [];
    }),
  );
  const hasStates = (v: Version) => given.has(v) || m.hasOwnSchema(v);
  const edges = m.edges();
  const cases: RoundTripCase[] = [];
  for (const up of edges.filter((e) => e.direction === 'up')) {
    const down = edges.find((e) => e.from === up.to && e.to === up.from);
    const base = { kind: 'edge' as const, from: up.from, to: up.to };
    const skip =
      down === undefined
        ? 'no down'
        : up.lossy || down.lossy
          ? 'lossy (meta.lossy): its down cannot restore everything'
          : hasStates(up.from)
            ? undefined
            : `no codec for ${up.from} to draw states from`;
    const visited = down === undefined ? [up.from, up.to] : [up.from, up.to, up.from];
    cases.push(
      skip === undefined ? { ...base, route: visited } : { ...base, route: visited, skip },
    );
  }
  const versions = m.versions().filter(hasStates);
  for (const [i, from] of versions.entries()) {
    for (const to of versions.slice(i + 1)) {
      const there = m.plan(from, to);
      const back = m.plan(to, from);
      if (E.isLeft(there) || E.isLeft(back)) continue;
      if (there.right.steps.length + back.right.steps.length <= 2) continue;
      const lossy = lossyStep(there.right, back.right);
      const base = { kind: 'path' as const, from, to, route: route(there.right, back.right) };
      cases.push(lossy === undefined ? base : { ...base, skip: `crosses the lossy edge ${lossy}` });
    }
  }
  return cases;
};

// --- running --------------------------------------------------------------------------------

/** The fields compared by default: those of either state, but the version field and the trace. */
const comparedFields = (m: Migrator, a: unknown, b: unknown): string[] => {
  const skip = new Set([versionRootKey(m.options.versionPath), 'execution_trace']);
  const keys = [a, b].flatMap((s) => (isPlainObject(s) ? Object.keys(s) : []));
  return [...new Set(keys)].filter((k) => !skip.has(k));
};

/**
 * Migrates `state` to `to` and back (async steps awaited); a `Left` says what went wrong, and
 * which fields differ.
 */
const roundTrip = async (
  tm: Migrator,
  c: RoundTripCase,
  state: unknown,
  fields: readonly string[] | undefined,
): Promise<E.Either<MigrationTestError, StateObject>> => {
  const there = await tm.migrateAsync(state, c.to);
  if (E.isLeft(there)) {
    return E.left(
      new MigrationTestError(`On the way to ${c.to}: ${there.left.message}`, {
        from: c.from,
        to: c.to,
        path: c.route,
        cause: there.left,
      }),
    );
  }
  const back = await tm.migrateAsync(there.right, c.from);
  if (E.isLeft(back)) {
    return E.left(
      new MigrationTestError(`On the way back to ${c.from}: ${back.left.message}`, {
        from: c.from,
        to: c.to,
        path: c.route,
        cause: back.left,
      }),
    );
  }
  const differing = differingFields(
    state,
    back.right,
    fields ?? comparedFields(tm, state, back.right),
  );
  if (differing.length === 0) return E.right(back.right as StateObject);
  return E.left(
    new MigrationTestError(
      `Data was not preserved: field${differing.length > 1 ? 's' : ''} ${differing.map((f) => `'${f}'`).join(', ')} differ${differing.length > 1 ? '' : 's'} after ${c.route.join(' -> ')}`,
      { from: c.from, to: c.to, fields: differing, path: c.route, counterexample: state },
    ),
  );
};

const differencesOf = async (
  tm: Migrator,
  c: RoundTripCase,
  state: unknown,
  fields: readonly string[],
): Promise<FieldDifference[]> => {
  if (fields.length === 0) return [];
  const there = await tm.migrateAsync(state, c.to);
  const back = E.isRight(there) ? await tm.migrateAsync(there.right, c.from) : there;
  const after = E.isRight(back) ? back.right : undefined;
  return fields.map((field) => ({
    field,
    expected: getPath(state, field),
    actual: getPath(after, field),
  }));
};

/**
 * Sets a drawn state's version field to `version`. An integer version may be written as a
 * number or as a string: the form the version's codec accepts is taken.
 */
const stampVersion =
  (tm: Migrator, version: Version) =>
  (state: unknown): unknown => {
    if (!isPlainObject(state)) return state;
    if (tm.options.versionFormat === 'semver') return tm.withVersion(state, version);
    const major = Number(version.split('.')[0]);
    const forms = [tm.withVersion(state, major), tm.withVersion(state, String(major))];
    const codec = tm.codecFor(version);
    return forms.find((form) => codec?.decode(form)._tag === 'Right') ?? forms[0];
  };

const statesOf = (
  m: Migrator,
  version: Version,
  resolved: ResolvedTestOptions,
): E.Either<string, fc.Arbitrary<unknown>> => {
  const given = resolved.arbitraries.get(version);
  if (given !== undefined) return E.right(given);
  const codec = m.codecFor(version);
  if (codec === undefined) return E.left(`no codec for ${version} to draw states from`);
  return E.tryCatch(
    () =>
      codec instanceof SnapshotCodec
        ? arbitraryForSchema(codec.schema, resolved.arbitrary)
        : arbitraryFor(codec, resolved.arbitrary),
    (error) => `cannot draw ${version} states from its codec: ${describeCause(error)}`,
  );
};

/** A round trip that failed before any state could be blamed: no counterexample. */
const failedWithout = (c: RoundTripCase, message: string, runs: number): RoundTripResult => ({
  ...c,
  status: 'failed',
  runs,
  failure: { message, counterexample: undefined, differences: [], runs, shrinks: 0 },
});

/**
 * Runs one round trip (see {@link roundTripCases}) with the resolved options. Async steps are
 * awaited; the promise never rejects for a failing migration or a state that cannot be drawn.
 */
export const runRoundTrip = async (
  m: Migrator,
  c: RoundTripCase,
  resolved: ResolvedTestOptions,
): Promise<RoundTripResult> => {
  if (c.skip !== undefined) return { ...c, status: 'skipped', runs: 0 };
  const states = statesOf(m, c.from, resolved);
  if (E.isLeft(states)) return failedWithout(c, states.left, 0);
  const edges =
    c.kind === 'edge'
      ? m
          .edges()
          .filter(
            (e) => (e.from === c.from && e.to === c.to) || (e.from === c.to && e.to === c.from),
          )
      : m.edges();
  const tm = migratorOf(m, edges);
  const atFrom = states.right.map(stampVersion(tm, c.from));
  let tried = 0;
  let details: fc.RunDetails<[unknown]>;
  try {
    details = await fc.check(
      fc.asyncProperty(atFrom, async (state) => {
        tried += 1;
        // Frozen, so a step declared pure (which runs on the state uncopied) fails if it mutates.
        const result = await roundTrip(tm, c, deepFreeze(state), resolved.fields);
        if (E.isLeft(result)) throw result.left;
      }),
      { numRuns: resolved.runs, seed: resolved.seed },
    );
  } catch (error) {
    // fast-check lets errors of drawing a state through: a refinement or an intersection that
    // rejects value after value (UnsupportedCodecError), or an arbitrary that throws.
    return failedWithout(c, `cannot draw ${c.from} states: ${describeCause(error)}`, tried);
  }
  if (!details.failed) return { ...c, status: 'passed', runs: details.numRuns };
  const counterexample = details.counterexample?.[0];
  const cause = details.errorInstance;
  const fields = cause instanceof MigrationTestError ? cause.fields : [];
  return {
    ...c,
    status: 'failed',
    runs: details.numRuns,
    failure: {
      message: describeCause(cause),
      counterexample,
      differences: await differencesOf(tm, c, counterexample, fields),
      runs: details.numRuns,
      shrinks: details.numShrinks,
    },
  };
};

/**
 * Tests every round trip of a migrator: each edge with a `down` (`down(up(s))`), and each
 * multi-step path between two versions with codecs, there and back along the plans. States
 * are drawn from the source version's codec by {@link arbitraryFor} (or `options.arbitraries`);
 * every step's output must satisfy its codec, and the state that comes back must equal the
 * original on the compared fields. Lossy edges (`meta.lossy`) are skipped, and said so. A
 * failure carries the shrunk counterexample, its route and the differing fields. Steps may be
 * async (every round trip runs through `migrateAsync`), so the report comes as a promise. It
 * never rejects for a failing migration, or for states a codec cannot give (that round trip
 * fails, naming the codec); a bad option is a `TypeError`, thrown at the call.
 *
 * @example
 * const report = await testMigrations(m, { runs: 200, seed: 42 })
 * for (const r of report.results) console.log(formatRoundTrip(r))
 * if (!report.ok) process.exitCode = 1
 * @since 0.1.0
 */
export const testMigrations = (
  m: Migrator,
  options: TestMigrationsOptions = {},
): Promise<MigrationTestReport> => {
  checkOptions('testMigrations()', options, {
    runs: 'any',
    seed: 'any',
    fields: 'any',
    arbitraries: 'any',
    arbitrary: 'any',
    onResult: 'function',
    snapshots: 'any',
  });
  const resolved = resolveTestOptions(m, options);
  const tested = withSnapshots(m, options.snapshots);
  return runAll(tested, roundTripCases(tested, options), resolved, options.onResult);
};

/**
 * `m`, or, with snapshots, a copy where each version without a codec of its own validates
 * against its snapshot (a {@link SnapshotCodec}).
 */
export const withSnapshots = (
  m: Migrator,
  snapshots: ReadonlyMap<string, Snapshot> | undefined,
): Migrator => {
  const stand = m.versions().filter((v) => !m.hasOwnSchema(v) && snapshots?.has(v) === true);
  if (stand.length === 0) return m;
  const copy = migratorOf(m, m.edges());
  for (const version of stand)
    copy.schema(version, new SnapshotCodec(version, snapshots!.get(version)!.schema));
  return copy;
};

/** The round trips one after the other, so that results come in order. */
const runAll = async (
  m: Migrator,
  cases: readonly RoundTripCase[],
  resolved: ResolvedTestOptions,
  onResult: TestMigrationsOptions['onResult'],
): Promise<MigrationTestReport> => {
  const results: RoundTripResult[] = [];
  for (const c of cases) {
    const result = await runRoundTrip(m, c, resolved);
    onResult?.(result);
    results.push(result);
  }
  return {
    ok: results.every((r) => r.status !== 'failed'),
    seed: resolved.seed,
    runs: resolved.runs,
    results,
  };
};

// --- formatting -----------------------------------------------------------------------------

/**
 * The title of a round trip: `edge 1.0.0 -> 1.1.0 -> 1.0.0`, or for a path its ends and its
 * length, `path 1.0.0 -> 2.0.0 -> 1.0.0 (4 steps)` (a failure's message gives the whole route).
 */
export const roundTripTitle = (c: RoundTripCase): string =>
  c.kind === 'edge'
    ? `edge ${c.route.join(' -> ')}`
    : `path ${c.from} -> ${c.to} -> ${c.from} (${c.route.length - 1} steps)`;

const shown = (value: unknown): string => (value === undefined ? '(absent)' : showValue(value));

/**
 * One line per round trip (`ok`, `FAIL` or `skip`, the route, the runs or the reason) and, for
 * a failure, indented lines with the message, the differing fields and the counterexample.
 *
 * @example
 * formatRoundTrip(result) // 'ok    edge 1.0.0 -> 1.1.0 -> 1.0.0  (100 runs)'
 * @since 0.1.0
 */
export const formatRoundTrip = (result: RoundTripResult): string => {
  const title = roundTripTitle(result);
  if (result.status === 'skipped') return `skip  ${title}  (${result.skip})`;
  if (result.status === 'passed') return `ok    ${title}  (${result.runs} runs)`;
  const failure = result.failure!;
  const lines = [
    `FAIL  ${title}  (failed after ${failure.runs} run${failure.runs === 1 ? '' : 's'}, shrunk ${failure.shrinks} time${failure.shrinks === 1 ? '' : 's'})`,
    `      ${failure.message}`,
    ...failure.differences.map(
      (d) => `      ${d.field}: expected ${shown(d.expected)}, got ${shown(d.actual)}`,
    ),
  ];
  if (failure.counterexample !== undefined) {
    let json: string;
    try {
      json = JSON.stringify(failure.counterexample);
    } catch {
      json = showValue(failure.counterexample);
    }
    lines.push(`      counterexample: ${json}`);
  }
  return lines.join('\n');
};

/**
 * The closing line of a report: how many edges and paths, passed, failed and skipped, the runs
 * and the seed to replay them.
 *
 * @example
 * formatTestSummary(report) // '1 edge, 0 paths: 1 passed, 0 failed, 0 skipped (100 runs each, seed 42)'
 * @since 0.1.0
 */
export const formatTestSummary = (report: MigrationTestReport): string => {
  const count = (kind: string) => report.results.filter((r) => r.kind === kind).length;
  const status = (s: string) => report.results.filter((r) => r.status === s).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(count('edge'), 'edge')}, ${plural(count('path'), 'path')}: ${status('passed')} passed, ${status('failed')} failed, ${status('skipped')} skipped (${report.runs} runs each, seed ${report.seed})`;
};
