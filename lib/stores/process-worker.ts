/**
 * One worker process of `migrateStore(m, store, { workers, project })`: it receives its job
 * over IPC, rebuilds the migrator from the project, opens the store from its location, waits
 * for the parent's `start` (sent once the run's counts are taken), migrates batches with one
 * session until none is left (first in the ranges of ids it asks the parent for, one at a
 * time), and reports its progress and counts (with the ids it found at the target) back.
 * Killing it loses only its open transaction. A script to fork, not a module to import.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/describe-cause.js';
import type { IdRange, StateStore } from '../core/store.js';
import { loadCompleteProject } from '../node/project.js';
import { runWorker } from './migrate.js';
import type { ParentMessage, ProcessJob, ProcessMessage } from './process-pool.js';

const send = (message: ProcessMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });

/** The store the job names, opened by its driver's factory. */
const openStore = async (job: ProcessJob): Promise<StateStore> => {
  const driver = (await import(job.store.module)) as Record<string, unknown>;
  const factory = driver[job.store.factory];
  if (typeof factory !== 'function') {
    throw new TypeError(`${job.store.module} exports no store factory ${job.store.factory}`);
  }
  return (factory as (options: unknown) => StateStore)(job.store.options);
};

/** The parent's messages after the job: its `start`, and the ranges of ids it hands out. */
const fromParent = () => {
  let gone = false;
  /** Resolves the pending `nextRange` with the range the parent sent. */
  let answer: ((range: IdRange | undefined) => void) | undefined;
  /** The parent's `start` (whether to claim by range); undefined when it has gone instead. */
  const started = new Promise<{ ranged: boolean } | undefined>((resolve) => {
    process.on('message', (message: ParentMessage) => {
      if (message.type === 'start') resolve({ ranged: message.ranged });
      else if (message.type === 'range') answer?.(message.range);
    });
    process.once('disconnect', () => {
      gone = true;
      resolve(undefined);
      answer?.(undefined);
    });
  });
  /** The next range of ids to claim in; undefined when none is left (or the parent has gone). */
  const nextRange = () =>
    new Promise<IdRange | undefined>((resolve) => {
      if (gone) return resolve(undefined);
      answer = resolve;
      void send({ type: 'range' });
    });
  return { started, nextRange };
};

const run = async (job: ProcessJob, parent: ReturnType<typeof fromParent>): Promise<void> => {
  // Loaded and opened while the parent takes the run's counts; nothing is claimed before.
  const project = await loadCompleteProject(job.project);
  if (E.isLeft(project)) throw project.left;
  const store = await openStore(job);
  try {
    const start = await parent.started;
    if (start === undefined) return;
    const tally = await runWorker(
      project.right,
      store,
      job,
      (progress) => void send({ type: 'progress', ...progress }),
      start.ranged ? parent.nextRange : undefined,
    );
    await send({ type: 'done', tally });
  } finally {
    await store.close();
  }
};

/** Lets the process end once its work is reported (the parent may be gone already). */
const leave = (): void => {
  if (process.connected) process.disconnect();
};

process.once('message', (message: ParentMessage) => {
  if (message.type !== 'job') return;
  run(message.job, fromParent()).then(leave, async (error: unknown) => {
    await send({ type: 'error', message: describeCause(error) });
    process.exitCode = 1;
    leave();
  });
});
