/**
 * `Migrator`: the version graph, its codecs, the planner and the executor, composed.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { pipe } from '#fp/function.js';
import type * as t from 'io-ts';
import { copyState, isPlainObject, type StateObject } from './copy.js';
import { CodecRegistry } from './codec-registry.js';
import {
  MIGRATOR_OPTIONS,
  resolveOptions,
  systemClock,
  type MigratorOptions,
  type ResolvedOptions,
} from './migrator-options.js';
import { asyncPlanError, resolvePlan, type ResolvedPlan } from './resolved-plan.js';
import {
  edgesToSet,
  fromDefinition,
  type MigrationMeta,
  type RegistersMigrations,
} from './registration.js';
import type { AnyState, MigrationDefinition, StepFn } from './definition.js';
import { StateVersionError, type MigraphError } from './errors.js';
import { describeCause } from './describe-cause.js';
import {
  runPlan,
  runPlanAsync,
  runPlanEager,
  validateInput,
  type ExecutionContext,
  isoClock,
  isoNow,
} from './executor.js';
import { andThen, getOrThrow as orThrow } from './fp.js';
import { VersionGraph, type CompiledGraph, type EdgeInfo } from './graph.js';
import { silentLogger } from './logger.js';
import { checkOptions, type OptionRules } from './options.js';
import { migrateMany, type MigrateManyOptions } from './many.js';
import type { AnySource } from './ordered.js';
import { toDot, toMermaid, type DiagramOptions } from './diagram.js';
import {
  planAlternatives,
  planPath,
  type AlternativesOptions,
  type Plan,
  type PlanOptions,
} from './planner.js';
import { oldestReader } from './readable-from.js';
import { kindOf } from './show.js';
import { asCodec, type SchemaInput } from './standard-schema.js';
import { compareNormalised, versionParser, type Version, type VersionInput } from './version.js';
import {
  formatVersion,
  readStateVersion,
  removeFieldAt,
  resolveTargetVersion,
  versionValueAt,
  withVersionAt,
  writeVersionAt,
  type ReadVersion,
} from './version-field.js';

export { MIGRATOR_OPTIONS, type MigratorOptions, type ResolvedOptions };
export type { MigrationMeta, RegistersMigrations };

const PLAN_OPTIONS: OptionRules = { direction: ['any', 'forward', 'reverse'] };
const ALTERNATIVES_OPTIONS: OptionRules = { ...PLAN_OPTIONS, limit: 'positive integer' };
const CALL_OPTIONS: OptionRules = { consume: 'boolean', readOnly: 'boolean' };

/** The default options of a call: the same object each time, so checking them is skipped. */
const NONE = Object.freeze({});

/**
 * Options of one {@link Migrator.migrate} or {@link Migrator.migrateAsync} call.
 *
 * @since 0.1.0
 */
export interface MigrateCallOptions {
  /**
   * The caller hands the state over: nothing else holds it and nothing reads it after the
   * call, as with a state just parsed from JSON text the caller keeps. The run then works on
   * it in place instead of on a copy (steps may change it), and a state already at the target
   * comes back as the very same object. The copy's checks are skipped with it, so the state
   * must be JSON data (no cycles, getters or class instances). Default false: the input is
   * copied and never changed.
   */
  readonly consume?: boolean;
  /**
   * The caller only reads the result (serialises it, say) and never changes it. An object a
   * step shares into its output (a constant, `{ ...s, prefs: DEFAULTS }`) is then not copied
   * for the caller after the last step (it still is before any later step, which may change
   * it). Default false: the result shares nothing with what the steps hold.
   */
  readonly readOnly?: boolean;
}

/**
 * What a migrate call did to a state: `'migrated'` along a plan, `'unchanged'` (already at
 * the target), or `'kept-newer'` (newer than the target and kept as it is: a version this
 * build does not know under `onNewerVersion: 'keep'`, or one it reads as it is under
 * `'read-compatible'`).
 *
 * @since 0.1.0
 */
export type MigrateOutcome = 'migrated' | 'unchanged' | 'kept-newer';

/**
 * The answer of {@link Migrator.migrateReport}: the state and what was done to it.
 *
 * @example
 * m.migrateReport({ state_version: '1.0.0' }, '1.1.0')
 * // Right({ state: { state_version: '1.1.0', … }, outcome: 'migrated', from: '1.0.0', to: '1.1.0', plan })
 * @since 0.1.0
 */
export interface MigrateReport<S> {
  readonly state: S;
  readonly outcome: MigrateOutcome;
  /** The version the state was read at (`missingVersion` when it had none). */
  readonly from: Version;
  /** The target version. */
  readonly to: Version;
  /** The plan that ran; `undefined` when the state was returned as it was. */
  readonly plan: Plan | undefined;
}

