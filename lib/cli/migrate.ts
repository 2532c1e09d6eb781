/**
 * `migraph migrate <files…>`: migrates JSON files (one state, or an array of states) and
 * NDJSON files (one state per line; `-` reads NDJSON from stdin) to a version.
 *
 * Where results go: stdout (default), `--out <dir>` (same file names), or `--in-place`.
 * Files are written atomically; a JSON file with a failing state is not written at all, and
 * `--in-place` leaves a file untouched unless every state in it migrates, keeps its mode and
 * owner, refuses a file it may not write, and writes a symlink's target. Nothing is altered
 * silently: what is already at the target is written byte for byte, and what cannot be
 * written back without loss (big integers, invalid UTF-8, output JSON cannot express) fails.
 * With `--out`, the lines of an NDJSON file that fail go to `<out file>.rejected.ndjson` with
 * their line number and error; NDJSON files written to disk go through `migrateFile` (worker
 * threads with `--threads`, one run per output, and a re-run after a crash resumes the same
 * job). Output names that would collide are a usage error before anything is written.
 * `--dry-run` writes nothing; `--diff` prints an RFC 6902 patch per state.
 *
 * @since 0.1.0
 */
import fastJsonPatch from 'fast-json-patch';
import * as E from '#fp/Either.js';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describeCause } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import { parseVersion } from '../core/version.js';
import { assembleChunk } from '../node/batch/assemble.js';
import { inexactNumber, stringifyExactly } from '../core/json-exact.js';
import { migrateFile, outputFilesOf } from '../node/batch/file.js';
import { readLineChunks, splitLineChunks, type LineChunk } from '../node/batch/lines.js';
import { isUnchanged, migrateLines } from '../node/batch/work.js';
import { checkReplaceable, writeFileAtomic } from '../node/files.js';
import type { ProjectOptions } from '../node/project.js';
import { failure, usage } from './errors.js';
import { startProgress, type Progress } from './progress.js';
import { escapeControl } from './terminal.js';

/** Options of `migraph migrate`. */
export interface MigrateCommandOptions {
  readonly to?: string;
  readonly dryRun?: boolean;
  readonly diff?: boolean;
  readonly out?: string;
  readonly inPlace?: boolean;
  /** Worker threads for NDJSON files written to disk (default: 0 below 4 MiB, else up to 4). */
  readonly threads?: number;
}

/** Counts of a `migraph migrate` run. */
export interface MigrateSummary {
  files: number;
  states: number;
  migrated: number;
  unchanged: number;
  failed: number;
}

type Destination =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'dry-run' }
  | { readonly kind: 'file'; readonly file: string; readonly inPlace: boolean };

interface Run {
  readonly migrator: Migrator;
  readonly project: ProjectOptions;
  readonly threads: number | undefined;
  readonly notes: string[];
  readonly to: string;
  readonly diff: boolean;
  readonly summary: MigrateSummary;
  readonly problems: string[];
  readonly progress: Progress;
  bytesDone: number;
}

/** The name that reads NDJSON from stdin. */
const STDIN = '-';

/** NDJSON files from this size up get worker threads unless --threads says otherwise. */
const AUTO_THREADS_BYTES = 4 * 1024 * 1024;

/** Most failures printed per file; the rest are counted (and, with --out, in the rejected file). */
const PRINTED_PROBLEMS = 100;

const isNdjson = (file: string): boolean => file === STDIN || /\.(ndjson|jsonl)$/i.test(file);

/** Writes to stdout, waiting when the pipe is full. */
const print = async (data: string | Uint8Array): Promise<void> => {
  if (!process.stdout.write(data)) await once(process.stdout, 'drain');
};

/** Problems of one file: the first few kept (escaped for the terminal), the others counted. */
const problemsOf = (run: Run) => {
  let count = 0;
  return {
    add(problem: string) {
      count++;
      if (count <= PRINTED_PROBLEMS) run.problems.push(escapeControl(problem));
    },
    /** Counts failures that are not listed. */
    skip(n: number) {
      count += n;
    },
    finish(file: string, where: string) {
      if (count > PRINTED_PROBLEMS) {
        run.problems.push(`${file}: ${count - PRINTED_PROBLEMS} more failed state(s) ${where}`);
      }
    },
  };
};

