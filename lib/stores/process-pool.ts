/**
 * Worker processes for `migrateStore(m, store, { workers, project })`: forked as the run
 * begins, each process rebuilds the migrator from the project on disk and opens the same store
 * from its `location` while the run takes its counts, then migrates with one session: first
 * in the ranges of ids the parent hands out in turn (where the store splits its rows so; see
 * `RangedStore`), then in passes over the whole store while rows keep changing; the database
 * shares the rows with other runs as among machines. The parent sums their counts and reports
 * progress; the run's wait for locked states and its last count are `migrateStore`'s, after
 * every worker has ended. A worker killed at any moment loses only its open transaction,
 * which the database rolls back (the rest of its range is left for the next run).
 *
 * @since 0.1.0
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from '#fp/Either.js';
import type {
  HandledRows,
  IdRange,
  RunCounts,
  StoreLocation,
  StoreProgress,
  StoreProject,
} from '../core/store.js';

/** What one worker process did: its counts, and the ids it found at the target. */
export interface WorkerTally {
  readonly migrated: number;
  readonly rejected: number;
  readonly atTarget: readonly string[];
  /**
   * The rows the worker handled, as the run's last count skips them (`HandledRows`: the
   * tokens of its writes, the rows it found at the target as read); absent where the store
   * gives no tokens.
   */
  readonly handled?: HandledRows;
}

/** The job of one worker process: where the project and the store are, and the run. */
export interface ProcessJob {
  readonly project: StoreProject;
  readonly store: StoreLocation;
  /** The target, as the caller gave it (or the migrator's current version). */
  readonly to: string | number;
  readonly batchSize: number;
}

/** What a worker process tells its parent. */
export type ProcessMessage =
  | {
      readonly type: 'progress';
      readonly migrated: number;
      /** States found at the target (written differently, or newer and kept). */
      readonly seen: number;
      readonly rejected: number;
    }
  | { readonly type: 'done'; readonly tally: WorkerTally }
  | { readonly type: 'error'; readonly message: string }
  /** Asks for the next range of ids to claim in. */
  | { readonly type: 'range' };

/**
 * What the parent tells a worker process: its job as soon as it is forked (it loads the
 * project and opens the store meanwhile), then `start` once the run's counts are taken, and
 * the ranges of ids it asks for.
 */
export type ParentMessage =
  | { readonly type: 'job'; readonly job: ProcessJob }
  /** `ranged`: the worker claims in the ranges of ids it asks for, then over the whole store. */
  | { readonly type: 'start'; readonly ranged: boolean }
  /** The next range of ids, in answer to the worker's `range`; none when all are handed out. */
  | { readonly type: 'range'; readonly range?: IdRange };

/** Options of {@link startProcesses}. */
export interface ProcessPoolOptions {
  readonly workers: number;
  readonly job: ProcessJob;
}

/** Worker processes started, waiting for the run's counts before they claim anything. */
export interface ProcessPool {
  /**
   * Lets the workers claim and runs them to the end, summing their counts (the ids found at
   * the target, once each); a `Left` names each worker that failed or stopped, one line each
   * (the others finish their work first). The rows a stopped worker left are done by the next run.
   */
  readonly run: (
    /** The counts of the run's single `prepare`, made before any worker claims. */
    counts: RunCounts,
    /** The ranges of ids the workers claim in, each handed to one (undefined: none). */
    ranges: readonly IdRange[] | undefined,
    onProgress?: (progress: StoreProgress) => void,
  ) => Promise<E.Either<readonly string[], WorkerTally>>;
  /**
   * Kills every worker still running: called as the run ends, when they have all exited
   * already, or when it failed before they were told to start (none has claimed a row then).
   */
  readonly stop: () => void;
}

/**
 * The worker script beside this file: the compiled `process-worker.js`, or, when this file
 * runs from TypeScript source, `process-worker.ts` under tsx's loader (so that a test never
 * runs a stale build).
 */
const workerScript = (): { readonly file: string; readonly execArgv: readonly string[] } => {
  const compiled = fileURLToPath(new URL('./process-worker.js', import.meta.url));
  if (existsSync(compiled)) return { file: compiled, execArgv: process.execArgv };
  const source = fileURLToPath(new URL('./process-worker.ts', import.meta.url));
  const hasTsx = process.execArgv.some((arg) => /(^|[=/\\])tsx(\/|$)/.test(arg));
  return {
    file: source,
    execArgv: hasTsx ? process.execArgv : [...process.execArgv, '--import', 'tsx'],
  };
};