/**
 * Migrates JSON-like states between schema versions along shortest paths of a version graph.
 *
 * @example
 * const m = new Migrator({ clock: () => new Date(0) })
 *   .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }), { down: ({ tags: _t, ...s }) => s })
 *   .register('1.1.0', '2.0.0', (s) => ({ ...s, name: String(s.title), title: undefined }));
 * m.migrate({ state_version: '1.0.0', title: 'x' }) // Right({ state_version: '2.0.0', … })
 * @since 0.1.0
 */
export class Migrator<S extends object = AnyState> {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedOptions;
  private readonly graph = new VersionGraph();
  /** The codecs by version, each with its check (compiled on first use, unless `jitless`). */
  private readonly codecs: CodecRegistry;
  private readonly context: ExecutionContext;
  /** Frozen call options already checked: a loop passing one constant checks it once. */
  private readonly checkedCalls = new WeakSet<object>();
  /** Each (cached, immutable) plan resolved once; a new codec starts it over. */
  private planRuns = new WeakMap<Plan, ResolvedPlan>();
  /** `readableFrom` by version, for one compiled graph; a new codec starts it over. */
  private readers: { graph: CompiledGraph; byVersion: Map<Version, Version> } | undefined;

  /** Reads a version in this migrator's format. */
  private readonly parse: (value: unknown) => E.Either<StateVersionError, Version>;
  /** The options as given (checked): what {@link Migrator.derive} starts from. */
  private readonly given: MigratorOptions;

  constructor(options: MigratorOptions = {}) {
    this.options = resolveOptions(options);
    this.given = Object.freeze({ ...options });
    const { versionFormat, versionPath } = this.options;
    this.parse = versionParser(versionFormat);
    this.codecs = new CodecRegistry(this.options.jitless);
    this.context = {
      versionPath,
      writeVersion: (version) => formatVersion(versionFormat, version),
      validate: this.options.validate,
      trace: this.options.trace,
      timestamp: this.options.clock === systemClock ? isoNow() : isoClock(this.options.clock),
    };
  }

  // --- registration ----------------------------------------------------------------------------

  /**
   * Registers a migration `from → to` (and `to → from` when `meta.down` is given). Throws
   * `StateVersionError` on an invalid version, a self-loop, a bad cost, or an edge that
   * already has a different function (unless `meta.replace`). Registering the same function
   * on the same edge again does nothing. Any registration invalidates cached plans.
   *
   * @example
   * m.register('v1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }), { description: 'Add tags' })
   * m.register(defineMigration({ from: '1.1.0', to: '1.2.0', up: (s) => s }))
   */
  register<I = AnyState, O = AnyState>(
    from: VersionInput,
    to: VersionInput,
    up: StepFn<I, O>,
    meta?: MigrationMeta<I, O>,
  ): this;
  register<I = AnyState, O = AnyState>(
    definition: MigrationDefinition<I, O>,
    meta?: Pick<MigrationMeta, 'replace' | 'source'>,
  ): this;
  register(
    first: VersionInput | MigrationDefinition,
    second?: VersionInput | Pick<MigrationMeta, 'replace' | 'source'>,
    up?: StepFn,
    meta: MigrationMeta = {},
  ): this {
    if (typeof first !== 'string' && typeof first !== 'number') {
      const [from, to, step, fullMeta] = fromDefinition(first, second);
      return this.register(from, to, step, fullMeta);
    }
    const from = this.parse(first);
    const to = this.parse(second);
    for (const edge of edgesToSet(this.graph, first, second, from, to, up, meta)) {
      this.graph.setEdge(edge);
    }
    return this;
  }

  /**
   * Sets the io-ts codec states of `version` must satisfy; `'*'` is the fallback for versions
   * without their own. Codecs only check: a state keeps fields the codec does not mention. A
   * Standard Schema v1 validator (zod, valibot, arktype, …) is adapted into a codec here
   * (`fromStandardSchema`); one that answers with a promise is refused with a `TypeError`.
   *
   * @example
   * m.schema('1.1.0', t.type({ state_version: t.string, tags: t.array(t.string) }))
   * m.schema('1.2.0', z.object({ state_version: z.string(), tags: z.array(z.string()) }))
   */
  schema(version: VersionInput | '*', codecOrValidator: SchemaInput): this {
    const codec = asCodec(codecOrValidator);
    this.codecs.set(version === '*' ? '*' : orThrow(this.parse(version)), codec);
    // Resolved plans hold the validators of their versions: resolve them again.
    this.planRuns = new WeakMap();
    this.readers = undefined;
    return this;
  }