type Outcome =
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'unchanged'; readonly output: unknown }
  | { readonly kind: 'migrated'; readonly output: unknown };

/** Migrates one parsed value (async steps included) and counts it. */
const migrateOne = async (run: Run, input: unknown): Promise<Outcome> => {
  run.summary.states++;
  const before = run.migrator.versionOf(input);
  const result = await run.migrator.migrateAsync(input, run.to);
  if (E.isLeft(result)) {
    run.summary.failed++;
    return { kind: 'failed', error: describeCause(result.left) };
  }
  if (isUnchanged(run.migrator, before, run.to)) {
    run.summary.unchanged++;
    return { kind: 'unchanged', output: result.right };
  }
  run.summary.migrated++;
  return { kind: 'migrated', output: result.right };
};

/** An RFC 6902 patch, or why there is none (a state too deep to compare). */
const patchOf = (input: unknown, output: unknown): unknown => {
  try {
    return fastJsonPatch.compare(input as object, output as object);
  } catch (cause) {
    return { error: `cannot diff: ${describeCause(cause)}` };
  }
};

/** One `--diff` output line: where the state was, and its RFC 6902 patch. */
const patchLine = (file: string, position: { index: number } | { line: number }, patch: unknown) =>
  `${JSON.stringify({ file, ...position, patch })}\n`;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const migrateJsonFile = async (run: Run, file: string, destination: Destination) => {
  const bytes = await readFile(file);
  run.bytesDone += bytes.length;
  const bom = bytes.subarray(0, 3).equals(BOM);
  const text = bytes.subarray(bom ? 3 : 0).toString('utf8');
  const problems = problemsOf(run);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    run.summary.failed++;
    problems.add(`${file}: not valid JSON: ${describeCause(cause)}`);
    return;
  }
  const many = Array.isArray(parsed);
  const inputs: unknown[] = many ? (parsed as unknown[]) : [parsed];
  const outputs: unknown[] = [];
  let failed = false;
  let changed = false;
  for (const [index, input] of inputs.entries()) {
    const outcome = await migrateOne(run, input);
    if (outcome.kind === 'failed') {
      problems.add(`${many ? `${file}[${index}]` : file}: ${outcome.error}`);
      failed = true;
      continue;
    }
    changed ||= outcome.kind === 'migrated';
    outputs.push(outcome.output);
    if (run.diff) {
      const patch = outcome.kind === 'migrated' ? patchOf(input, outcome.output) : [];
      await print(patchLine(file, { index }, patch));
    }
  }
  problems.finish(file, 'not shown');
  run.progress.update(run.bytesDone);
  if (failed) return;
  let data: Uint8Array = bytes;
  if (changed) {
    const lossy = !isUtf8(bytes)
      ? 'it is not valid UTF-8: rewriting it would replace its invalid bytes'
      : (() => {
          const inexact = inexactNumber(text);
          return (
            inexact && `the number ${inexact.literal} cannot be carried exactly (${inexact.why})`
          );
        })();
    const json = lossy === undefined ? stringifyExactly(many ? outputs : outputs[0], 2) : undefined;
    if (json === undefined || E.isLeft(json)) {
      run.summary.failed++;
      problems.add(`${file}: not written: ${lossy ?? (json as E.Left<string>).left}`);
      return;
    }
    data = Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(`${json.right}\n`)]);
  }
  if (destination.kind === 'stdout' && !run.diff) await print(data);
  if (destination.kind === 'file' && (changed || !destination.inPlace)) {
    await writeFileAtomic(destination.file, data);
  }
};

