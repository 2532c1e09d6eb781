/**
 * A pool of worker threads (piscina) that migrate in parallel. Each thread loads the same
 * project (migrations directory and schemas module) once, so the pool migrates with exactly
 * the migrations the main thread would.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { reviveError, type MigraphError } from '../../core/errors.js';
import { describeCause } from '../../core/describe-cause.js';
import type { ProjectOptions } from '../project.js';
import { orderedMap, type AnySource } from '../../core/ordered.js';
import type { MigrateManyOptions } from '../../core/many.js';
import type { LineResult, StateResult } from './work.js';
import type { WorkerReply, WorkerTask } from './worker.js';
import { checkOptions } from '../../core/options.js';
import { PROJECT_OPTIONS } from '../project.js';

/** Options of {@link MigrationPool}. */
export interface PoolOptions extends ProjectOptions {
  /** Worker threads (default 2), at most the machine's available parallelism. */
  readonly threads?: number;
}

/** Options of {@link MigrationPool.migrateMany} and `Migrator.migrateMany`. */
/** Options of {@link MigrationPool.migrateMany}: those of the in-process one, plus batching. */
export interface PoolMigrateOptions extends MigrateManyOptions {
  /** States per message to a worker (default 64). */
  readonly batchSize?: number;
}

/** The pool could not do its work: the project failed to load in a worker, or a worker died. */
export class PoolError extends Error {
  override readonly name = 'PoolError' as const;
}

/**
 * The worker module: the compiled `worker.js` beside this file. When this file runs from
 * TypeScript source (tests under tsx), the workers still run the compiled worker of the
 * package's `dist/` (built by `npm run build`): worker threads do not inherit tsx's loader.
 */
const workerFile = (): string => {
  const beside = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../../dist/lib/node/batch/worker.js', import.meta.url));
};

async function* batches<T>(source: AnySource<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of source) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A value that cannot cross to or from a worker thread (a function, a class instance, …). */
const isCloneError = (error: unknown): boolean =>
  (error as { name?: unknown } | null)?.name === 'DataCloneError' ||
  /could not be cloned|DataCloneError/.test(describeCause(error));

/** The per-state error for a state that cannot be sent to a worker thread, or back. */
const notCloneable = (cause: unknown): StateResult => ({
  ok: false,
  error: {
    name: 'StateVersionError',
    message: `The state cannot be passed to or from a worker thread: ${describeCause(cause)}`,
    reason: 'not_json',
  },
});

/**
 * Worker threads that migrate NDJSON lines and states with a project's migrations. Threads
 * start as work arrives (none before the first task), at most `threads` of them, and
 * `threads` is capped at the machine's available parallelism.
 *
 * @example
 * const pool = new MigrationPool({ dir: './migrations', threads: 4 })
 * for await (const r of pool.migrateMany(states, '1.1.0')) if (E.isRight(r)) await save(r.right)
 * await pool.close()
 */
export class MigrationPool {
  /** Number of worker threads. */
  readonly threads: number;
  private readonly piscina: Piscina<WorkerTask, WorkerReply>;

  constructor(private readonly project: PoolOptions) {
    checkOptions('new MigrationPool()', project, { ...PROJECT_OPTIONS, threads: 'any' });
    this.threads = Math.min(
      Math.max(1, Math.floor(project.threads ?? 2)),
      Math.max(1, availableParallelism()),
    );
    this.piscina = new Piscina<WorkerTask, WorkerReply>({
      filename: workerFile(),
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: 60_000,
      // A small young generation: a worker's memory stays flat over long runs (V8 grows it with
      // the allocation rate otherwise: 1M-line runs peaked 1.44x a 100k-line one, now 1.13x).
      resourceLimits: { maxYoungGenerationSizeMb: 6 },
    });
    // A worker's failure reaches the task that was running; never the process.
    this.piscina.on('error', () => undefined);
  }

  /** Worker threads started so far (they start as work arrives). */
  get startedThreads(): number {
    return this.piscina.threads.length;
  }

  private async run(task: Omit<WorkerTask, 'project'>): Promise<E.Either<PoolError, WorkerReply>> {
    try {
      const reply = await this.piscina.run({
        ...task,
        project: {
          dir: this.project.dir,
          schemas: this.project.schemas,
          loadTimeoutMs: this.project.loadTimeoutMs,
          validate: this.project.validate,
        },
      });
      return reply.kind === 'load-failed'
        ? E.left(new PoolError(`A worker could not load the migrations: ${reply.message}`))
        : E.right(reply);
    } catch (cause) {
      return E.left(new PoolError(`A worker failed: ${(cause as Error).message}`, { cause }));
    }
  }

  /** Migrates NDJSON lines in a worker (see `migrateLines`). */
  async migrateLines(
    lines: readonly string[],
    to: string,
    invalidUtf8: readonly number[] = [],
  ): Promise<E.Either<PoolError, LineResult[]>> {
    const reply = await this.run({ lines, to, invalidUtf8 });
    return E.map((r: WorkerReply) => (r.kind === 'lines' ? r.results : []))(reply);
  }

  /** Migrates a batch of states; a state that cannot cross the thread boundary fails alone. */
  private async migrateBatch(
    states: readonly unknown[],
    to: string,
  ): Promise<E.Either<PoolError, StateResult[]>> {
    const reply = await this.run({ states, to });
    if (E.isRight(reply)) return E.right(reply.right.kind === 'states' ? reply.right.results : []);
    if (!isCloneError(reply.left.cause)) return reply;
    const results: StateResult[] = [];
    for (const state of states) {
      const one = states.length === 1 ? reply : await this.run({ states: [state], to });
      if (E.isRight(one)) results.push(...(one.right.kind === 'states' ? one.right.results : []));
      else if (isCloneError(one.left.cause)) results.push(notCloneable(one.left.cause));
      else return one;
    }
    return E.right(results);
  }

  /**
   * Migrates states in the workers, `batchSize` per message and `concurrency` batches in
   * flight, yielding one `Either` per state in input order. A state that cannot be passed to
   * a worker thread (or whose result cannot come back) is a `Left` of its own. A
   * {@link PoolError} (the project does not load in a worker) ends the iteration by throwing.
   */
  async *migrateMany<S = unknown>(
    states: AnySource<unknown>,
    to: string,
    options: PoolMigrateOptions = {},
  ): AsyncGenerator<E.Either<MigraphError, S>> {
    let done = 0;
    let failed = 0;
    const results = orderedMap(
      batches(states, options.batchSize ?? 64),
      async (batch) => {
        const reply = await this.migrateBatch(batch, to);
        if (E.isLeft(reply)) throw reply.left;
        return reply.right;
      },
      options.concurrency ?? this.threads * 2,
    );
    for await (const batch of results) {
      for (const result of batch) {
        done++;
        if (!result.ok) failed++;
        options.onProgress?.({ done, failed });
        yield result.ok ? E.right(result.state as S) : E.left(reviveError(result.error));
      }
    }
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
