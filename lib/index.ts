/**
 * migraph: migrate versioned JSON state between schema versions along shortest paths of a
 * version graph.
 *
 * @packageDocumentation
 */
export { Migrator } from './migrator.js';
export type { MigratorOptions, MigrationMeta, EdgeInfo, ResolvedOptions } from './migrator.js';
export { defineMigration, isMigrationDefinition } from './definition.js';
export type { AnyState, StepFn, MigrationDefinition } from './definition.js';
export type { Plan, Step, PlanDirection, PlanOptions } from './planner.js';
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