/** NDJSON to stdout, or only counted (dry run), or only diffed: streamed, nothing written. */
const streamNdjsonFile = async (run: Run, file: string, destination: Destination) => {
  const problems = problemsOf(run);
  const name = file === STDIN ? '<stdin>' : file;
  const chunks: AsyncIterable<LineChunk> =
    file === STDIN
      ? splitLineChunks(process.stdin as AsyncIterable<Buffer>, { chunkLines: 256 })
      : readLineChunks(file, { chunkLines: 256 });
  let end = 0;
  for await (const chunk of chunks) {
    const invalidUtf8 = chunk.raw.flatMap((r, i) => (r.utf8 ? [] : [i]));
    const results = await migrateLines(run.migrator, chunk.lines, run.to, { invalidUtf8 });
    const assembled = assembleChunk(chunk, results);
    run.summary.states += chunk.lines.length;
    run.summary.unchanged += assembled.unchanged;
    run.summary.migrated += assembled.written - assembled.unchanged;
    run.summary.failed += assembled.rejections.length;
    for (const r of assembled.rejections) problems.add(`${name}:${r.line}: ${r.error}`);
    if (run.diff) {
      let text = '';
      for (const [i, result] of results.entries()) {
        if (typeof result !== 'string') continue;
        const line = chunk.lines[i]!;
        const patch = result === line ? [] : patchOf(JSON.parse(line), JSON.parse(result));
        text += patchLine(name, { line: chunk.numbers[i]! }, patch);
      }
      if (text !== '') await print(text);
    } else if (destination.kind === 'stdout' && assembled.output.length > 0) {
      await print(assembled.output);
    }
    end = chunk.end;
    run.progress.update(run.bytesDone + chunk.end);
  }
  problems.finish(name, 'not shown');
  run.bytesDone += end;
};

/** NDJSON to a file: through `migrateFile` (workers, rejected file, atomic, resumable). */
const writeNdjsonFile = async (run: Run, file: string, output: string, inPlace: boolean) => {
  const size = statSync(file).size;
  const available = Math.max(1, availableParallelism());
  const threads = Math.min(
    available,
    run.threads ?? (size >= AUTO_THREADS_BYTES ? Math.min(4, available) : 0),
  );
  const result = await migrateFile(file, output, {
    migrator: run.migrator,
    project: run.project,
    threads,
    to: run.to,
    allOrNothing: inPlace,
    onProgress: (p) => run.progress.update(run.bytesDone + p.bytes),
  });
  run.bytesDone += size;
  if (E.isLeft(result)) throw failure(escapeControl(result.left.message), result.left);
  const report = result.right;
  run.summary.states += report.lines;
  run.summary.migrated += report.written - report.unchanged;
  run.summary.unchanged += report.unchanged;
  run.summary.failed += report.rejected;
  if (report.resumedFromLine !== undefined) {
    run.notes.push(`${file}: resumed an interrupted run at line ${report.resumedFromLine}`);
  }
  const problems = problemsOf(run);
  for (const r of report.rejections) problems.add(`${file}:${r.line}: ${r.error}`);
  problems.skip(report.rejected - report.rejections.length);
  problems.finish(file, `in ${report.rejectedFile ?? 'no file (nothing was written)'}`);
};

const migrateNdjsonFile = (run: Run, file: string, destination: Destination) =>
  destination.kind === 'file'
    ? writeNdjsonFile(run, file, destination.file, destination.inPlace)
    : streamNdjsonFile(run, file, destination);

const destinationOf = (file: string, options: MigrateCommandOptions): Destination => {
  if (options.dryRun === true) return { kind: 'dry-run' };
  if (options.inPlace === true) return { kind: 'file', file, inPlace: true };
  if (options.out !== undefined) {
    return { kind: 'file', file: path.join(options.out, path.basename(file)), inPlace: false };
  }
  return { kind: 'stdout' };
};

/** A path as it is on disk (symlinks resolved), or resolved as given when it is not there. */
const realOrResolved = (file: string): string => {
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
 * What each input would write, checked before anything is written: two inputs writing the
 * same file, or an input's output replacing an input (`--out` at the input's own directory),
 * is a usage error.
 */
