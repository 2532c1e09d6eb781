/**
 * One worker process of `migraph migrate --store … --workers n`: it receives its job from the
 * command over IPC, migrates batches with one session until none is left, and reports its
 * progress and counts back. Killing it loses only its open transaction.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/errors.js';
import { loadCompleteProject } from '../node/project.js';
import { migrateStore } from '../stores/migrate.js';
import { openStore, type StoreJob, type WorkerMessage } from './store.js';

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });

const run = async (job: StoreJob): Promise<void> => {
  const project = await loadCompleteProject(job.project);
  if (E.isLeft(project)) throw project.left;
  const store = await openStore(job.store);
  let last = { migrated: 0, seen: 0, rejected: 0 };
  try {
    const result = await migrateStore(project.right, store, {
      to: job.to,
      batchSize: job.batchSize,
      onProgress: (p) => {
        last = {
          migrated: p.migrated,
          seen: p.done - p.migrated - p.rejected,
          rejected: p.rejected,
        };
        void send({ type: 'progress', ...last });
      },
    });
    if (E.isLeft(result)) throw result.left;
    await send({ type: 'done', report: result.right, seen: last.seen });
  } finally {
    await store.close();
  }
};

/** Lets the process end once its work is reported (the command may be gone already). */
const leave = (): void => {
  if (process.connected) process.disconnect();
};

process.once('message', (job: StoreJob) => {
  run(job).then(leave, async (error: unknown) => {
    await send({ type: 'error', message: describeCause(error) });
    process.exitCode = 1;
    leave();
  });
});