  /** Removes every migration (codecs stay). Invalidates cached plans. */
  clear(): this {
    this.graph.clear();
    return this;
  }

  /**
   * A copy of this migrator with `options` changed (the others as given to this one; an option
   * set to `undefined` goes back to its default): the same migrations and codecs, its own
   * graph, so registering on either leaves the other alone.
   *
   * @example
   * const strict = m.derive({ validate: 'each-step', onNewerVersion: 'error' })
   * @since 0.1.0
   */
  derive(options: MigratorOptions = {}): Migrator<S> {
    checkOptions('derive()', options, MIGRATOR_OPTIONS);
    const copy = new Migrator<S>({ ...this.given, ...options });
    for (const edge of this.graph.edges()) copy.graph.setEdge(edge);
    for (const [version, codec] of this.codecs.entries()) copy.codecs.set(version, codec);
    return copy;
  }

  // --- the graph -------------------------------------------------------------------------------

  /** Every version that appears in a migration, semver-ascending. */
  versions(): Version[] {
    return [...this.graph.compile().versions];
  }

  /** Every edge, ordered by source then target version (semver). */
  edges(): EdgeInfo[] {
    const { index } = this.graph.compile();
    return this.graph
      .edges()
      .sort(
        (a, b) => index.get(a.from)! - index.get(b.from)! || index.get(a.to)! - index.get(b.to)!,
      )
      .map(({ run: _run, ...info }) => info);
  }

  /** The default target: `currentVersion`, else the highest registered version. */
  targetVersion(): Version | undefined {
    return this.options.currentVersion ?? this.graph.compile().versions.at(-1);
  }

  /** The codec that applies to `version` (its own, else the `'*'` fallback). */
  codecFor(version: VersionInput): t.Decoder<unknown, unknown> | undefined {
    const parsed = this.parse(version);
    return this.codecs.validatorFor(E.isRight(parsed) ? parsed.right : undefined)?.codec;
  }

  /** Whether `version` has a codec of its own (not counting the `'*'` fallback). */
  hasOwnSchema(version: VersionInput): boolean {
    const parsed = this.parse(version);
    return E.isRight(parsed) && this.codecs.hasOwn(parsed.right);
  }

  /**
   * The version graph as Graphviz DOT (see {@link toDot}); `highlight` draws a plan in bold.
   *
   * @example
   * writeFileSync('graph.dot', m.toDot({ highlight: m.planOrThrow('1.0.0', '2.0.0') }))
   */
  toDot(options: DiagramOptions = {}): string {
    return toDot(this, options);
  }

  /**
   * The version graph as a Mermaid flowchart (see {@link toMermaid}).
   *
   * @example
   * const markdown = '```mermaid\n' + m.toMermaid() + '```'
   */
  toMermaid(options: DiagramOptions = {}): string {
    return toMermaid(this, options);
  }

  // --- planning --------------------------------------------------------------------------------

  /**
   * Plans the shortest path (fewest steps, or least total cost) from one version to another.
   * An invalid option is a programmer error, thrown as a `TypeError` (never a `Left`).
   *
   * @example
   * m.plan('1.0.0', '2.0.0') // Right({ from: '1.0.0', to: '2.0.0', steps: [...], cost: 2 })
   * m.plan('2.0.0', '1.0.0', { direction: 'forward' }) // Left(StateVersionError: No migration path …)
   * m.plan('1.0.0', '2.0.0', { direction: 'up' as never }) // throws TypeError: … one of 'any', 'forward', 'reverse'
   */
  plan(
    from: VersionInput,
    to: VersionInput,
    options: PlanOptions = NONE,
  ): E.Either<StateVersionError, Plan> {
    if (options !== NONE) checkOptions('plan()', options, PLAN_OPTIONS);
    return this.withVersions(from, to, (a, b) => planPath(this.graph, a, b, options));
  }

  /**
   * {@link Migrator.plan}, throwing its `StateVersionError`.
   *
   * @example
   * const plan = m.planOrThrow('1.0.0', '2.0.0')
   */
  planOrThrow(from: VersionInput, to: VersionInput, options: PlanOptions = NONE): Plan {
    return orThrow(this.plan(from, to, options));
  }

  /**
   * Every plan as short as the one {@link Migrator.plan} picks, the picked one first (at most
   * `limit`, default 10). Several plans mean a tie, broken by taking the lowest next version.
   *
   * @example
   * m.alternatives('1.0.0', '2.0.0') // Right([picked, other]) when two paths are equally short
   */
  alternatives(
    from: VersionInput,
    to: VersionInput,
    options: AlternativesOptions = NONE,
  ): E.Either<StateVersionError, Plan[]> {
    if (options !== NONE) checkOptions('alternatives()', options, ALTERNATIVES_OPTIONS);
    return this.withVersions(from, to, (a, b) => planAlternatives(this.graph, a, b, options));
  }