const checkCollisions = (files: readonly string[], options: MigrateCommandOptions): void => {
  if (options.dryRun === true || (options.out === undefined && options.inPlace !== true)) return;
  const inputs = new Map<string, string>();
  for (const file of files) {
    const real = realOrResolved(file);
    const other = inputs.get(real);
    if (other !== undefined) throw usage(`${other} and ${file} are the same file`);
    inputs.set(real, file);
  }
  const writers = new Map<string, string>();
  for (const file of files) {
    const destination = destinationOf(file, options);
    if (destination.kind !== 'file') continue;
    const output = realOrResolved(destination.file);
    const written = isNdjson(file)
      ? outputFilesOf(output)
      : options.inPlace === true
        ? []
        : [output];
    for (const name of written) {
      const input = inputs.get(name);
      if (input !== undefined && !(options.inPlace === true && name === output)) {
        throw usage(
          input === file
            ? `--out ${options.out} would replace the input ${file} itself (use --in-place to rewrite it)`
            : `Migrating ${file} would write ${name}, which is the input ${input}`,
        );
      }
      const writer = writers.get(name);
      if (writer !== undefined && writer !== file) {
        throw usage(`${writer} and ${file} would both write ${name}`);
      }
      writers.set(name, file);
    }
  }
};

const checkInputs = async (
  files: readonly string[],
  options: MigrateCommandOptions,
): Promise<void> => {
  if (options.out !== undefined && options.inPlace === true) {
    throw usage('--out and --in-place cannot be used together');
  }
  if (files.filter((f) => f === STDIN).length > 1) throw usage('- (stdin) can be read only once');
  if (files.includes(STDIN) && (options.out !== undefined || options.inPlace === true)) {
    throw usage('- (stdin) goes to stdout: it cannot be used with --out or --in-place');
  }
  if (
    options.out !== undefined &&
    existsSync(options.out) &&
    !statSync(options.out).isDirectory()
  ) {
    throw usage(`--out ${options.out} is a file: expected a directory`);
  }
  for (const file of files) {
    if (file === STDIN) continue;
    if (!existsSync(file) || !statSync(file).isFile()) throw usage(`No such file: ${file}`);
  }
  if (options.inPlace === true && options.dryRun !== true) {
    for (const file of files) {
      const writable = await checkReplaceable(file);
      if (E.isLeft(writable)) throw usage(writable.left);
    }
  }
  checkCollisions(files, options);
};

/**
 * Runs `migraph migrate`. Returns the counts and one line per failing state, escaped for the
 * terminal and at most 100 per file (the caller prints them and exits 1 when there are any).
 * Bad usage throws a usage {@link CliError}, before anything is written.
 */
export const migrateCommand = async (
  migrator: Migrator,
  project: ProjectOptions,
  files: readonly string[],
  options: MigrateCommandOptions,
): Promise<{ summary: MigrateSummary; problems: string[]; notes: string[] }> => {
  await checkInputs(files, options);
  const to = options.to ?? migrator.targetVersion();
  if (to === undefined) throw usage('No target version: pass --to, or load some migrations');
  const version = parseVersion(to);
  if (E.isLeft(version)) throw usage(`--to: ${version.left.message}`);
  if (
    options.threads !== undefined &&
    !(Number.isInteger(options.threads) && options.threads >= 0)
  ) {
    throw usage(`--threads: expected a whole number, got ${String(options.threads)}`);
  }
  const notes: string[] = [];
  const available = Math.max(1, availableParallelism());
  if (options.threads !== undefined && options.threads > available) {
    notes.push(`--threads ${options.threads}: using ${available}, the available parallelism`);
  }
  if (options.out !== undefined && options.dryRun !== true) {
    await mkdir(options.out, { recursive: true });
  }
  const total = files.reduce((sum, f) => sum + (f === STDIN ? 0 : statSync(f).size), 0);
  const run: Run = {
    migrator,
    project,
    threads: options.threads,
    notes,
    to: version.right,
    diff: options.diff === true,
    summary: { files: files.length, states: 0, migrated: 0, unchanged: 0, failed: 0 },
    problems: [],
    progress: startProgress({ total, unit: 'bytes' }),
    bytesDone: 0,
  };
  try {
    for (const file of files) {
      const destination = destinationOf(file, options);
      await (isNdjson(file) ? migrateNdjsonFile : migrateJsonFile)(run, file, destination);
      run.progress.update(run.bytesDone);
    }
  } finally {
    run.progress.stop();
  }
  return { summary: run.summary, problems: run.problems, notes: run.notes };
};
