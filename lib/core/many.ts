/**
 * `Migrator.migrateMany`: migrate a collection, sync or async, in input order, one `Either`
 * per state so that one bad state never stops the batch.
 *
 * @since 0.1.0
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { MigraphError } from './errors.js';
import { orderedMap, type AnySource } from './ordered.js';

/** Options of {@link migrateMany}. */
export interface MigrateManyOptions {
  /** States in flight at once: a read-ahead on async sources (default 1). */
  readonly concurrency?: number;
  /** Called after each result, with the counts so far. */
  readonly onProgress?: (progress: { readonly done: number; readonly failed: number }) => void;
}

/** What `migrateMany` needs of a migrator. */
export interface MigratesOne<S> {
  migrate(state: unknown, to?: string): E.Either<MigraphError, S>;
}

/**
 * Migrates every state of `states` with `m`, yielding results in input order. With an async
 * source, `concurrency` states are read ahead while earlier ones migrate.
 *
 * @example
 * for await (const r of migrateMany(m, cursor, '2.0.0', { concurrency: 16 })) …
 */
export async function* migrateMany<S>(
  m: MigratesOne<S>,
  states: AnySource<unknown>,
  to: string | undefined,
  options: MigrateManyOptions = {},
): AsyncGenerator<E.Either<MigraphError, S>> {
  let done = 0;
  let failed = 0;
  const report = (result: E.Either<MigraphError, S>) => {
    done++;
    if (result._tag === 'Left') failed++;
    options.onProgress?.({ done, failed });
    return result;
  };
  if (!(Symbol.asyncIterator in states)) {
    // Nothing to read ahead in a sync source: migrate each state as it is asked for.
    for (const state of states) yield report(m.migrate(state, to));
    return;
  }
  for await (const result of orderedMap(
    states,
    (state) => m.migrate(state, to),
    options.concurrency ?? 1,
  )) {
    yield report(result);
  }
}
