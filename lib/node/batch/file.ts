/**
 * `migrateFile`: NDJSON in, NDJSON out, with bounded memory, optional worker threads, a
 * rejected-lines file, atomic output, and resumption after a crash.
 *
 * How a crash is survived: results are appended to `<output>.partial` (and
 * `<rejected>.partial`), and every `checkpointLines` lines the partial files are flushed to
 * disk and a progress record (`<output>.progress.json`: input offset and line, bytes of each
 * partial file, counts) is replaced atomically. A new run with the same input and output
 * finds the record, cuts the partial files back to the recorded sizes (dropping whatever was
 * written after the last checkpoint), and carries on from the recorded input offset, so every
 * input line ends up in exactly one of the output and the rejected file, once. When all lines
 * are done the record is marked `committing` and the partial files are renamed into place;
 * a crash during that step is finished by the next run.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js';
import { existsSync } from 'node:fs';
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { describeCause } from '../../core/errors.js';
import type { Migrator } from '../../core/migrator.js';
import { loadCompleteProject, type ProjectOptions } from '../project.js';
import { parseVersion } from '../../core/version.js';
import { syncDirectory, writeFileAtomic } from '../files.js';
import { readLineChunks } from './lines.js';
import { orderedMap } from '../../core/ordered.js';
import { MigrationPool } from './pool.js';
import { migrateLines, type LineResult } from './work.js';

/** Options of {@link migrateFile}. */
export interface MigrateFileOptions {
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
  /** Where rejected lines go. Default `<output>.rejected.ndjson`. */
  readonly rejectedFile?: string;
  /** Write no output unless every line migrates (for in-place rewrites). */
  readonly allOrNothing?: boolean;
  /** Lines per unit of work (default 500). */
  readonly chunkLines?: number;
  /** Lines between two durable progress records (default 20,000). */
  readonly checkpointLines?: number;
  /** Called after each chunk, checkpoint and commit. */
  readonly onProgress?: (progress: FileProgress) => void;
}

/** Where a {@link migrateFile} run is. */
export interface FileProgress {
  readonly phase: 'chunk' | 'checkpoint' | 'commit';
  /** Input lines done (blank lines included). */
  readonly line: number;
  /** Input bytes done, and in all. */
  readonly bytes: number;
  readonly totalBytes: number;
  readonly written: number;
  readonly unchanged: number;
  readonly rejected: number;
}

/** The outcome of a {@link migrateFile} run. */
export interface FileReport {
  readonly input: string;
  readonly output: string;
  /** The rejected-lines file, when there were rejected lines (and not `allOrNothing`). */
  readonly rejectedFile: string | undefined;
  /** Non-blank input lines: `written + rejected`. */
  readonly lines: number;
  /** Lines written to the output (`unchanged` of them were already at the target). */
  readonly written: number;
  readonly unchanged: number;
  readonly rejected: number;
  /** The first rejections (at most 100), with their line numbers. */
  readonly rejections: readonly { readonly line: number; readonly error: string }[];
  /** The line an interrupted run had reached, when this run resumed it. */
  readonly resumedFromLine: number | undefined;
  /** False when `allOrNothing` kept the output from being written. */
  readonly committed: boolean;
}