  // --- migrating -------------------------------------------------------------------------------

  /**
   * Migrates a state to `to` (default {@link Migrator.targetVersion}). Never mutates its input
   * and never throws: every failure is a typed `Left` and leaks no partial state (only an
   * invalid call option, a programmer error, is a thrown `TypeError`). A state
   * already at `to` is validated and returned as a copy. A plan with an async step gives a
   * `Left` that says to use {@link Migrator.migrateAsync}. With `{ consume: true }` the call
   * takes the state over instead of copying it (see {@link MigrateCallOptions}).
   *
   * @example
   * pipe(m.migrate(stored, '2.0.0'), E.match((e) => log(e.message), save))
   * m.migrate(JSON.parse(line), '2.0.0', { consume: true }) // no copy of a state just parsed
   */
  migrate(
    state: unknown,
    to?: VersionInput,
    options: MigrateCallOptions = NONE,
  ): E.Either<MigraphError, S> {
    this.checkCall('migrate()', options);
    return this.guard(() => {
      const started = this.startUnguarded(state, to, options);
      return E.isLeft(started) ? started : this.runStarted(started.right);
    }) as E.Either<MigraphError, S>;
  }

  /**
   * {@link Migrator.migrate}, throwing its error instead of returning a `Left`.
   *
   * @example
   * const current = m.migrateOrThrow(stored)
   */
  migrateOrThrow(state: unknown, to?: VersionInput): S {
    return orThrow(this.migrate(state, to));
  }

  /**
   * {@link Migrator.migrate}, saying what it did: the state, the `outcome` (`'migrated'`,
   * `'unchanged'` when the state was already at the target, `'kept-newer'` when a newer state
   * was kept as it is under `onNewerVersion: 'keep'` or `'read-compatible'`), the versions
   * read and aimed at, and the plan that ran. Callers that treat an untouched state apart
   * (keeping its original bytes, not writing it back) need not read the version again or plan
   * a second time.
   *
   * @example
   * const report = m.migrateReport(JSON.parse(line), '2.0.0', { consume: true })
   * if (E.isRight(report) && report.right.outcome === 'unchanged') write(line) // bytes as read
   * @since 0.1.0
   */
  migrateReport(
    state: unknown,
    to?: VersionInput,
    options: MigrateCallOptions = NONE,
  ): E.Either<MigraphError, MigrateReport<S>> {
    this.checkCall('migrateReport()', options);
    return this.guard(() => {
      const started = this.startUnguarded(state, to, options);
      return E.isLeft(started)
        ? started
        : pipe(this.runStarted(started.right), E.map(reportOf(started.right)));
    }) as E.Either<MigraphError, MigrateReport<S>>;
  }

  /**
   * {@link Migrator.migrate} for plans whose steps may be async (return a promise, or the
   * promise of a `TaskEither`): each step is awaited in turn. Same guarantees: the input is
   * never mutated, and the promise never rejects: a failure, a thrown error or a rejected step
   * is a typed `Left` (only an invalid call option rejects, with a `TypeError`).
   *
   * @example
   * const result = await m.migrateAsync(await storage.read(), '2.0.0')
   * @since 0.1.0
   */
  async migrateAsync(
    state: unknown,
    to?: VersionInput,
    options: MigrateCallOptions = NONE,
  ): Promise<E.Either<MigraphError, S>> {
    this.checkCall('migrateAsync()', options);
    const started = this.begin(state, to, options);
    if (E.isLeft(started)) return started;
    return (await this.runStartedAsync(started.right)) as E.Either<MigraphError, S>;
  }

  /**
   * {@link Migrator.migrateAsync}, saying what it did (see {@link Migrator.migrateReport}).
   *
   * @example
   * const report = await m.migrateReportAsync(state, '2.0.0')
   * if (E.isRight(report) && report.right.outcome === 'migrated') await save(report.right.state)
   * @since 0.1.0
   */
  async migrateReportAsync(
    state: unknown,
    to?: VersionInput,
    options: MigrateCallOptions = NONE,
  ): Promise<E.Either<MigraphError, MigrateReport<S>>> {
    this.checkCall('migrateReportAsync()', options);
    const started = this.begin(state, to, options);
    if (E.isLeft(started)) return started;
    return pipe(
      await this.runStartedAsync(started.right),
      E.map(reportOf(started.right)),
    ) as E.Either<MigraphError, MigrateReport<S>>;
  }

