/**
 * `migrateFile`: NDJSON in, NDJSON out, with bounded memory, optional worker threads, a
 * rejected-lines file, atomic output, and resumption after a crash.
 *
 * Nothing is altered silently: a line whose state is already at the target is written back
 * byte for byte (invalid UTF-8, CRLF, a BOM and blank lines included); a line that cannot be
 * migrated and written back without loss (a number JavaScript cannot hold exactly, invalid
 * UTF-8 that would need re-encoding, an output JSON cannot express or too deep to write) is
 * rejected with its bytes kept (`input`, or `inputBase64` when they are not UTF-8), and the run
 * goes on.
 *
 * One run per output: the output is locked for the run (see `lock.ts`); a second run on the
 * same output fails at once with a `locked` error.
 *
 * How a crash is survived: results are appended to `<output>.partial` (and
 * `<rejected>.partial`), and every `checkpointLines` lines the partial files are flushed to
 * disk and a progress record (`<output>.progress.json`: input offset and line, a SHA-256 of
 * the input bytes done, the target, a fingerprint of the migrations, bytes of each partial
 * file, counts) is replaced atomically. A new run finds the record and resumes only the very
 * same job: same input bytes up to the recorded offset (hashed again, not trusted to size and
 * mtime), same target, same migrations; anything else starts over. It cuts the partial files
 * back to the recorded sizes (dropping whatever was written after the last checkpoint) and
 * carries on from the recorded input offset, so every input line ends up in exactly one of
 * the output and the rejected file, once. When all lines are done the record is marked
 * `committing` and the partial files are renamed into place (keeping the replaced output's
 * mode and owner); a crash during that step is finished by the next run of the same job.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { createHash, type Hash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { describeCause } from '../../core/describe-cause.js';
import { migrationFingerprint } from '../fingerprint.js';
import { copyAttributes, syncDirectory, writeFileAtomic, writeTarget } from '../files.js';
import { coveredBytes, readLineChunks } from './lines.js';
import { lockFilesOf, lockOutput } from './lock.js';
import {
  FileMigrationError,
  migrateChunks,
  prepareWork,
  type MigrateNdjsonOptions,
  type PreparedWork,
} from './ndjson.js';

/** Options of {@link migrateFile}. */
export interface MigrateFileOptions extends MigrateNdjsonOptions {
  /** Where rejected lines go. Default `<output>.rejected.ndjson`. */
  readonly rejectedFile?: string;
  /** Write no output unless every line migrates (for in-place rewrites). */
  readonly allOrNothing?: boolean;
  /** Lines between two durable progress records (default 20,000). */
  readonly checkpointLines?: number;
  /**
   * What identifies the migrations, for resuming: an interrupted run is resumed only with the
   * same fingerprint. Default: a hash of the migrator's edges, codecs and settings and of the
   * project's script and schemas files.
   */
  readonly fingerprint?: string;
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

interface Counts {
  written: number;
  unchanged: number;
  rejected: number;
}

interface Checkpoint extends Counts {
  readonly format: 'migraph-progress/2';
  /** The input, and a SHA-256 of its bytes up to `offset`. */
  readonly input: { readonly path: string; readonly sha256: string };
  readonly to: string;
  readonly fingerprint: string;
  readonly rejectedFile: string;
  readonly allOrNothing: boolean;
  readonly offset: number;
  readonly line: number;
  readonly outBytes: number;
  readonly rejectedBytes: number;
  readonly phase: 'running' | 'committing';
}

const REJECTIONS_KEPT = 100;

/**
 * Every file a {@link migrateFile} run on `output` may write: the output, the rejected file,
 * their partial files, the progress record and the lock's files. Runs whose sets overlap would
 * overwrite each other's work.
 *
 * @example
 * outputFilesOf('out/x.ndjson') // ['out/x.ndjson', 'out/x.ndjson.rejected.ndjson', 'out/x.ndjson.partial', …]
 * @since 0.1.0
 */
export const outputFilesOf = (output: string, rejectedFile?: string): string[] => {
  const files = filesOf(output, rejectedFile ?? `${output}.rejected.ndjson`);
  const lock = lockFilesOf(output);
  return [
    output,
    files.rejected,
    files.partial,
    files.rejectedPartial,
    files.progress,
    lock.lock,
    lock.gate,
    lock.owner,
  ];
};

/** A path as it is on disk (symlinks resolved), or resolved as given when it is not there. */
export const realOrResolved = (file: string): string => {
  const resolved = path.resolve(file);
  try {
    return realpathSync(resolved);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(resolved)), path.basename(resolved));
    } catch {
      return resolved;
    }
  }
};

