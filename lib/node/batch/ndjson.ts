/**
 * The NDJSON chunk loop, the one both `migrateFile` and `migrateNdjson` run: chunks of lines
 * read from a file or a stream, migrated in this thread or in worker threads (in input order,
 * a bounded number in flight), and assembled into output bytes and rejections. What to do
 * with each migrated chunk — append it to a resumable partial file, print it — is the
 * caller's.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../../core/describe-cause.js';
import type { Migrator } from '../../core/migrator.js';
import { orderedMap } from '../../core/ordered.js';
import { resolveTargetVersion } from '../../core/version-field.js';
import { loadCompleteProject, type ProjectOptions } from '../project.js';
import { assembleChunk, type AssembledChunk } from './assemble.js';
import { readLineChunks, splitLineChunks, type LineChunk } from './lines.js';
import { MigrationPool } from './pool.js';
import { migrateLines, type LineResult } from './work.js';
import { checkOptions, type OptionRules } from '../../core/options.js';

/** Why a {@link migrateFile}, {@link migrateNdjson} or {@link migrateJsonFile} run could not finish. */
export type FileMigrationFailure = 'options' | 'project' | 'io' | 'worker' | 'locked';

/**
 * Why a {@link migrateFile}, {@link migrateNdjson} or {@link migrateJsonFile} run could not
 * finish. A `migrateFile` run's partial work stays resumable.
 *
 * @since 0.1.0
 */
export class FileMigrationError extends Error {
  override readonly name = 'FileMigrationError' as const;
  /** What failed. */
  readonly reason: FileMigrationFailure;

