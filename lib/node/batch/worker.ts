/**
 * The worker-thread side of a {@link MigrationPool}: loads the project (migrations directory
 * and schemas module) once per thread, then migrates the lines or states it is sent.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import type { Migrator } from '../../core/migrator.js';
import { loadCompleteProject, type ProjectOptions } from '../project.js';
import { migrateLines, migrateStates, type LineResult, type StateResult } from './work.js';

/** A job for a worker. */
export interface WorkerTask {
  readonly project: ProjectOptions;
  readonly to: string;
  readonly lines?: readonly string[];
  /** Indices of `lines` whose bytes were not valid UTF-8. */
  readonly invalidUtf8?: readonly number[];
  readonly states?: readonly unknown[];
}

/** A worker's answer. */
export type WorkerReply =
  | { readonly kind: 'lines'; readonly results: LineResult[] }
  | { readonly kind: 'states'; readonly results: StateResult[] }
  | { readonly kind: 'load-failed'; readonly message: string };

const projects = new Map<string, Promise<E.Either<string, Migrator>>>();

const migratorFor = (project: ProjectOptions): Promise<E.Either<string, Migrator>> => {
  const key = JSON.stringify([
    project.dir,
    project.schemas,
    project.loadTimeoutMs,
    project.validate,
  ]);
  let loaded = projects.get(key);
  if (loaded === undefined) {
    loaded = loadCompleteProject(project).then(E.mapLeft((e) => e.message));
    projects.set(key, loaded);
  }
  return loaded;
};

/** Runs one task (the piscina entry point). */
export default async function run(task: WorkerTask): Promise<WorkerReply> {
  const migrator = await migratorFor(task.project);
  if (E.isLeft(migrator)) return { kind: 'load-failed', message: migrator.left };
  return task.lines !== undefined
    ? {
        kind: 'lines',
        results: await migrateLines(migrator.right, task.lines, task.to, {
          invalidUtf8: task.invalidUtf8 ?? [],
        }),
      }
    : {
        kind: 'states',
        results: await migrateStates(migrator.right, task.states ?? [], task.to),
      };
}