/**
 * The young generation of a worker process, in MiB per semi-space: a worker allocates a
 * parsed state, its migration and its text for every row, and with V8's default (16 MiB)
 * it spends about a fifth of its time in the scavenger. 64 MiB measured 20–25% less CPU per
 * row (100k AgentState rows on PostgreSQL), for up to about 128 MiB more memory per worker.
 * A `--max-semi-space-size` given to this process (its flags or `NODE_OPTIONS`) wins.
 */
export const WORKER_SEMI_SPACE_MIB = 64;

/** The flags a worker process starts with: this process's, and the young generation's size. */
const workerFlags = (execArgv: readonly string[]): readonly string[] =>
  [...execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) =>
    /--max[-_]semi[-_]space[-_]size/.test(flag),
  )
    ? execArgv
    : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`];

/** The project with its paths made absolute: workers may not share the caller's directory. */
const absolute = (project: StoreProject): StoreProject => ({
  ...project,
  dir: path.resolve(project.dir),
  ...(project.schemas === undefined ? {} : { schemas: path.resolve(project.schemas) }),
});

/**
 * Forks `workers` processes at once, so that their start-up (Node, the project, the store's
 * driver) overlaps the run's `prepare`; none claims a row before {@link ProcessPool.run}.
 */
export const startProcesses = (options: ProcessPoolOptions): ProcessPool => {
  const { workers } = options;
  const job: ProcessJob = { ...options.job, project: absolute(options.job.project) };
  const script = workerScript();
  const states = Array.from({ length: workers }, () => ({ migrated: 0, seen: 0, rejected: 0 }));
  let report: (() => void) | undefined;
  const ranges: IdRange[] = [];
  const problems: string[] = [];
  const tallies: WorkerTally[] = [];
  const children = states.map((state, index) => {
    const child = fork(script.file, [], {
      execArgv: [...workerFlags(script.execArgv)],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const send = (message: ParentMessage) => {
      // A worker that has ended already (its project failed to load) has said why.
      if (child.connected) child.send(message, (error) => void error);
    };
    let done = false;
    const ended = new Promise<void>((resolve) => {
      child.on('message', (message: ProcessMessage) => {
        if (message.type === 'range') {
          // A range is taken only by a worker still there to migrate it.
          if (!child.connected) return;
          const range = ranges.shift();
          send(range === undefined ? { type: 'range' } : { type: 'range', range });
        } else if (message.type === 'progress') {
          Object.assign(state, {
            migrated: message.migrated,
            seen: message.seen,
            rejected: message.rejected,
          });
          report?.();
        } else if (message.type === 'done') {
          done = true;
          tallies.push(message.tally);
        } else {
          done = true;
          problems.push(`worker ${index + 1}: ${message.message}`);
        }
      });
      child.on('error', (error) => {
        if (!done) problems.push(`worker ${index + 1}: ${error.message}`);
        done = true;
      });
      child.on('exit', (code, signal) => {
        if (!done) {
          problems.push(
            `worker ${index + 1} stopped (${signal ?? `exit code ${code}`}); its open batch was rolled back, and what it had not claimed is left to the next run: run again`,
          );
        }
        resolve();
      });
    });
    send({ type: 'job', job });
    return { child, ended, send };
  });
  return {
    run: async (counts, given, onProgress) => {
      ranges.push(...(given ?? []));
      report = () => {
        const sum = (f: (s: (typeof states)[number]) => number) =>
          states.reduce((n, s) => n + f(s), 0);
        const migrated = sum((s) => s.migrated);
        const seen = sum((s) => s.seen);
        const rejected = sum((s) => s.rejected);
        onProgress?.({
          done: migrated + seen + rejected,
          total: counts.pending,
          migrated,
          alreadyAtTarget: counts.atTarget + seen,
          rejected,
        });
      };
      for (const { send } of children) send({ type: 'start', ranged: given !== undefined });
      await Promise.all(children.map((c) => c.ended));
      if (problems.length > 0) return E.left(problems);
      const atTarget = new Set(tallies.flatMap((t) => t.atTarget));
      const handled = tallies.map((t) => t.handled);
      return E.right({
        migrated: tallies.reduce((n, t) => n + t.migrated, 0),
        rejected: tallies.reduce((n, t) => n + t.rejected, 0),
        atTarget: [...atTarget],
        ...(handled.every((h) => h !== undefined)
          ? {
              handled: {
                tokens: handled.flatMap((h) => h.tokens),
                seen: handled.flatMap((h) => h.seen),
              },
            }
          : {}),
      });
    },
    stop: () => {
      for (const { child } of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill();
      }
    },
  };
};
