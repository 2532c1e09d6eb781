/**
 * `Migrator.migrateMany`: migrate a collection, sync or async, in input order, one `Either`
 * per state so that one bad state never stops the batch.
 *
 * @since 0.1.0
 */
import type * as E from '#fp/Either.js';
import type { MigraphError } from './errors.js';
import { checkOptions } from './options.js';
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
  migrateAsync(state: unknown, to?: string | number): Promise<E.Either<MigraphError, S>>;
}

/**
 * Migrates every state of `states` with `m`, yielding results in input order. Steps may be
 * async; at most `concurrency` states are in flight (and read ahead from an async source).
 * Invalid options are a `TypeError` at the call, before anything is read.
 *
 * @example
 * for await (const r of migrateMany(m, cursor, '2.0.0', { concurrency: 16 })) if (E.isRight(r)) await save(r.right)
 */
export const migrateMany = <S>(
  m: MigratesOne<S>,
  states: AnySource<unknown>,
  to: string | number | undefined,
  options: MigrateManyOptions = {},
): AsyncGenerator<E.Either<MigraphError, S>> => {
  checkOptions('migrateMany()', options, {
    concurrency: 'positive integer',
    onProgress: 'function',
  });
  return runMigrateMany(m, states, to, options);
};

async function* runMigrateMany<S>(
  m: MigratesOne<S>,
  states: AnySource<unknown>,
  to: string | number | undefined,
  options: MigrateManyOptions,
): AsyncGenerator<E.Either<MigraphError, S>> {
  const concurrency = options.concurrency ?? 1;
  let done = 0;
  let failed = 0;
  for await (const result of orderedMap(
    states,
    (state) => m.migrateAsync(state, to),
    concurrency,
  )) {
    done++;
    if (result._tag === 'Left') failed++;
    options.onProgress?.({ done, failed });
    yield result;
  }
}