  /**
   * {@link Migrator.migrate} that is synchronous while every step is, and turns into
   * {@link Migrator.migrateAsync} from the first step that returns a promise (an `async`
   * function, or a plain function returning a promise or a `TaskEither`'s promise): the run
   * goes on from that promise, so every step runs exactly once. For callers that take either
   * answer, such as a store hydrating synchronously from `localStorage` when it can.
   *
   * @example
   * const result = m.migrateSyncFirst(stored, '2.0.0')
   * const settled = result instanceof Promise ? await result : result
   * @since 0.1.0
   */
  migrateSyncFirst(
    state: unknown,
    to?: VersionInput,
    options: MigrateCallOptions = NONE,
  ): E.Either<MigraphError, S> | Promise<E.Either<MigraphError, S>> {
    this.checkCall('migrateSyncFirst()', options);
    return this.syncFirst(state, to, options, () => (s) => s) as
      E.Either<MigraphError, S> | Promise<E.Either<MigraphError, S>>;
  }

  /**
   * `migrateSyncFirst`, saying what it did (see {@link Migrator.migrateReport}):
   * for callers that handle many states and await only the runs that meet a promise.
   *
   * @example
   * const out = m.migrateReportSyncFirst(JSON.parse(line), '2.0.0', { consume: true })
   * const report = out instanceof Promise ? await out : out
   * @since 0.1.0
   */
  migrateReportSyncFirst(
    state: unknown,
    to?: VersionInput,
    options: MigrateCallOptions = NONE,
  ): E.Either<MigraphError, MigrateReport<S>> | Promise<E.Either<MigraphError, MigrateReport<S>>> {
    this.checkCall('migrateReportSyncFirst()', options);
    return this.syncFirst(state, to, options, reportOf) as
      E.Either<MigraphError, MigrateReport<S>> | Promise<E.Either<MigraphError, MigrateReport<S>>>;
  }

  /** A run that stays synchronous until a step returns a promise; `finish` shapes its result. */
  private syncFirst<R>(
    state: unknown,
    to: VersionInput | undefined,
    options: MigrateCallOptions,
    finish: (started: Started) => (state: StateObject) => R,
  ): E.Either<MigraphError, R> | Promise<E.Either<MigraphError, R>> {
    let pending: Promise<E.Either<MigraphError, R>> | undefined;
    const ran = this.guard((): E.Either<MigraphError, R> => {
      const begun = this.startUnguarded(state, to, options);
      if (E.isLeft(begun)) return begun;
      const started = begun.right;
      const { copy, plan, context, owned, readOnly } = started;
      if (plan === undefined) return E.right(finish(started)(copy));
      const steps = this.resolved(plan).steps;
      const out = runPlanEager(copy, plan, steps, context, owned, readOnly);
      if (!(out instanceof Promise)) {
        return E.isLeft(out)
          ? out
          : E.right(finish(started)(this.stamp(out.right, plan.to, context)));
      }
      const done = (s: StateObject) => finish(started)(this.stamp(s, plan.to, context));
      pending = out.then(E.map(done));
      return E.right(finish(started)(copy));
    });
    return pending ?? ran;
  }

  /**
   * Migrates a collection (an array, a generator, a stream, a database cursor…) and yields
   * one `Either` per state, in input order; a bad state never stops the batch. Steps may be
   * async; up to `concurrency` states are in flight (and read ahead from an async source).
   * For parallel work across threads, see `MigrationPool` and `migrateFile`.
   *
   * @example
   * for await (const result of m.migrateMany(readStates(), '2.0.0', { onProgress })) {
   *   if (E.isRight(result)) await save(result.right)
   *   else console.error(result.left.message)
   * }
   */
  migrateMany(
    states: AnySource<unknown>,
    to?: VersionInput,
    options: MigrateManyOptions = {},
  ): AsyncGenerator<E.Either<MigraphError, S>> {
    return migrateMany(this, states, to, options);
  }

  // --- versions of states ----------------------------------------------------------------------

  /**
   * Reads a version as this migrator's states write it (`'v1.2.0'` or, in the integer format,
   * `3`) and normalises it.
   *
   * @example
   * new Migrator({ versionFormat: 'integer' }).normalizeVersion(3) // Right('3.0.0')
   * @since 0.1.0
   */
  normalizeVersion(value: unknown): E.Either<StateVersionError, Version> {
    return this.parse(value);
  }

  /**
   * Reads the version of a state (the `missingVersion` when the field is absent).
   *
   * @example
   * m.versionOf({ state_version: 'v1.0.0' }) // Right('1.0.0')
   */
  versionOf(state: unknown): E.Either<MigraphError, Version> {
    return this.guard(() => {
      const read = E.flatMap((s: StateObject) => this.readVersion(s))(this.readState(state));
      return E.isLeft(read) ? read : E.right(read.right.version);
    });
  }