/**
 * A file run, for {@link findOutputCollision}: an NDJSON run writes every file of
 * {@link outputFilesOf}, a JSON run only its output (atomically). `inPlace` marks a rewrite of
 * the input itself.
 */
export interface OutputJob {
  readonly input: string;
  readonly output: string;
  readonly format: 'json' | 'ndjson';
  readonly inPlace?: boolean;
}

/** Why file runs cannot go together: what {@link findOutputCollision} finds. */
export type OutputCollision =
  /** Two inputs are one file (as named, or through a symlink). */
  | { readonly kind: 'same-input'; readonly first: string; readonly second: string }
  /** A run that is not in place would replace its own input. */
  | { readonly kind: 'own-input'; readonly input: string }
  /** A run would write `file`, which is another run's `input`. */
  | {
      readonly kind: 'other-input';
      readonly writer: string;
      readonly file: string;
      readonly input: string;
    }
  /** Two runs would both write `file`. */
  | {
      readonly kind: 'same-output';
      readonly first: string;
      readonly second: string;
      readonly file: string;
    };

/**
 * The first collision among file runs, checked before anything is written, or undefined: an
 * input named twice, a run replacing its own input without being in place, a run writing
 * another run's input, or two runs writing one file — the output, or the files beside it
 * ({@link outputFilesOf}: `x.ndjson` and `x.ndjson.rejected.ndjson` from two inputs with one
 * base name). Symlinks are resolved. Runs whose files overlap would overwrite each other's
 * work or their own input.
 *
 * @example
 * findOutputCollision([
 *   { input: 'a/x.ndjson', output: 'out/x.ndjson', format: 'ndjson' },
 *   { input: 'b/x.ndjson', output: 'out/x.ndjson', format: 'ndjson' },
 * ]) // { kind: 'same-output', first: 'a/x.ndjson', second: 'b/x.ndjson', file: '/…/out/x.ndjson' }
 * @since 0.1.0
 */
export const findOutputCollision = (jobs: readonly OutputJob[]): OutputCollision | undefined => {
  const inputs = new Map<string, string>();
  for (const { input } of jobs) {
    const real = realOrResolved(input);
    const other = inputs.get(real);
    if (other !== undefined) return { kind: 'same-input', first: other, second: input };
    inputs.set(real, input);
  }
  const writers = new Map<string, string>();
  for (const job of jobs) {
    const output = realOrResolved(job.output);
    const written = job.format === 'ndjson' ? outputFilesOf(output) : [output];
    for (const file of written) {
      const input = inputs.get(file);
      if (input !== undefined && !(job.inPlace === true && file === output)) {
        return input === job.input
          ? { kind: 'own-input', input }
          : { kind: 'other-input', writer: job.input, file, input };
      }
      const writer = writers.get(file);
      if (writer !== undefined && writer !== job.input) {
        return { kind: 'same-output', first: writer, second: job.input, file };
      }
      writers.set(file, job.input);
    }
  }
  return undefined;
};

/** The files of a run. */
const filesOf = (output: string, rejectedFile: string) => ({
  rejected: rejectedFile,
  partial: `${output}.partial`,
  rejectedPartial: `${rejectedFile}.partial`,
  progress: `${output}.progress.json`,
});

const readCheckpoint = async (file: string): Promise<Checkpoint | undefined> => {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
    return data.format === 'migraph-progress/2' ? data : undefined;
  } catch {
    return undefined;
  }
};

