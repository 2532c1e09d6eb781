/**
 * Where a self-registering script's `registerMigration` calls go while a directory is being
 * loaded: into a capture migrator of that load, never into the default migrator. The target
 * is kept on `globalThis` under a registered symbol so that every copy of the package in the
 * process (a TypeScript loader may instantiate a second one) sees the same load.
 *
 * @since 0.1.0
 */
import type { RegistersMigrations } from '../core/migrator.js';

const TARGET = Symbol.for('migraph.registrationTarget');

interface Holder {
  [TARGET]?: RegistersMigrations;
}

/** The migrator that `registerMigration` writes into during a load, if a load is running. */
export const registrationTarget = (): RegistersMigrations | undefined =>
  (globalThis as Holder)[TARGET];

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` with `registerMigration` calls going to `target`. Loads run one at a time
 * (queued), so two concurrent loads never receive each other's registrations.
 *
 * @example
 * await withRegistrationTarget(capture, () => import(url))
 */
export const withRegistrationTarget = <A>(
  target: RegistersMigrations,
  load: () => Promise<A>,
): Promise<A> => {
  const run = queue.then(async () => {
    const holder = globalThis as Holder;
    const previous = holder[TARGET];
    holder[TARGET] = target;
    try {
      return await load();
    } finally {
      holder[TARGET] = previous;
    }
  });
  queue = run.catch(() => undefined);
  return run;
};