  /**
   * A copy of `state` (shallow along the version path) with its version field set to
   * `version`, written in this migrator's format.
   *
   * @example
   * m.withVersion({ a: 1 }, '1.0.0') // { a: 1, state_version: '1.0.0' }
   * @since 0.1.0
   */
  withVersion<T extends object>(state: T, version: VersionInput): T {
    const normal = orThrow(this.parse(version));
    const value = formatVersion(this.options.versionFormat, normal, version);
    return withVersionAt(state, this.options.versionPath, value);
  }

  // --- state reading ---------------------------------------------------------------------------

  private readState(state: unknown): E.Either<StateVersionError, StateObject> {
    if (isPlainObject(state)) return E.right(state);
    const kind = kindOf(state);
    return E.left(
      new StateVersionError(`Expected a state object, got ${kind}`, { reason: 'not_an_object' }),
    );
  }

  /** Checks a migrate call's options, once per frozen options object. */
  private checkCall(name: string, options: MigrateCallOptions): void {
    if (options === NONE || this.checkedCalls.has(options)) return;
    checkOptions(name, options, CALL_OPTIONS);
    if (Object.isFrozen(options)) this.checkedCalls.add(options);
  }

  private readVersion(state: StateObject): E.Either<StateVersionError, ReadVersion> {
    return readStateVersion(this.options, state);
  }

  private resolveTarget(to: VersionInput | undefined): E.Either<StateVersionError, Version> {
    return resolveTargetVersion(this, to);
  }

  /** Parses two versions in this migrator's format, then applies `f` to them. */
  private withVersions<A>(
    from: VersionInput,
    to: VersionInput,
    f: (from: Version, to: Version) => E.Either<StateVersionError, A>,
  ): E.Either<StateVersionError, A> {
    return pipe(
      this.parse(from),
      andThen((a) =>
        pipe(
          this.parse(to),
          andThen((b) => f(a, b)),
        ),
      ),
    );
  }

  // --- run preparation -------------------------------------------------------------------------

  /** Prepares and starts a run (see {@link Migrator.start}); never throws. */
  private begin(
    state: unknown,
    to: VersionInput | undefined,
    options: MigrateCallOptions,
  ): E.Either<MigraphError, Started> {
    return this.guard(() => this.startUnguarded(state, to, options));
  }

  /** {@link Migrator.begin} without the guard (callers guard). */
  private startUnguarded(
    state: unknown,
    to: VersionInput | undefined,
    options: MigrateCallOptions,
  ): E.Either<MigraphError, Started> {
    const prepared = this.prepare(state, to);
    return E.isLeft(prepared) ? prepared : this.start(prepared.right, options);
  }

  /**
   * Reads the state, its version and the target, and plans. `plan` is undefined when the
   * state is to be returned as it is (already at the target, or newer and kept).
   */
  private prepare(state: unknown, to: VersionInput | undefined): E.Either<MigraphError, Prepared> {
    const input = this.readState(state);
    if (E.isLeft(input)) return input;
    const read = this.readVersion(input.right);
    if (E.isLeft(read)) return read;
    const { version: from, raw } = read.right;
    const resolved = this.resolveTarget(to);
    if (E.isLeft(resolved)) return resolved;
    const target = resolved.right;
    const object = input.right;
    if (from !== target && this.isNewer(from)) {
      const readable = this.readCompatible(object, from, target);
      if (readable !== undefined) return readable;
      if (this.options.onNewerVersion === 'keep') {
        return E.right(asIs(object, from, target, this.context, true));
      }
      return E.left(
        new StateVersionError(
          `The state is at ${from}, newer than every known version (up to ${this.highestKnown()}): it was written by a newer release`,
          { reason: 'newer_version', version: from, from, to: target },
        ),
      );
    }
    const planned = planPath(this.graph, from, target);
    if (E.isLeft(planned)) {
      return raw === undefined ? E.left(this.missingVersion(planned.left)) : planned;
    }
    const plan = planned.right;
    if (plan.steps.length === 0) {
      return E.right(asIs(object, from, target, this.context, false));
    }
    // No message is built for the silent default (this runs once per state).
    if (this.options.logger !== silentLogger) {
      this.options.logger.debug(
        `migraph: ${plan.from} -> ${plan.to} in ${plan.steps.length} step(s)`,
      );
    }
    return E.right({
      input: object,
      from,
      to: target,
      plan,
      context: this.contextFor(raw),
      kept: false,
    });
  }

