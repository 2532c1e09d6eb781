/**
 * The shared SQL-store layer: a `StateStore` over any {@link SqlDialect}. It opens the
 * dialect once (again after a failure), turns every failure into a `StoreError`, refuses
 * writes by an id that is not unique, and runs the claim / write / reject flow of a batch —
 * one statement for the batch's writes, and row by row behind savepoints (each released at
 * once) only when the database refuses one, so that one refused row never stops a batch.
 *
 * @since 0.1.0
 */
import { describeCause } from '../../core/describe-cause.js';
import {
  StoreError,
  type BatchResult,
  type ClaimedBatch,
  type IdRange,
  type RangedSession,
  type RangedStore,
  type StateStore,
  type StoreLocation,
  type StoreRejection,
  type StoreWrite,
  type VersionCount,
} from '../../core/store.js';
import type { SqlConnection, SqlDialect, SqlTable, WrittenRow } from './dialect.js';

/** What a driver's factory tells {@link sqlStore} beside its dialect. */
export interface SqlStoreOptions {
  /** The store's name in messages, such as `postgres agents.state`. */
  readonly name: string;
  /** How another process opens the same store, when it can. */
  readonly location?: StoreLocation;
  /** Why only one process may migrate the store at a time, if so. */
  readonly singleProcess?: string;
}

/**
 * A store over `dialect`. Nothing is opened until the store is first used.
 *
 * @example
 * export const postgresStore = (options) => sqlStore(postgresDialect(options), { name: 'postgres t.c' })
 * @since 0.1.0
 */
