/**
 * `migraph/core`: the isomorphic core. The version graph, planner and executor (`Migrator`),
 * migration definitions, errors, version helpers, graph lint, diagrams as text, in-process
 * batches and backups as pure functions. No Node built-ins, no I/O, no global state, nothing
 * on import: it runs in browsers, workers, React Native and CommonJS alike.
 *
 * @example
 * import { Migrator } from 'migraph/core';
 * const m = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, tags: [] }));
 * m.migrate({ state_version: '1.0.0' }); // Right({ state_version: '2.0.0', tags: [] })
 *
 * @packageDocumentation
 */
export { Migrator } from './migrator.js';
export type {
  MigratorOptions,
  MigrateCallOptions,
  MigrateOutcome,
  MigrateReport,
  MigrationMeta,
  ResolvedOptions,
  RegistersMigrations,
} from './migrator.js';
export { defineMigration, isMigrationDefinition } from './definition.js';
export type { AnyState, StepFn, StepContext, MigrationDefinition } from './definition.js';
export type { Plan, Step, PlanDirection, PlanOptions, AlternativesOptions } from './planner.js';
export { versioned } from './versioned.js';
export type {
  VersionChain,
  VersionCodecs,
  Versioned,
  VersionedOptions,
  TypedEdge,
  TypedStepResult,
  Unversioned,
  VersionField,
  StateAt,
  VersionSchema,
  TypeOfSchema,
} from './versioned.js';
export type { NewerVersionPolicy } from './migrator-options.js';
export type { EdgeClass, EdgeClassifier } from './readable-from.js';
export { fromStandardSchema, isStandardSchema, StandardSchemaType } from './standard-schema.js';
export type {
  StandardSchemaV1,
  StandardSchemaResult,
  StandardSchemaOptions,
  InferInput,
  InferOutput,
  SchemaInput,
} from './standard-schema.js';
export { toDot, toMermaid } from './diagram.js';
export type { DiagramOptions, DiagramSource } from './diagram.js';
export type { Direction, Edge, EdgeInfo, LiftedStep } from './graph.js';
export type { ValidationMode, TraceEvent } from './executor.js';
export {
  StateVersionError,
  MigrationError,
  MigrationTestError,
  serializeError,
  reviveError,
} from './errors.js';
export { describeCause } from './describe-cause.js';
export type {
  StateVersionReason,
  StateVersionErrorDetails,
  MigrationFailure,
  MigrationErrorDetails,
  MigrationTestErrorDetails,
  MigraphError,
  SerializedError,
} from './errors.js';
export {
  compareVersions,
  isCompatibleVersion,
  parseVersion,
  parseIntegerVersion,
  isVersion,
  sortVersions,
} from './version.js';
export type { Version, VersionFormat, VersionInput } from './version.js';
export { resolveTargetVersion } from './version-field.js';
export type { TargetSource } from './version-field.js';
export { formatValidationErrors } from './report.js';
export { copyState, isPlainObject, MAX_ARRAY_LENGTH } from './copy.js';
export type { StateObject } from './copy.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { createBackup, restoreBackup, BACKUP_KEY } from './backup.js';
export type { Backup, BackupInfo } from './backup.js';
export { check } from './check.js';
export type { CheckReport, CheckIssue, CheckCode, CheckOptions } from './check.js';
export {
  toJsonSchema,
  jsonSchema,
  canonicalJson,
  canonicalText,
  withoutAnnotations,
  JSON_SCHEMA_DIALECT,
  REFINEMENT_MARKER,
  CODEC_MARKER,
} from './json-schema.js';
export type { JsonSchema, JsonValue, SchemaSource } from './json-schema.js';
export type { AnyCodec } from './codec-walker.js';
export { diffSchemas, formatSchemaChange, SCHEMA_CHANGE_KINDS } from './schema-diff.js';
export { compatibility, containment, meetsClass, COMPATIBILITY_CLASSES } from './compatibility.js';
export type {
  Compatibility,
  CompatibilityClass,
  Counterexample,
  DirectionVerdict,
  ContainmentVerdict,
  EdgeVersions,
} from './compatibility.js';
export {
  parseCompatibilityPolicy,
  enforcePolicy,
  requiredClass,
  CompatibilityPolicyError,
} from './compatibility-policy.js';
export type {
  ApprovedBreak,
  CompatibilityPolicy,
  PolicyVerdict,
  PolicyReport,
} from './compatibility-policy.js';
export type { SchemaChange, SchemaChangeKind } from './schema-diff.js';
export { describeVersions } from './describe-versions.js';
export type {
  ChangelogEntry,
  DescribedSource,
  DescribeVersionsOptions,
  EdgeRow,
  FieldRow,
  Upgrade,
  VersionDescription,
  VersionsDescription,
} from './describe-versions.js';
export { compareSnapshots, formatSnapshotIssue } from './snapshot.js';
export type {
  Snapshot,
  SnapshotIssue,
  SnapshotSource,
  CompareSnapshotsOptions,
} from './snapshot.js';
export { migrateMany } from './many.js';
export type { MigratesOne, MigrateManyOptions } from './many.js';
export { orderedMap } from './ordered.js';
export type { AnySource } from './ordered.js';
export { edgeOfFileName, fileNameOfEdge, MIGRATION_FILE } from './naming.js';
export { StoreError, isRanged } from './store.js';
export type {
  StateStore,
  RangedStore,
  RangedSession,
  IdRange,
  HandledRows,
  StoreSession,
  ClaimedBatch,
  BatchResult,
  StoredState,
  StoreTarget,
  StoreWrite,
  StoreRejection,
  RunCounts,
  VersionCount,
  CensusSource,
  StoreReport,
  StoreProgress,
  MigrateStoreOptions,
  StoreProject,
  StoreLocation,
  StoreErrorReason,
  StoreErrorDetails,
} from './store.js';