  /**
   * A planning error for a state without a version field: says that the field was absent and
   * `missingVersion` assumed (reason `missing_version`, the planner's error as the cause).
   */
  private missingVersion(error: StateVersionError): StateVersionError {
    const { versionKey, missingVersion } = this.options;
    return new StateVersionError(
      `${error.message} (the state has no ${versionKey} field, so missingVersion ${missingVersion} was assumed)`,
      {
        reason: 'missing_version',
        version: missingVersion,
        from: error.from,
        to: error.to,
        cause: error,
      },
    );
  }

  /** Above every registered version (and not registered itself). */
  private isNewer(version: Version): boolean {
    // A version of the graph is never above the highest one (the common case: no comparison).
    if (this.graph.compile().index.has(version)) return false;
    const highest = this.highestKnown();
    return highest !== undefined && compareNormalised(version, highest) > 0;
  }

  /**
   * The highest version this build knows: of its migrations, or its `currentVersion`. A first
   * release has no migration yet, and its `currentVersion` still tells it that a state above
   * was written by a newer release.
   */
  private highestKnown(): Version | undefined {
    const known = [
      ...this.graph.compile().versions.slice(-1),
      ...(this.options.currentVersion === undefined ? [] : [this.options.currentVersion]),
    ];
    return known.reduce<Version | undefined>(
      (highest, v) => (highest === undefined || compareNormalised(v, highest) > 0 ? v : highest),
      undefined,
    );
  }

  /** The execution context of a run: integer versions are written in the form they were read. */
  private contextFor(raw: unknown): ExecutionContext {
    if (this.options.versionFormat === 'semver' || typeof raw !== 'string') return this.context;
    return {
      ...this.context,
      writeVersion: (version) => formatVersion('integer', version, raw),
    };
  }

  /**
   * Copies the input (the run's private state) and validates it: in `'each-step'` mode against
   * its own version before the plan runs; a state returned without a plan (already at the
   * target) in `'each-step'` and `'final'` modes. A newer state kept as it is is not validated.
   * A consumed state is not copied: the run owns it.
   */
  private start(prepared: Prepared, options: MigrateCallOptions): E.Either<MigraphError, Started> {
    const { input, plan, context, from, to, kept } = prepared;
    const mode = this.options.validate;
    const check = !kept && (mode === 'each-step' || (mode === 'final' && plan === undefined));
    const consume = options.consume === true;
    // A plan of pure steps never changes its input: it runs on the caller's state, uncopied.
    const owned = consume || plan === undefined || !this.resolved(plan).pure;
    const copied = owned && !consume ? copyState(input) : E.right(input);
    if (E.isLeft(copied)) return copied;
    const checked = check
      ? validateInput(this.codecs.validatorFor(from), from)(copied.right)
      : copied;
    if (E.isLeft(checked)) return checked;
    const readOnly = options.readOnly === true;
    return E.right({ copy: checked.right, plan, context, owned, readOnly, from, to, kept });
  }

  /** A (cached, immutable) plan resolved into what the executor runs, once. */
  private resolved(plan: Plan): ResolvedPlan {
    let run = this.planRuns.get(plan);
    if (run === undefined) {
      run = resolvePlan(plan, {
        graph: this.graph,
        codecs: this.codecs,
        clock: this.options.clock,
      });
      this.planRuns.set(plan, run);
    }
    return run;
  }

  /** Runs a started run synchronously: its plan, unless it has an `async` step. */
  private runStarted(started: Started): E.Either<MigraphError, StateObject> {
    const { copy, plan, context, owned, readOnly } = started;
    if (plan === undefined) return E.right(copy);
    const { asyncStep, steps } = this.resolved(plan);
    if (asyncStep >= 0) return E.left(asyncPlanError(plan, asyncStep));
    const ran = runPlan(copy, plan, steps, context, owned, readOnly);
    return E.isLeft(ran) ? ran : E.right(this.stamp(ran.right, plan.to, context));
  }

  /** Runs a started run, awaiting each step. */
  private runStartedAsync(started: Started): Promise<E.Either<MigraphError, StateObject>> {
    const { copy, plan, context, owned, readOnly } = started;
    if (plan === undefined) return Promise.resolve(E.right(copy));
    return runPlanAsync(copy, plan, this.resolved(plan).steps, context, owned, readOnly).then(
      E.map((state) => this.stamp(state, plan.to, context)),
    );
  }

  // --- readableFrom (§17) ----------------------------------------------------------------------

