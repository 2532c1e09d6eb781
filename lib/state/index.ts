/**
 * `migraph/state`: AgentState, the first real schema. Its codecs per version, the initial
 * state, validation, the shipped migrations, and the default migrator's `migrateState` and
 * `autoMigrateState` (the very same functions as the root export).
 *
 * @example
 * import { autoMigrateState, createInitialState } from 'migraph/state';
 *
 * @packageDocumentation
 */
export {
  SCHEMA_VERSION,
  createInitialState,
  validateState,
  StateValidationError,
  AgentStateV1_0,
  AgentStateV1_1,
  Message,
  PermissionHistoryEntry,
  agentStateCodecs,
} from './agent-state.js';
export type { AgentState, InitialStateOptions, ValidateStateOptions } from './agent-state.js';
export {
  defaultMigrator,
  createAgentStateMigrator,
  agentStateMigrations,
  migrateState,
  autoMigrateState,
} from './default-migrator.js';
export { setLogger } from './logger.js';
export { StateVersionError, MigrationError } from '../core/errors.js';
