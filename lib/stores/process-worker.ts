/**
 * One worker process of `migrateStore(m, store, { workers, project })`: it receives its job
 * over IPC, rebuilds the migrator from the project, opens the store from its location, waits
 * for the parent's `start` (sent once the run's counts are taken), migrates batches with one
 * session until none is left, and reports its progress and counts (with the ids it found at
 * the target) back. Killing it loses only its open transaction. A script to fork, not a
 * module to import.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/describe-cause.js';
import type { StateStore } from '../core/store.js';
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

/** Waits for the parent's `start`: false when the parent has gone instead (its run failed). */
const started = (): Promise<boolean> =>
  new Promise((resolve) => {
    const onMessage = (message: ParentMessage) => {
      if (message.type !== 'start') return;
      process.off('disconnect', onGone);
      resolve(true);
    };
    const onGone = () => {
      process.off('message', onMessage);
      resolve(false);
    };
    process.on('message', onMessage);
    process.once('disconnect', onGone);
  });

const run = async (job: ProcessJob, start: Promise<boolean>): Promise<void> => {
  // Loaded and opened while the parent takes the run's counts; nothing is claimed before.
  const project = await loadCompleteProject(job.project);
  if (E.isLeft(project)) throw project.left;
  const store = await openStore(job);
  try {
    if (!(await start)) return;
    const tally = await runWorker(project.right, store, job, (progress) => {
      void send({ type: 'progress', ...progress });
    });
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
  run(message.job, started()).then(leave, async (error: unknown) => {
    await send({ type: 'error', message: describeCause(error) });
    process.exitCode = 1;
    leave();
  });
});
