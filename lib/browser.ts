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
export {
  Migrator,
  versioned,
  defineMigration,
  isMigrationDefinition,
  toDot,
  toMermaid,
  StateVersionError,
  MigrationError,
  MigrationTestError,
  serializeError,
  reviveError,
  compareVersions,
  isCompatibleVersion,
  parseVersion,
  parseIntegerVersion,
  isVersion,
  sortVersions,
  formatValidationErrors,
  copyState,
  MAX_ARRAY_LENGTH,
  isPlainObject,
  silentLogger,
  createBackup,
  restoreBackup,
  BACKUP_KEY,
  check,
  migrateMany,
  orderedMap,
  edgeOfFileName,
  fileNameOfEdge,
  MIGRATION_FILE,
  StoreError,
} from './core/index.js';
export type {
  MigratorOptions,
  MigrateCallOptions,
  MigrationMeta,
  ResolvedOptions,
  RegistersMigrations,
  AnyState,
  StepFn,
  StepContext,
  MigrationDefinition,
  Plan,
  Step,
  PlanDirection,
  PlanOptions,
  AlternativesOptions,
  DiagramOptions,
  DiagramSource,
  Direction,
  Edge,
  EdgeInfo,
  LiftedStep,
  ValidationMode,
  TraceEvent,
  StateVersionReason,
  StateVersionErrorDetails,
  MigrationFailure,
  MigrationErrorDetails,
  MigrationTestErrorDetails,
  MigraphError,
  SerializedError,
  Version,
  VersionFormat,
  VersionInput,
  VersionChain,
  VersionCodecs,
  Versioned,
  VersionedOptions,
  TypedEdge,
  TypedStepResult,
  Unversioned,
  VersionField,
  StateAt,
  StateObject,
  Logger,
  Backup,
  BackupInfo,
  CheckReport,
  CheckIssue,
  CheckCode,
  CheckOptions,
  MigratesOne,
  MigrateManyOptions,
  AnySource,
  StateStore,
  StoreReport,
  StoreProgress,
  MigrateStoreOptions,
  StoreErrorReason,
  StoreErrorDetails,
} from './core/index.js';

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
