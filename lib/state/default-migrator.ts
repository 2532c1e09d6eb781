/**
 * The default migrator of the seed-compatible API: AgentState's codecs and the shipped
 * migrations, registered through static imports (nothing is read from disk), plus the two
 * module-level functions that migrate with it.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { pipe } from '#fp/function.js';
import v1_0_0_to_v1_1_0 from '../../migrations/v1_0_0_to_v1_1_0.js';
import { createBackup } from '../core/backup.js';
import type { AnyState } from '../core/definition.js';
import type { MigraphError } from '../core/errors.js';
import { getOrThrow } from '../core/fp.js';
import { Migrator } from '../core/migrator.js';
import { agentStateCodecs, SCHEMA_VERSION } from './agent-state.js';
import { forwardingLogger } from './logger.js';

/** The migrations shipped with the package, in version order. */
export const agentStateMigrations = [v1_0_0_to_v1_1_0] as const;

/**
 * A fresh migrator for AgentState: its codecs, the shipped migrations, `currentVersion`
 * {@link SCHEMA_VERSION}. Each call builds a new one, so it can be extended freely.
 *
 * @example
 * const m = createAgentStateMigrator({ validate: 'final' })
 * @since 0.1.0
 */
export const createAgentStateMigrator = (
  options: ConstructorParameters<typeof Migrator>[0] = {},
): Migrator<AnyState> =>
  agentStateMigrations.reduce(
    (m, definition) => m.register(definition),
    Object.entries(agentStateCodecs).reduce(
      (m, [version, codec]) => m.schema(version, codec),
      new Migrator<AnyState>({ currentVersion: SCHEMA_VERSION, ...options }),
    ),
  );

/**
 * The migrator behind the module-level functions: AgentState codecs and migrations,
 * `currentVersion` {@link SCHEMA_VERSION}, the logger of `setLogger`.
 *
 * @since 0.1.0
 */
export const defaultMigrator: Migrator<AnyState> = createAgentStateMigrator({
  logger: forwardingLogger,
});

/**
 * Migrates `state` to `targetVersion` with the default migrator, throwing `StateVersionError`
 * or `MigrationError`. A state already at the target is returned unchanged.
 *
 * @example
 * const current = migrateState(stored, '1.1.0')
 * @since 0.1.0
 */
export const migrateState = (state: unknown, targetVersion: string): AnyState =>
  defaultMigrator.migrateOrThrow(state, targetVersion);

/**
 * Backs `state` up, then migrates it (to {@link SCHEMA_VERSION} by default). On failure the
 * caller's state is untouched and the thrown error carries the backup as `error.backup`.
 *
 * @example
 * let state
 * try { state = autoMigrateState(loaded) } catch (e) { save((e as MigrationError).backup) }
 * @since 0.1.0
 */
export const autoMigrateState = (
  state: unknown,
  targetVersion: string = SCHEMA_VERSION,
): AnyState =>
  pipe(
    createBackup(state, defaultMigrator.options.versionKey, defaultMigrator.options.clock()),
    E.flatMap((backup) =>
      pipe(
        defaultMigrator.migrate(state, targetVersion),
        E.mapLeft((error: MigraphError) => Object.assign(error, { backup })),
      ),
    ),
    getOrThrow,
  );
