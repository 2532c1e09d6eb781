/**
 * The seed-compatible module API: module-level functions over one default `Migrator`
 * that carries the AgentState schema and the shipped migrations (static imports: nothing is
 * read on import). `registerMigration` called by a script while `loadMigrationScripts` or a
 * project load imports it registers into the migrator being loaded instead.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { pipe } from '#fp/function.js';
import { createBackup, restoreBackup, type Backup } from './core/backup.js';
import type { StateObject } from './core/copy.js';
import type { AnyState, StepFn } from './core/definition.js';
import { getOrThrow as orThrow } from './core/fp.js';
import type { MigrationMeta } from './core/migrator.js';
import { loadMigrationsInto } from './node/loader.js';
import { registrationTarget } from './node/registration.js';
import { createInitialState, type AgentState } from './state/agent-state.js';
import { defaultMigrator } from './state/default-migrator.js';
import {
  benchmarkWith,
  validateMigrationWith,
  validateRoundtripWith,
  type BenchmarkResult,
  type RoundtripOptions,
  type ValidateMigrationOptions,
} from './testing/helpers.js';

/** A decorator that registers what it decorates; see {@link registerMigration}. */
export interface MigrationDecorator {
  <F extends StepFn>(fn: F): F;
  <F extends StepFn>(method: F, context: ClassMethodDecoratorContext): F;
}

/**
 * Registers a migration `from → to` on the default migrator (or, while a script is being
 * loaded by `loadMigrationScripts` or a project load, on the migrator being loaded). Use it on a function
 * (`registerMigration('1.0.0', '1.1.0')(fn)` returns `fn` unchanged) or as a standard
 * decorator on a class method.
 *
 * @example
 * class Migrations {
 *   \@registerMigration('1.1.0', '1.2.0')
 *   static addTags(state: AnyState) { return { ...state, tags: [] }; }
 * }
 * @since 0.1.0
 */
export const registerMigration =
  (from: string, to: string, meta?: MigrationMeta): MigrationDecorator =>
  <F extends StepFn>(fn: F): F => {
    (registrationTarget() ?? defaultMigrator).register(from, to, fn, meta);
    return fn;
  };

/**
 * Every registered migration of the default migrator as `{ 'from->to': fn }` (a fresh object
 * on every call; the functions are the ones registered).
 *
 * @since 0.1.0
 */
export const getRegisteredMigrations = (): Record<string, StepFn> =>
  Object.fromEntries(defaultMigrator.edges().map((e) => [`${e.from}->${e.to}`, e.fn as StepFn]));

/** Removes every migration from the default migrator (codecs stay). */
export const clearMigrationRegistry = (): void => {
  defaultMigrator.clear();
};

/**
 * A deep copy of `state` plus `_migration_backup: { timestamp, original_version }`.
 *
 * @since 0.1.0
 */
export const createMigrationBackup = (state: unknown): Backup =>
  orThrow(createBackup(state, defaultMigrator.options.versionKey, defaultMigrator.options.clock()));

/**
 * A deep copy of `backup` without `_migration_backup` (warns through the logger when absent).
 *
 * @since 0.1.0
 */
export const restoreFromBackup = (backup: unknown): StateObject =>
  orThrow(restoreBackup(backup, defaultMigrator.options.logger));

/**
 * Imports every `v{M}_{m}_{p}_to_v{M}_{m}_{p}.{ts,js,mjs}` script of `dir` (default: the
 * package's `migrations/`) into the default migrator and resolves to how many loaded.
 *
 * @example
 * await loadMigrationScripts('./my-migrations')
 * @since 0.1.0
 */
export const loadMigrationScripts = async (dir?: string): Promise<number> =>
  (await loadMigrationsInto(defaultMigrator, dir)).loaded;

/**
 * `createInitialState()` at `version`, plus `current_task: 'test_task'`,
 * `agent_outputs: { test_agent: 'test_output' }` and a `test_state_created` trace event, then
 * `overrides`. For an older version the initial state is migrated down to it (when a path
 * exists), so the test state has that version's shape.
 *
 * @example
 * createTestState('1.0.0', { current_task: 'review' })
 * @since 0.1.0
 */
export const createTestState = (
  version: string,
  overrides: Readonly<Record<string, unknown>> = {},
): AnyState => {
  const now = defaultMigrator.options.clock();
  const initial = createInitialState({}, now) as AgentState & AnyState;
  const shaped = pipe(
    defaultMigrator.migrate(initial, version),
    E.getOrElse((): AnyState => ({ ...initial, state_version: version })),
  );
  return {
    ...shaped,
    current_task: 'test_task',
    agent_outputs: { test_agent: 'test_output' },
    execution_trace: [
      ...initial.execution_trace,
      {
        event: 'test_state_created',
        timestamp: now.toISOString(),
        details: `Test state created at ${version}`,
      },
    ],
    ...overrides,
  };
};

/**
 * Migrates test data (a {@link createTestState} by default) from `from` to `to` and checks
 * the version and each expected change. Returns `true` or throws `MigrationTestError`.
 *
 * @example
 * validateMigration('1.0.0', '1.1.0', { expectedChanges: { tool_permission_history: [] } })
 * @since 0.1.0
 */
export const validateMigration = (
  from: string,
  to: string,
  options: ValidateMigrationOptions = {},
): true =>
  validateMigrationWith(
    defaultMigrator,
    from,
    to,
    options.testData ?? createTestState(from),
    options.expectedChanges,
  );

/**
 * Migrates `state` to `intermediateVersion` and back with the default migrator; throws
 * `MigrationTestError` ("Data was not preserved") naming any compared field that changed.
 *
 * @since 0.1.0
 */
export const validateMigrationRoundtrip = (
  state: unknown,
  intermediateVersion: string,
  options: RoundtripOptions = {},
): true => validateRoundtripWith(defaultMigrator, state, intermediateVersion, options);

/**
 * Timing figures for `iterations` migrations of `state` to `targetVersion`.
 *
 * @example
 * benchmarkMigrationPerformance(createTestState('1.0.0'), '1.1.0', 100).meanMs
 * @since 0.1.0
 */
export const benchmarkMigrationPerformance = (
  state: unknown,
  targetVersion: string,
  iterations = 100,
): BenchmarkResult => benchmarkWith(defaultMigrator, state, targetVersion, iterations);