  constructor(
    message: string,
    details: { readonly reason: FileMigrationFailure; readonly cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
  }
}

/** Options of {@link migrateNdjson} (and the migrating part of {@link migrateFile}'s). */
export interface MigrateNdjsonOptions {
  /** Target version. Default: the migrator's current version. */
  readonly to?: string;
  /** Migrate in this thread with this migrator (when no worker threads are used). */
  readonly migrator?: Migrator;
  /** The project worker threads load (and this thread, when no `migrator` is given). */
  readonly project?: ProjectOptions;
  /** Worker threads (default 0: migrate in this thread). Needs `project` or `pool`. */
  readonly threads?: number;
  /** A pool to use instead of starting one. */
  readonly pool?: MigrationPool;
  /** Lines per unit of work (default 500). */
  readonly chunkLines?: number;
}

/**
 * One chunk of NDJSON lines, migrated: the lines as read, what became of each, and the bytes
 * to write (lines already at the target byte for byte, blank lines and a BOM included) with
 * one rejection per line that failed.
 */
export interface MigratedChunk extends AssembledChunk {
  readonly chunk: LineChunk;
  /** What became of each line of `chunk.lines`. */
  readonly results: readonly LineResult[];
}

/** Migrates the lines of one chunk, here or in a worker thread. */
type Work = (chunk: LineChunk) => Promise<E.Either<FileMigrationError, LineResult[]>>;

/** What a run migrates with: the migrator, the target, the unit of work. */
export interface PreparedWork {
  readonly migrator: Migrator;
  readonly to: string;
  readonly work: Work;
  /** Chunks in flight: two per worker thread, so none waits idle; one in this thread. */
  readonly inFlight: number;
  /** Closes the pool the run started (not one it was given). */
  readonly close: () => Promise<void>;
}

const invalidUtf8Of = (chunk: LineChunk): number[] =>
  chunk.raw.flatMap((r, i) => (r.utf8 ? [] : [i]));

/** Resolves the migrator, target version and unit of work a run uses. */
export const prepareWork = async (
  options: MigrateNdjsonOptions,
  caller: string,
  /** The caller's options beside these. */
  more: OptionRules = {},
): Promise<E.Either<FileMigrationError, PreparedWork>> => {
  checkOptions(`${caller}()`, options, {
    to: 'any',
    migrator: 'any',
    project: 'any',
    threads: 'any',
    pool: 'any',
    chunkLines: 'any',
    ...more,
  });
  let migrator = options.migrator;
  if (migrator === undefined && options.project !== undefined) {
    const loaded = await loadCompleteProject(options.project);
    if (E.isLeft(loaded))
      return E.left(new FileMigrationError(loaded.left.message, { reason: 'project' }));
    migrator = loaded.right;
  }
  const threads = options.threads ?? 0;
  if (migrator === undefined) {
    return E.left(
      new FileMigrationError(`${caller} needs a migrator or a project`, { reason: 'options' }),
    );
  }
  if (threads > 0 && options.project === undefined && options.pool === undefined) {
    return E.left(
      new FileMigrationError(
        'Worker threads load migrations from a project directory: pass project (or a pool)',
        { reason: 'options' },
      ),
    );
  }
  const to = resolveTargetVersion(migrator, options.to);
  if (E.isLeft(to)) return E.left(new FileMigrationError(to.left.message, { reason: 'options' }));
  const m = migrator;
  const pool =
    options.pool ?? (threads > 0 ? new MigrationPool({ ...options.project!, threads }) : undefined);
  const ownPool = options.pool === undefined && pool !== undefined;
  return E.right({
    migrator: m,
    to: to.right,
    inFlight: pool === undefined ? 1 : pool.threads * 2,
    work: async (chunk) => {
      const invalidUtf8 = invalidUtf8Of(chunk);
      if (pool === undefined) {
        return E.right(await migrateLines(m, chunk.lines, to.right, { invalidUtf8 }));
      }
      const results = await pool.migrateLines(chunk.lines, to.right, invalidUtf8);
      return E.mapLeft(
        (e: Error) => new FileMigrationError(e.message, { reason: 'worker', cause: e }),
      )(results);
    },
    close: async () => {
      if (ownPool) await pool.close();
    },
  });
};

/**
 * The chunk loop: migrates `chunks` with `prepared`'s unit of work, `inFlight` at a time, and
 * yields each assembled chunk in input order. A worker failure or a read error is yielded as
 * a `Left` and ends the loop.
 */
export async function* migrateChunks(
  chunks: AsyncIterable<LineChunk>,
  prepared: Pick<PreparedWork, 'work' | 'inFlight'>,
  name: string,
): AsyncGenerator<E.Either<FileMigrationError, MigratedChunk>> {
  const done = orderedMap(
    chunks,
    async (chunk) => ({ chunk, results: await prepared.work(chunk) }),
    prepared.inFlight,
  );
  try {
    for await (const { chunk, results } of done) {
      if (E.isLeft(results)) {
        yield results;
        return;
      }
      yield E.right({ chunk, results: results.right, ...assembleChunk(chunk, results.right) });
    }
  } catch (cause) {
    yield E.left(
      new FileMigrationError(`Migrating ${name} failed: ${describeCause(cause)}`, {
        reason: 'io',
        cause,
      }),
    );
  }
}

/**
 * Migrates NDJSON from a file or a stream of bytes (stdin, a socket, a download), chunk by
 * chunk, with bounded memory: yields each chunk's output bytes (lines already at the target
 * byte for byte; a line that cannot be written back without loss is rejected, never altered)
 * and its rejections, in input order. Nothing is written: print the bytes, send them on, or
 * use {@link migrateFile} for an atomic, resumable file. Worker threads with `threads` and a
 * `project`. Bad options, a project that fails to load, a read error or a worker crash is
 * yielded as a `Left` that ends the run; rejected lines are not failures.
 *
 * @example
 * for await (const chunk of migrateNdjson(process.stdin, { migrator: m, to: '2.0.0' })) {
 *   if (E.isLeft(chunk)) throw chunk.left
 *   process.stdout.write(chunk.right.output)
 *   for (const r of chunk.right.rejections) console.error(`line ${r.line}: ${r.error}`)
 * }
 * @since 0.1.0
 */
export async function* migrateNdjson(
  input: string | AsyncIterable<Buffer | string>,
  options: MigrateNdjsonOptions = {},
): AsyncGenerator<E.Either<FileMigrationError, MigratedChunk>> {
  const prepared = await prepareWork(options, 'migrateNdjson');
  if (E.isLeft(prepared)) {
    yield prepared;
    return;
  }
  try {
    const read = { chunkLines: options.chunkLines ?? 500 };
    const chunks =
      typeof input === 'string' ? readLineChunks(input, read) : splitLineChunks(input, read);
    yield* migrateChunks(chunks, prepared.right, typeof input === 'string' ? input : 'the input');
  } finally {
    await prepared.right.close();
  }
}