export const sqlStore = <T extends SqlTable, C extends SqlConnection>(
  dialect: SqlDialect<T, C>,
  options: SqlStoreOptions,
): StateStore => {
  const { name } = options;
  let opened: Promise<T> | undefined;

  const wrap = (error: unknown): StoreError =>
    error instanceof StoreError
      ? error
      : new StoreError(`${name}: ${describeCause(error)}`, {
          reason: dialect.reasonOf(error),
          store: name,
          cause: error,
        });

  const open = (): Promise<T> => {
    opened ??= dialect.open().catch((error: unknown) => {
      opened = undefined;
      throw wrap(error);
    });
    return opened;
  };

  /** Runs `f` and turns any failure into a {@link StoreError}. */
  const guarded = async <R>(f: (t: T) => Promise<R>): Promise<R> => {
    try {
      return await f(await open());
    } catch (error) {
      throw wrap(error);
    }
  };

  /** As {@link guarded}, for what reads or writes rows by id: the ids must be unique. */
  const byId = <R>(f: (t: T) => Promise<R>): Promise<R> =>
    guarded(async (known) => {
      let t = known;
      if (t.notUnique !== undefined) {
        // Looked at again: the table may have gained its index since.
        opened = undefined;
        t = await open();
      }
      if (t.notUnique !== undefined) {
        throw new StoreError(t.notUnique, { reason: 'schema', store: name });
      }
      return f(t);
    });

  /** The batch failed at `write`: a `StoreError` naming the row. */
  const rowFailed = (write: StoreWrite, error: unknown): StoreError =>
    new StoreError(`${name}: row ${write.state.id}: ${describeCause(error)}`, {
      reason: dialect.reasonOf(error),
      store: name,
      id: write.state.id,
      cause: error,
    });

  /** Runs `f` behind a savepoint, released whether `f` succeeds or fails (not nested). */
  const behindSavepoint = async <R>(c: C, f: () => Promise<R>): Promise<R> => {
    await c.exec('SAVEPOINT migraph_write');
    let result: R;
    try {
      result = await f();
    } catch (error) {
      if (dialect.rowFailure(error).kind !== 'fatal') {
        await c.exec('ROLLBACK TO SAVEPOINT migraph_write');
        await c.exec('RELEASE SAVEPOINT migraph_write');
      }
      throw error;
    }
    await c.exec('RELEASE SAVEPOINT migraph_write');
    return result;
  };

  /**
   * Writes a batch's migrated states: one statement for the batch; only when it fails, one
   * statement per row, so that a row the database refuses (a value, a constraint, a trigger,
   * an index entry too large) is recorded and the others written. A failure that may be the
   * statement's rather than the row's is the row's only where the statement runs for another
   * row, or with no row at all; else the batch fails.
   */
  const writeBatch = async (
    c: C,
    t: T,
    writes: readonly StoreWrite[],
  ): Promise<{ written: Map<string, WrittenRow>; refused: StoreRejection[] }> => {
    const written = new Map<string, WrittenRow>();
    const refused: StoreRejection[] = [];
    if (writes.length === 0) return { written, refused };
    try {
      for (const row of await behindSavepoint(c, () => dialect.update(c, t, writes))) {
        written.set(row.id, row);
      }
      return { written, refused };
    } catch (error) {
      if (dialect.rowFailure(error).kind === 'fatal') throw error;
    }
    let ran = false;
    const unclear: { write: StoreWrite; why: string }[] = [];
    for (const write of writes) {
      try {
        for (const row of await behindSavepoint(c, () => dialect.update(c, t, [write]))) {
          written.set(row.id, row);
        }
        ran = true;
      } catch (error) {
        const failure = dialect.rowFailure(error);
        if (failure.kind === 'fatal') throw rowFailed(write, error);
        if (failure.kind === 'refused') {
          refused.push({ state: write.state, version: null, error: failure.why });
        } else if (failure.kind === 'row-or-statement') {
          unclear.push({ write, why: failure.why });
        }
        // A transient failure (a deadlock, say) leaves the row to the next pass.
      }
    }
    if (unclear.length > 0 && !ran) {
      // No row's write ran: is it the statement's failure? It must run with no row at all.
      try {
        await behindSavepoint(c, () => dialect.update(c, t, []));
      } catch (error) {
        throw rowFailed(unclear[0]!.write, error);
      }
    }
    for (const { write, why } of unclear) {
      refused.push({ state: write.state, version: null, error: why });
    }
    return { written, refused };
  };

  /** Writes and records a claimed batch inside its transaction. */
  const commitBatch = async (
    c: C,
    t: T,
    writes: readonly StoreWrite[],
    rejections: readonly StoreRejection[],
  ): Promise<BatchResult> => {
    const { written, refused } = await writeBatch(c, t, writes);
    const records = [...rejections, ...refused];
    const recorded = new Set<string>();
    const recordedBefore = new Set<string>();
    if (records.length > 0) {
      for (const id of await dialect.record(c, t, records)) recorded.add(id);
      // A session whose claim began before another one (or another process) committed may
      // claim a row that one has just recorded: it is recorded and counted once, by whoever
      // committed first, and is no conflict.
      const others = records.map((r) => r.state.id).filter((id) => !recorded.has(id));
      if (others.length > 0) {
        for (const id of await dialect.recordedAmong(c, t, others)) recordedBefore.add(id);
      }
    }
    const conflicts = [...writes, ...rejections]
      .map((w) => w.state.id)
      .filter((id) => !written.has(id) && !recorded.has(id) && !recordedBefore.has(id));
    return {
      written: written.size,
      // What the run's last count skips without reading, where the database can tell.
      ...(dialect.pendingBesides === undefined
        ? {}
        : { tokens: [...new Set([...written.values()].map((row) => row.token))] }),
      recorded: recorded.size,
      conflicts,
      refused,
    };
  };

  const session = (target: Parameters<StateStore['session']>[0]): Promise<RangedSession> =>
    byId(async (t) => {
      const c = await dialect.connect(t);
      let broken = false;
      const run = async <R>(f: () => Promise<R>): Promise<R> => {
        try {
          return await f();
        } catch (error) {
          broken = true;
          await c.rollback().catch(() => undefined);
          // The connection's own error says more than "not queryable".
          throw wrap(c.lost() ?? error);
        }
      };
      return {
        claim: (size, after, upTo) =>
          run(async (): Promise<ClaimedBatch | undefined> => {
            await c.beginClaim();
            const rows = await dialect.claim(c, t, target, size, after, upTo);
            if (rows.length === 0) {
              await c.rollback();
              return undefined;
            }
            return {
              states: rows.map((r) => r.state),
              next: rows.at(-1)!.cursor,
              commit: (writes, rejections) =>
                run(() => c.commit(() => commitBatch(c, t, writes, rejections))),
              release: () => run(() => c.rollback()),
            };
          }),
        close: async () => c.release(broken),
      };
    });

  const { bounds, pendingBesides } = dialect;
  const ranged: Pick<RangedStore, 'ranges'> | undefined =
    bounds === undefined
      ? undefined
      : {
          ranges: (rows) =>
            guarded(async (t) => {
              const cursors = await bounds(t, rows);
              return [...cursors, undefined].map((upTo, i): IdRange => ({
                ...(i === 0 ? {} : { after: cursors[i - 1] }),
                ...(upTo === undefined ? {} : { upTo }),
              }));
            }),
        };

  const store: StateStore & Partial<RangedStore> = {
    name,
    prepare: (target, run) =>
      byId(async (t) => {
        await dialect.createRejectedTable(t);
        if (run.retryRejected) await dialect.forgetRejected(t);
        return dialect.count(t, target);
      }),
    session,
    read: (id) => byId((t) => dialect.read(t, id)),
    write: (w) => byId((t) => dialect.write(t, w)),
    countVersions: (path) =>
      guarded(async (t) =>
        (await dialect.countVersions(t, path)).map((r): VersionCount =>
          r.kind === 'version'
            ? { kind: 'version', value: JSON.parse(String(r.value)) as unknown, count: r.count }
            : { kind: r.kind, count: r.count },
        ),
      ),
    ...(options.location === undefined ? {} : { location: options.location }),
    ...(options.singleProcess === undefined ? {} : { singleProcess: options.singleProcess }),
    close: async () => {
      opened = undefined;
      await dialect.close();
    },
    ...ranged,
    ...(pendingBesides === undefined
      ? {}
      : {
          pendingBesides: (target, handled) => guarded((t) => pendingBesides(t, target, handled)),
        }),
  };
  return store;
};
