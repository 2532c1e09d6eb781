/**
 * `migraph/state`: the AgentState schema (codecs, defaults, validation) and the functions its
 * users call, re-exported as the very same objects as the package root.
 *
 * @since 0.1.0
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
export { migrateState, autoMigrateState } from '../lib/registry.js';
export { StateVersionError, MigrationError } from '../lib/errors.js';
export { agentStateV1_0Arbitrary } from './agent-state-arbitrary.js';
