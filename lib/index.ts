/**
 * migraph: migrate versioned JSON state between schema versions along shortest paths of a
 * version graph. The root entry holds the core (`migraph/core`), the Node adapters
 * (`migraph/node`), AgentState (`migraph/state`) and the seed-compatible module API over a
 * default migrator. Browsers and bundlers import `migraph/core`; property-based testing is in
 * `migraph/testing`.
 *
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

// --- node ---
export {
  loadMigrationsInto,
  defaultMigrationsDir,
  loadProject,
  loadCompleteProject,
  loadProblems,
  ProjectError,
  renderSvg,
  MigrationPool,
  PoolError,
  migrateFile,
  FileMigrationError,
  readLineChunks,
  writeFileAtomic,
} from './node/index.js';
export type {
  LoadReport,
  LoadedFile,
  LoadOptions,
  Project,
  ProjectOptions,
  SchemasModule,
  PoolOptions,
  PoolMigrateOptions,
  MigrateFileOptions,
  FileProgress,
  FileReport,
  FileMigrationFailure,
  LineBytes,
  LineChunk,
  ReadLinesOptions,
  LineResult,
  StateResult,
} from './node/index.js';

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

// --- testing helpers with no dependency beyond the core ---
export {
  validateMigrationWith,
  validateRoundtripWith,
  benchmarkWith,
  differingFields,
  getPath,
  isSameData,
} from './testing/helpers.js';
export type {
  ValidateMigrationOptions,
  RoundtripOptions,
  BenchmarkResult,
} from './testing/helpers.js';

// --- the seed-compatible module API over the default migrator ---
export {
  registerMigration,
  getRegisteredMigrations,
  clearMigrationRegistry,
  createMigrationBackup,
  restoreFromBackup,
  loadMigrationScripts,
  createTestState,
  validateMigration,
  validateMigrationRoundtrip,
  benchmarkMigrationPerformance,
} from './registry.js';
export type { MigrationDecorator } from './registry.js';
