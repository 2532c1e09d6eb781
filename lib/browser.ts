/**
 * The root `migraph` as browsers and bundlers see it (the `browser` condition of its `exports`
 * entry): the core (`migraph/core`) and AgentState (`migraph/state`), with no Node built-ins.
 * The Node adapters (`migraph/node`) and the seed-compatible module API, which loads
 * migration scripts from disk, are left out: code that needs them runs in Node, where
 * `migraph` resolves to the full root entry.
 *
 * @example
 * import { Migrator } from 'migraph'; // in a bundle for the browser: this module
 * const m = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, tags: [] }));
 *
 * @since 0.1.0
 * @packageDocumentation
 */

// --- core ---
// All of it, whatever it holds: a list of names here would fall behind the core's own.
export * from './core/index.js';

// --- state ---
export {
  SCHEMA_VERSION,
  createInitialState,
  validateState,
  StateValidationError,
  AgentStateV1_0,
  AgentStateV1_1,
  agentStateCodecs,
  defaultMigrator,
  createAgentStateMigrator,
  agentStateMigrations,
  migrateState,
  autoMigrateState,
  setLogger,
} from './state/index.js';
export type { AgentState, InitialStateOptions, ValidateStateOptions } from './state/index.js';