/** A running SHA-256 of the first `bytes` bytes of `file` (undefined when it is shorter). */
const hashPrefix = async (file: string, bytes: number): Promise<Hash | undefined> => {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let done = 0;
    while (done < bytes) {
      const { bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, bytes - done),
        done,
      );
      if (bytesRead === 0) return undefined;
      hash.update(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
    return hash;
  } finally {
    await handle.close();
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

/** Renames a partial file over its final name, keeping the mode and owner of a file replaced. */
const renameIfThere = async (from: string, to: string): Promise<void> => {
  if (!existsSync(from)) return;
  await copyAttributes(to, from);
  await rename(from, to);
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

interface Prepared extends PreparedWork {
  readonly fingerprint: string;
}

/** Resolves the migrator, target version, unit of work and fingerprint a run uses. */
const prepare = async (
  options: MigrateFileOptions,
): Promise<E.Either<FileMigrationError, Prepared>> => {
  const prepared = await prepareWork(options, 'migrateFile', {
    rejectedFile: 'any',
    allOrNothing: 'any',
    checkpointLines: 'any',
    fingerprint: 'any',
    onProgress: 'any',
  });
  if (E.isLeft(prepared)) return prepared;
  const fingerprint =
    options.fingerprint ?? migrationFingerprint(prepared.right.migrator, options.project);
  return E.right({ ...prepared.right, fingerprint });
};

/**
 * Migrates an NDJSON file line by line into `output` (written atomically), with rejected
 * lines in `<output>.rejected.ndjson` as `{ line, error, input }` (`inputBase64` instead of
 * `input` for bytes that are not UTF-8). Lines already at the target keep their bytes; a line
 * that cannot be written back without loss is rejected, never altered. Memory stays bounded
 * by the lines in flight, whatever the file size. The output is locked for the run: a second
 * run on it is a `Left` with reason `locked`. Running it again after a crash resumes the
 * interrupted run when it is the very same job (see the module comment). An output that is a
 * symlink is written through. A failure to read, write or load is a `Left`; rejected lines are
 * not failures, they are counted in the report.
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
  try {
    const target = await writeTarget(output);
    const folder = await missingFolder(target);
    if (folder !== undefined) return E.left(new FileMigrationError(folder, { reason: 'io' }));
    const lock = await lockOutput(target);
    if (E.isLeft(lock)) return E.left(new FileMigrationError(lock.left, { reason: 'locked' }));
    try {
      const rejectedFile = options.rejectedFile ?? `${output}.rejected.ndjson`;
      const report = await run(input, target, rejectedFile, prepared.right, options, () => {
        const lost = lock.right.lost();
        if (lost !== undefined) {
          throw new FileMigrationError(
            `Lost the lock on ${output} (${lost}): stopped before committing`,
            { reason: 'locked' },
          );
        }
      });
      return E.right({ ...report, output });
    } finally {
      await lock.right.release();
    }
  } catch (cause) {
    const error =
      cause instanceof FileMigrationError
        ? cause
        : new FileMigrationError(`Migrating ${input} failed: ${describeCause(cause)}`, {
            reason: 'io',
            cause,
          });
    return E.left(error);
  } finally {
    await prepared.right.close();
  }
};

/** Why the folder `file` is to be written in cannot hold it (missing, not a folder), or undefined. */
const missingFolder = async (file: string): Promise<string | undefined> => {
  const folder = path.dirname(file);
  try {
    if ((await stat(folder)).isDirectory()) return undefined;
    return `Cannot write ${file}: ${folder} is not a folder`;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    return code === 'ENOENT'
      ? `Cannot write ${file}: the output folder ${folder} does not exist (create it first)`
      : code === 'ENOTDIR'
        ? `Cannot write ${file}: ${folder} is not a folder`
        : undefined;
  }
};

/** Whether a progress record belongs to this very job (input prefix hash checked by the caller). */
const sameJob = (
  previous: Checkpoint,
  job: Pick<Checkpoint, 'to' | 'fingerprint' | 'rejectedFile' | 'allOrNothing'> & {
    path: string;
  },
): boolean =>
  previous.to === job.to &&
  previous.fingerprint === job.fingerprint &&
  previous.rejectedFile === job.rejectedFile &&
  previous.allOrNothing === job.allOrNothing &&
  previous.input.path === job.path;

const run = async (
  input: string,
  output: string,
  rejectedFile: string,
  prepared: Prepared,
  options: MigrateFileOptions,
  checkLock: () => void,
): Promise<FileReport> => {
  const { to, fingerprint } = prepared;
  const allOrNothing = options.allOrNothing === true;
  const files = filesOf(output, rejectedFile);
  const info = await stat(input);
  const inputPath = path.resolve(input);
  const job = { to, fingerprint, rejectedFile, allOrNothing, path: inputPath };
  const report = (
    checkpoint: Checkpoint,
    committed: boolean,
    extra: Partial<FileReport>,
  ): FileReport => ({
    input,
    output,
    rejectedFile: committed && !allOrNothing && checkpoint.rejected > 0 ? rejectedFile : undefined,
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
  // The bytes of the input the previous run did, hashed again: resumed only when unchanged.
  const prefix =
    previous !== undefined && sameJob(previous, job) && previous.offset <= info.size
      ? await hashPrefix(input, previous.offset)
      : undefined;
  const resumable =
    previous !== undefined &&
    prefix !== undefined &&
    prefix.copy().digest('hex') === previous.input.sha256;
  if (resumable && previous.phase === 'committing' && previous.offset === info.size) {
    checkLock();
    const committed = await commit(output, rejectedFile, previous);
    return report(previous, committed, { resumedFromLine: previous.line });
  }
  const fresh: Checkpoint = {
    format: 'migraph-progress/2',
    input: { path: inputPath, sha256: createHash('sha256').digest('hex') },
    to,
    fingerprint,
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
  let state = resumable ? { ...previous, phase: 'running' as const } : fresh;
  let hash = resumable ? prefix : createHash('sha256');
  let resumedFromLine = resumable ? previous.line : undefined;
  let handles: [FileHandle, FileHandle];
  try {
    handles = await openPartials(files, state);
  } catch {
    // The partial files do not match the record (removed or cut by hand): start over.
    state = fresh;
    hash = createHash('sha256');
    resumedFromLine = undefined;
    handles = await openPartials(files, state);
  }
  const [out, rejected] = handles;
  /** The last chunk's writes, while they are in flight. */
  let writing: Promise<unknown> = Promise.resolve();
  try {
    const rejections: { line: number; error: string }[] = [];
    const progress = (phase: FileProgress['phase']) =>
      options.onProgress?.({
        phase,
        line: state.line,
        bytes: state.offset,
        totalBytes: info.size,
        written: state.written,
        unchanged: state.unchanged,
        rejected: state.rejected,
      });
    const checkpoint = async (phase: Checkpoint['phase']) => {
      checkLock();
      await writing;
      await out.sync();
      await rejected.sync();
      state = {
        ...state,
        phase,
        input: { path: inputPath, sha256: hash.copy().digest('hex') },
      };
      await writeFileAtomic(files.progress, JSON.stringify(state));
    };
    let sinceCheckpoint = 0;
    const checkpointLines = Math.max(1, options.checkpointLines ?? 20_000);
    const chunks = readLineChunks(input, {
      offset: state.offset,
      linesBefore: state.line,
      chunkLines: options.chunkLines ?? 500,
    });
    for await (const migrated of migrateChunks(chunks, prepared, input)) {
      if (E.isLeft(migrated)) throw migrated.left;
      const { chunk, ...assembled } = migrated.right;
      for (const bytes of coveredBytes(chunk)) hash.update(bytes);
      const outBuffer = assembled.output;
      let rejectedText = '';
      for (const entry of assembled.rejections) {
        rejectedText += `${JSON.stringify(entry)}\n`;
        if (rejections.length < REJECTIONS_KEPT) {
          rejections.push({ line: entry.line, error: entry.error });
        }
      }
      const counts: Counts = {
        written: assembled.written,
        unchanged: assembled.unchanged,
        rejected: assembled.rejections.length,
      };
      const rejectedBuffer = Buffer.from(rejectedText);
      // The chunk before's writes are done before this chunk's start: at most one chunk's
      // writes are in flight, and they are under way while the next chunk is migrated.
      await writing;
      writing = Promise.all([
        outBuffer.length > 0 && out.write(outBuffer, 0, outBuffer.length, state.outBytes),
        rejectedBuffer.length > 0 &&
          rejected.write(rejectedBuffer, 0, rejectedBuffer.length, state.rejectedBytes),
      ]);
      // Awaited before the next write, a checkpoint or the close: never unhandled.
      writing.catch(() => undefined);
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
    checkLock();
    const committed = await commit(output, rejectedFile, state);
    return report(state, committed, { rejections, resumedFromLine });
  } finally {
    await writing.catch(() => undefined);
    await out.close().catch(() => undefined);
    await rejected.close().catch(() => undefined);
  }
};