  /**
   * Under `onNewerVersion: 'read-compatible'`, a newer state whose `readableFrom` stamp is at
   * or below `target`: kept as it is, once `target`'s codec accepts it (in every validation
   * mode). `undefined` (the state then follows `'error'`) without a stamp or above `target`.
   */
  private readCompatible(
    input: StateObject,
    from: Version,
    target: Version,
  ): E.Either<MigraphError, Prepared> | undefined {
    if (this.options.onNewerVersion !== 'read-compatible') return undefined;
    const stamp = versionValueAt(input, this.options.readableFromPath);
    const oldest = stamp === undefined ? undefined : this.parse(stamp);
    if (oldest === undefined || E.isLeft(oldest) || compareNormalised(oldest.right, target) > 0) {
      return undefined;
    }
    return pipe(
      validateInput(this.codecs.validatorFor(target), target)(input),
      E.map(() => asIs(input, from, target, this.context, true)),
    );
  }

  /**
   * Writes the `readableFrom` stamp of a state migrated to `to` (with `stampReadableFrom`),
   * in the form the version is written; without it, removes a stamp the run made stale.
   */
  private stamp(state: StateObject, to: Version, context: ExecutionContext): StateObject {
    const path = this.options.readableFromPath;
    if (this.options.stampReadableFrom === undefined) removeFieldAt(state, path);
    else writeVersionAt(state, path, context.writeVersion(this.readableFrom(to)));
    return state;
  }

  /** The oldest version that reads states of `version` as they are, cached per graph and codecs. */
  private readableFrom(version: Version): Version {
    const graph = this.graph.compile();
    if (this.readers?.graph !== graph) this.readers = { graph, byVersion: new Map() };
    const { byVersion } = this.readers;
    let oldest = byVersion.get(version);
    if (oldest === undefined) {
      const neighbours = new Map<Version, Version[]>();
      for (const { from, to } of this.graph.edges()) {
        neighbours.set(from, [...(neighbours.get(from) ?? []), to]);
        neighbours.set(to, [...(neighbours.get(to) ?? []), from]);
      }
      const classify = this.options.stampReadableFrom!;
      const classes = new Map<string, boolean>();
      const readsDown = (older: Version, newer: Version): boolean => {
        const key = `${older} ${newer}`;
        let reads = classes.get(key);
        if (reads === undefined) {
          try {
            const result = classify(this, { from: older, to: newer });
            reads = E.isRight(result) && ['FORWARD', 'FULL'].includes(result.right.class);
          } catch {
            reads = false;
          }
          classes.set(key, reads);
        }
        return reads;
      };
      for (const v of graph.versions) {
        byVersion.set(
          v,
          oldestReader(v, (at) => neighbours.get(at) ?? [], readsDown),
        );
      }
      oldest = byVersion.get(version) ?? version;
    }
    return oldest;
  }

  /** The last line of defence of the never-throw promise: an unexpected throw is a `Left`. */
  private guard<A>(run: () => E.Either<MigraphError, A>): E.Either<MigraphError, A> {
    try {
      return run();
    } catch (cause) {
      return E.left(
        new StateVersionError(`Unexpected error while migrating: ${describeCause(cause)}`, {
          reason: 'internal',
          cause,
        }),
      );
    }
  }
}

/** A planned run: the state, the plan (none: return the state as it is) and its context. */
interface Prepared {
  readonly input: StateObject;
  readonly from: Version;
  /** The target version. */
  readonly to: Version;
  readonly plan: Plan | undefined;
  readonly context: ExecutionContext;
  /** A newer state kept as it is (`onNewerVersion: 'keep'` or `'read-compatible'`). */
  readonly kept: boolean;
}

/** A state to return as it is (no plan): already at the target, or newer and kept or read. */
const asIs = (
  input: StateObject,
  from: Version,
  to: Version,
  context: ExecutionContext,
  kept: boolean,
): Prepared => ({ input, from, to, plan: undefined, context, kept });

/** A run ready to go: the private copy (validated as the mode asks), the plan and context. */
interface Started {
  /** The private copy, or the caller's state itself when every step is pure (`owned` false). */
  readonly copy: StateObject;
  readonly owned: boolean;
  /** The caller only reads the result (see {@link MigrateCallOptions.readOnly}). */
  readonly readOnly: boolean;
  readonly plan: Plan | undefined;
  readonly context: ExecutionContext;
  readonly from: Version;
  readonly to: Version;
  readonly kept: boolean;
}

/** The report of a finished run (see {@link Migrator.migrateReport}). */
const reportOf =
  ({ plan, from, to, kept }: Started) =>
  <S>(state: S): MigrateReport<S> => ({
    state,
    outcome: plan !== undefined ? 'migrated' : kept ? 'kept-newer' : 'unchanged',
    from,
    to,
    plan,
  });