/** Why a {@link migrateFile} run could not finish. Its partial work stays resumable. */
export class FileMigrationError extends Error {
  override readonly name = 'FileMigrationError' as const;
  constructor(
    message: string,
    readonly reason: 'options' | 'project' | 'io' | 'worker',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Counts {
  written: number;
  unchanged: number;
  rejected: number;
}

interface Checkpoint extends Counts {
  readonly format: 'migraph-progress/1';
  readonly input: { readonly path: string; readonly size: number; readonly mtimeMs: number };
  readonly to: string;
  readonly rejectedFile: string;
  readonly allOrNothing: boolean;
  readonly offset: number;
  readonly line: number;
  readonly outBytes: number;
  readonly rejectedBytes: number;
  readonly phase: 'running' | 'committing';
}

const REJECTIONS_KEPT = 100;

/** The files of a run. */
const filesOf = (output: string, rejectedFile: string) => ({
  partial: `${output}.partial`,
  rejectedPartial: `${rejectedFile}.partial`,
  progress: `${output}.progress.json`,
});

const readCheckpoint = async (file: string): Promise<Checkpoint | undefined> => {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
    return data.format === 'migraph-progress/1' ? data : undefined;
  } catch {
    return undefined;
  }
};

/** Opens a partial file cut back to `bytes` (a fresh, empty one when `bytes` is 0). */
const openPartial = async (file: string, bytes: number): Promise<FileHandle> => {
  if (bytes === 0) return open(file, 'w');
  const handle = await open(file, 'r+');
  const { size } = await handle.stat();
  if (size < bytes) {
    await handle.close();
    throw new Error(`${file} is shorter than its progress record says`);
  }
  await handle.truncate(bytes);
  return handle;
};

const openPartials = async (
  files: ReturnType<typeof filesOf>,
  state: Checkpoint,
): Promise<[FileHandle, FileHandle]> => {
  const out = await openPartial(files.partial, state.outBytes);
  try {
    return [out, await openPartial(files.rejectedPartial, state.rejectedBytes)];
  } catch (error) {
    await out.close();
    throw error;
  }
};

const renameIfThere = async (from: string, to: string): Promise<void> => {
  if (existsSync(from)) await rename(from, to);
};

/** Renames the partial files into place and drops the progress record (idempotent). */
const commit = async (
  output: string,
  rejectedFile: string,
  checkpoint: Checkpoint,
): Promise<boolean> => {
  const files = filesOf(output, rejectedFile);
  const keep = !(checkpoint.allOrNothing && checkpoint.rejected > 0);
  if (keep) await renameIfThere(files.partial, output);
  else await rm(files.partial, { force: true });
  if (keep && !checkpoint.allOrNothing && checkpoint.rejected > 0) {
    await renameIfThere(files.rejectedPartial, rejectedFile);
  } else {
    await rm(files.rejectedPartial, { force: true });
    if (keep) await rm(rejectedFile, { force: true });
  }
  await syncDirectory(path.dirname(path.resolve(output)));
  await rm(files.progress, { force: true });
  await syncDirectory(path.dirname(path.resolve(output)));
  return keep;
};

/** Resolves the migrator, target version and unit of work a run uses. */
const prepare = async (
  options: MigrateFileOptions,
): Promise<
  E.Either<
    FileMigrationError,
    {
      to: string;
      work: (lines: readonly string[]) => Promise<E.Either<FileMigrationError, LineResult[]>>;
      /** Chunks in flight: two per worker thread, so none waits idle; one in this thread. */
      inFlight: number;
      close: () => Promise<void>;
    }
  >
> => {
  let migrator = options.migrator;
  if (migrator === undefined && options.project !== undefined) {
    const loaded = await loadCompleteProject(options.project);
    if (E.isLeft(loaded)) return E.left(new FileMigrationError(loaded.left.message, 'project'));
    migrator = loaded.right;
  }
  const threads = options.threads ?? 0;
  if (migrator === undefined) {
    return E.left(new FileMigrationError('migrateFile needs a migrator or a project', 'options'));
  }
  if (threads > 0 && options.project === undefined && options.pool === undefined) {
    return E.left(
      new FileMigrationError(
        'Worker threads load migrations from a project directory: pass project (or a pool)',
        'options',
      ),
    );
  }
  const target = options.to ?? migrator.targetVersion();
  if (target === undefined) {
    return E.left(new FileMigrationError('No target version: pass to', 'options'));
  }
  const to = parseVersion(target);
  if (E.isLeft(to)) return E.left(new FileMigrationError(to.left.message, 'options'));
  const m = migrator;
  const pool =
    options.pool ?? (threads > 0 ? new MigrationPool({ ...options.project!, threads }) : undefined);
  const ownPool = options.pool === undefined && pool !== undefined;
  return E.right({
    to: to.right,
    inFlight: pool === undefined ? 1 : pool.threads * 2,
    work: async (lines) => {
      if (pool === undefined) return E.right(migrateLines(m, lines, to.right));
      const results = await pool.migrateLines(lines, to.right);
      return E.mapLeft((e: Error) => new FileMigrationError(e.message, 'worker', { cause: e }))(
        results,
      );
    },
    close: async () => {
      if (ownPool) await pool.close();
    },
  });
};

/**
 * Migrates an NDJSON file line by line into `output` (written atomically), with rejected
 * lines in `<output>.rejected.ndjson` as `{ line, error, input }`. Memory stays bounded by
 * the lines in flight, whatever the file size. Running it again after a crash resumes the
 * interrupted run (see the module comment). A failure to read, write or load is a `Left`;
 * rejected lines are not failures, they are counted in the report.
 *
 * @example
 * const report = await migrateFile('states.ndjson', 'out/states.ndjson', {
 *   project: { dir: './migrations' },
 *   threads: 2,
 * })
 * // Right({ lines: 1000000, written: 999998, rejected: 2, rejectedFile: 'out/states.ndjson.rejected.ndjson', … })
 */
export const migrateFile = async (
  input: string,
  output: string,
  options: MigrateFileOptions = {},
): Promise<E.Either<FileMigrationError, FileReport>> => {
  const prepared = await prepare(options);
  if (E.isLeft(prepared)) return prepared;
  const { to, work, inFlight, close } = prepared.right;
  try {
    return await run(input, output, { to, work, inFlight }, options);
  } catch (cause) {
    const error =
      cause instanceof FileMigrationError
        ? cause
        : new FileMigrationError(`Migrating ${input} failed: ${describeCause(cause)}`, 'io', {
            cause,
          });
    return E.left(error);
  } finally {
    await close();
  }
};

const run = async (
  input: string,
  output: string,
  {
    to,
    work,
    inFlight,
  }: {
    to: string;
    work: (lines: readonly string[]) => Promise<E.Either<FileMigrationError, LineResult[]>>;
    inFlight: number;
  },
  options: MigrateFileOptions,
): Promise<E.Either<FileMigrationError, FileReport>> => {
  const rejectedFile = options.rejectedFile ?? `${output}.rejected.ndjson`;
  const allOrNothing = options.allOrNothing === true;
  const files = filesOf(output, rejectedFile);
  const info = await stat(input);
  const identity = { path: path.resolve(input), size: info.size, mtimeMs: info.mtimeMs };
  const report = (checkpoint: Checkpoint, committed: boolean, extra: Partial<FileReport>) =>
    E.right({
      input,
      output,
      rejectedFile:
        committed && !allOrNothing && checkpoint.rejected > 0 ? rejectedFile : undefined,
      lines: checkpoint.written + checkpoint.rejected,
      written: checkpoint.written,
      unchanged: checkpoint.unchanged,
      rejected: checkpoint.rejected,
      rejections: [],
      resumedFromLine: undefined,
      committed,
      ...extra,
    });

  const previous = await readCheckpoint(files.progress);
  if (previous?.phase === 'committing') {
    const committed = await commit(output, rejectedFile, previous);
    return report(previous, committed, { resumedFromLine: previous.line });
  }
  const resumable =
    previous !== undefined &&
    previous.to === to &&
    previous.rejectedFile === rejectedFile &&
    previous.allOrNothing === allOrNothing &&
    previous.input.path === identity.path &&
    previous.input.size === identity.size &&
    previous.input.mtimeMs === identity.mtimeMs;
  const fresh: Checkpoint = {
    format: 'migraph-progress/1',
    input: identity,
    to,
    rejectedFile,
    allOrNothing,
    offset: 0,
    line: 0,
    outBytes: 0,
    rejectedBytes: 0,
    written: 0,
    unchanged: 0,
    rejected: 0,
    phase: 'running',
  };
  let state = resumable ? previous : fresh;
  let resumedFromLine = resumable ? previous.line : undefined;
  let handles: [FileHandle, FileHandle];
  try {
    handles = await openPartials(files, state);
  } catch {
    // The partial files do not match the record (removed or cut by hand): start over.
    state = fresh;
    resumedFromLine = undefined;
    handles = await openPartials(files, state);
  }
  const [out, rejected] = handles;
  try {
    const rejections: { line: number; error: string }[] = [];
    const progress = (phase: FileProgress['phase']) =>
      options.onProgress?.({
        phase,
        line: state.line,
        bytes: state.offset,
        totalBytes: identity.size,
        written: state.written,
        unchanged: state.unchanged,
        rejected: state.rejected,
      });
    const checkpoint = async (phase: Checkpoint['phase']) => {
      await out.sync();
      await rejected.sync();
      state = { ...state, phase };
      await writeFileAtomic(files.progress, JSON.stringify(state));
    };
    let sinceCheckpoint = 0;
    const checkpointLines = Math.max(1, options.checkpointLines ?? 20_000);
    const chunks = readLineChunks(input, {
      offset: state.offset,
      linesBefore: state.line,
      chunkLines: options.chunkLines ?? 500,
    });
    const done = orderedMap(
      chunks,
      async (chunk) => ({ chunk, results: await work(chunk.lines) }),
      inFlight,
    );
    for await (const { chunk, results } of done) {
      if (E.isLeft(results)) throw results.left;
      let outText = '';
      let rejectedText = '';
      const counts: Counts = { written: 0, unchanged: 0, rejected: 0 };
      results.right.forEach((result, i) => {
        const line = chunk.lines[i]!;
        if (typeof result === 'string') {
          outText += `${result}\n`;
          counts.written++;
          if (result === line) counts.unchanged++;
        } else {
          const number = chunk.numbers[i]!;
          rejectedText += `${JSON.stringify({ line: number, error: result.error, input: line })}\n`;
          counts.rejected++;
          if (rejections.length < REJECTIONS_KEPT)
            rejections.push({ line: number, error: result.error });
        }
      });
      const outBuffer = Buffer.from(outText);
      const rejectedBuffer = Buffer.from(rejectedText);
      if (outBuffer.length > 0) await out.write(outBuffer, 0, outBuffer.length, state.outBytes);
      if (rejectedBuffer.length > 0) {
        await rejected.write(rejectedBuffer, 0, rejectedBuffer.length, state.rejectedBytes);
      }
      state = {
        ...state,
        offset: chunk.end,
        line: chunk.lastLine,
        outBytes: state.outBytes + outBuffer.length,
        rejectedBytes: state.rejectedBytes + rejectedBuffer.length,
        written: state.written + counts.written,
        unchanged: state.unchanged + counts.unchanged,
        rejected: state.rejected + counts.rejected,
      };
      progress('chunk');
      sinceCheckpoint += chunk.lines.length;
      if (sinceCheckpoint >= checkpointLines) {
        await checkpoint('running');
        sinceCheckpoint = 0;
        progress('checkpoint');
      }
    }
    await checkpoint('committing');
    await out.close();
    await rejected.close();
    progress('commit');
    const committed = await commit(output, rejectedFile, state);
    return report(state, committed, {
      rejections,
      resumedFromLine,
    });
  } finally {
    await out.close().catch(() => undefined);
    await rejected.close().catch(() => undefined);
  }
};
