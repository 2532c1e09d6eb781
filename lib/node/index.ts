/**
 * `migraph/node`: what needs Node. The migration-script loader, project loading, file
 * migration (NDJSON streaming, resumable and atomic; JSON documents), the worker pool, and SVG
 * rendering.
 *
 * @example
 * import { loadCompleteProject, migrateFile } from 'migraph/node';
 *
 * @packageDocumentation
 */
export { loadMigrationsInto, defaultMigrationsDir } from './loader.js';
export type { LoadReport, LoadedFile, LoadOptions } from './loader.js';
export { loadProject, loadCompleteProject, loadProblems, ProjectError } from './project.js';
export type { Project, ProjectOptions, SchemasModule } from './project.js';
export { renderSvg } from './render-svg.js';
export { writeDocs } from './docs/write-docs.js';
export type { DocsFormat, DocsReport, WriteDocsOptions } from './docs/write-docs.js';
export { writeSnapshots, readSnapshots, checkSnapshots, snapshotHash } from './snapshots.js';
export type {
  SnapshotWriteReport,
  SnapshotDirOptions,
  SnapshotSet,
  CheckSnapshotsOptions,
} from './snapshots.js';
export { MigrationPool, PoolError } from './batch/pool.js';
export type { PoolOptions, PoolMigrateOptions } from './batch/pool.js';
export { migrateFile, outputFilesOf, findOutputCollision } from './batch/file.js';
export type {
  MigrateFileOptions,
  FileProgress,
  FileReport,
  OutputJob,
  OutputCollision,
} from './batch/file.js';
export { migrateNdjson, FileMigrationError } from './batch/ndjson.js';
export type { MigrateNdjsonOptions, MigratedChunk, FileMigrationFailure } from './batch/ndjson.js';
export type { AssembledChunk, Rejection } from './batch/assemble.js';
export { migrateJson, migrateJsonFile } from './batch/json-file.js';
export type {
  MigrateJsonOptions,
  JsonStateResult,
  JsonReport,
  JsonFileReport,
} from './batch/json-file.js';
export { readLineChunks } from './batch/lines.js';
export type { LineBytes, LineChunk, ReadLinesOptions } from './batch/lines.js';
export type { LineResult, StateResult } from './batch/work.js';
export { writeFileAtomic, checkReplaceable } from './files.js';
