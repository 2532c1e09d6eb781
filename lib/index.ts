/**
 * migraph: migrate versioned JSON state between schema versions along shortest paths of a
 * version graph.
 *
 * @packageDocumentation
 */
export { Migrator } from './migrator.js';
export type { MigratorOptions, MigrationMeta, EdgeInfo, ResolvedOptions } from './migrator.js';
export { defineMigration, isMigrationDefinition } from './definition.js';
export type { AnyState, StepFn, StepContext, MigrationDefinition } from './definition.js';
export type { Plan, Step, PlanDirection, PlanOptions, AlternativesOptions } from './planner.js';
export { toDot, toMermaid, renderSvg } from './diagram.js';
export type { DiagramOptions, DiagramSource } from './diagram.js';
export type { Direction } from './graph.js';
export type { ValidationMode, TraceEvent } from './executor.js';
export { StateVersionError, MigrationError, MigrationTestError } from './errors.js';
export type {
  StateVersionReason,
  StateVersionErrorDetails,
  MigrationFailure,
  MigrationErrorDetails,
  MigrationTestErrorDetails,
  MigraphError,
} from './errors.js';
export {
  compareVersions,
  isCompatibleVersion,
  parseVersion,
  isVersion,
  sortVersions,
} from './version.js';
export type { Version } from './version.js';
export { formatValidationErrors } from './report.js';
export { copyState, isPlainObject } from './copy.js';
export type { StateObject } from './copy.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export { setLogger } from './logger.js';
export {
  registerMigration,
  getRegisteredMigrations,
  clearMigrationRegistry,
  migrateState,
  autoMigrateState,
  createMigrationBackup,
  restoreFromBackup,
  loadMigrationScripts,
  createTestState,
  validateMigration,
  validateMigrationRoundtrip,
  benchmarkMigrationPerformance,
  defaultMigrator,
} from './registry.js';
export type { MigrationDecorator } from './registry.js';
export { createBackup, restoreBackup, BACKUP_KEY } from './backup.js';
export type { Backup, BackupInfo } from './backup.js';
export {
  loadMigrationsInto,
  defaultMigrationsDir,
  edgeOfFileName,
  fileNameOfEdge,
  MIGRATION_FILE,
} from './loader.js';
export type { LoadReport, LoadedFile, LoadOptions } from './loader.js';
export {
  validateMigrationWith,
  validateRoundtripWith,
  benchmarkWith,
  differingFields,
  getPath,
} from './testing.js';
export type { ValidateMigrationOptions, RoundtripOptions, BenchmarkResult } from './testing.js';
export {
  SCHEMA_VERSION,
  createInitialState,
  validateState,
  StateValidationError,
  AgentStateV1_0,
  AgentStateV1_1,
  agentStateCodecs,
} from '../migrations/agent-state.js';
export type {
  AgentState,
  InitialStateOptions,
  ValidateStateOptions,
} from '../migrations/agent-state.js';
export { check } from './check.js';
export type { CheckReport, CheckIssue, CheckCode, CheckOptions } from './check.js';
export { assertRoundTrip, isSameData } from './testing.js';
export type { RoundTripPropertyOptions } from './testing.js';
export { agentStateV1_0Arbitrary } from '../migrations/agent-state-arbitrary.js';
export { migrateMany } from './batch/many.js';
export type { LineResult, StateResult } from './batch/work.js';
export type { MigratesOne } from './batch/many.js';
export { orderedMap } from './batch/ordered.js';
export type { AnySource } from './batch/ordered.js';
export { MigrationPool, PoolError } from './batch/pool.js';
export type { PoolOptions, MigrateManyOptions } from './batch/pool.js';
export { migrateFile, FileMigrationError } from './batch/file.js';
export type { MigrateFileOptions, FileProgress, FileReport } from './batch/file.js';
export { readLineChunks } from './batch/lines.js';
export type { LineChunk, ReadLinesOptions } from './batch/lines.js';
export { loadProject, loadCompleteProject, loadProblems, ProjectError } from './project.js';
export type { Project, ProjectOptions, SchemasModule } from './project.js';
export { writeFileAtomic } from './files.js';
export { serializeError, reviveError } from './errors.js';
export type { SerializedError } from './errors.js';
