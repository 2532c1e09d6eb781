/**
 * `migraph migrate <files…>`: migrates JSON files (one state, or an array of states) and
 * NDJSON files (one state per line) to a version.
 *
 * Where results go: stdout (default), `--out <dir>` (same file names), or `--in-place`.
 * Files are written atomically; a JSON file with a failing state is not written at all, and
 * `--in-place` leaves a file untouched unless every state in it migrates. With `--out`, the
 * lines of an NDJSON file that fail go to `<out file>.rejected.ndjson` with their line number
 * and error; NDJSON files written to disk go through `migrateFile` (worker threads with
 * `--threads`, and a re-run after a crash resumes where it stopped). `--dry-run` writes
 * nothing; `--diff` prints an RFC 6902 patch per state.
 *
 * @since 0.1.0
 */
import fastJsonPatch from 'fast-json-patch';
import * as E from 'fp-ts/lib/Either.js';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { migrateFile } from '../node/batch/file.js';
import { readLineChunks } from '../node/batch/lines.js';
import { migrateLines } from '../node/batch/work.js';
import { describeCause } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import { parseVersion } from '../core/version.js';
import type { ProjectOptions } from '../node/project.js';
import { writeFileAtomic } from '../node/files.js';
import { failure, usage } from './errors.js';
import { startProgress, type Progress } from './progress.js';

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

/** NDJSON files from this size up get worker threads unless --threads says otherwise. */
const AUTO_THREADS_BYTES = 4 * 1024 * 1024;

const isNdjson = (file: string): boolean => /\.(ndjson|jsonl)$/i.test(file);

/** Writes to stdout, waiting when the pipe is full. */
const print = async (text: string): Promise<void> => {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
};

/** Migrates one parsed value; counts it and returns the result or the error line. */
const migrateOne = (
  run: Run,
  where: string,
  input: unknown,
): E.Either<string, { output: unknown; patch: fastJsonPatch.Operation[] | undefined }> => {
  run.summary.states++;
  const result = run.migrator.migrate(input, run.to);
  if (E.isLeft(result)) {
    run.summary.failed++;
    return E.left(`${where}: ${result.left.message}`);
  }
  if (result.right === input) run.summary.unchanged++;
  else run.summary.migrated++;
  const patch = run.diff ? fastJsonPatch.compare(input as object, result.right) : undefined;
  return E.right({ output: result.right, patch });
};

/** One `--diff` output line: where the state was, and its RFC 6902 patch. */
const patchLine = (file: string, position: { index: number } | { line: number }, patch: unknown) =>
  `${JSON.stringify({ file, ...position, patch })}\n`;

const migrateJsonFile = async (run: Run, file: string, destination: Destination) => {
  const text = await readFile(file, 'utf8');
  run.bytesDone += Buffer.byteLength(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    run.summary.failed++;
    run.problems.push(`${file}: not valid JSON: ${describeCause(cause)}`);
    return;
  }
  const many = Array.isArray(parsed);
  const inputs: unknown[] = many ? (parsed as unknown[]) : [parsed];
  const outputs: unknown[] = [];
  let failed = false;
  for (const [index, input] of inputs.entries()) {
    const result = migrateOne(run, many ? `${file}[${index}]` : file, input);
    if (E.isLeft(result)) {
      run.problems.push(result.left);
      failed = true;
      continue;
    }
    outputs.push(result.right.output);
    if (result.right.patch !== undefined)
      await print(patchLine(file, { index }, result.right.patch));
  }
  run.progress.update(run.bytesDone);
  const json = `${JSON.stringify(many ? outputs : outputs[0], null, 2)}\n`;
  if (destination.kind === 'stdout' && !run.diff && !failed) await print(json);
  if (destination.kind === 'file' && !failed) await writeFileAtomic(destination.file, json);
};

/** NDJSON to stdout, or only counted (dry run), or only diffed: streamed, nothing written. */
const streamNdjsonFile = async (run: Run, file: string, destination: Destination) => {
  for await (const chunk of readLineChunks(file, { chunkLines: 256 })) {
    const results = migrateLines(run.migrator, chunk.lines, run.to);
    let text = '';
    for (const [i, result] of results.entries()) {
      const where = `${file}:${chunk.numbers[i]}`;
      run.summary.states++;
      if (typeof result !== 'string') {
        run.summary.failed++;
        run.problems.push(`${where}: ${result.error}`);
        continue;
      }
      const input = chunk.lines[i]!;
      if (result === input) run.summary.unchanged++;
      else run.summary.migrated++;
      if (run.diff) {
        const patch = fastJsonPatch.compare(
          JSON.parse(input) as object,
          JSON.parse(result) as object,
        );
        text += patchLine(file, { line: chunk.numbers[i]! }, patch);
      } else if (destination.kind === 'stdout') {
        text += `${result}\n`;
      }
    }
    if (text !== '') await print(text);
    run.progress.update(run.bytesDone + chunk.end);
  }
  run.bytesDone += statSync(file).size;
};

/** Most rejections printed per file; the rest are in the rejected file. */
const PRINTED_REJECTIONS = 100;

/** NDJSON to a file: through `migrateFile` (workers, rejected file, atomic, resumable). */
const writeNdjsonFile = async (run: Run, file: string, output: string, inPlace: boolean) => {
  const size = statSync(file).size;
  const threads =
    run.threads ?? (size >= AUTO_THREADS_BYTES ? Math.min(4, availableParallelism()) : 0);
  const result = await migrateFile(file, output, {
    migrator: run.migrator,
    project: run.project,
    threads,
    to: run.to,
    allOrNothing: inPlace,
    onProgress: (p) => run.progress.update(run.bytesDone + p.bytes),
  });
  run.bytesDone += size;
  if (E.isLeft(result)) throw failure(result.left.message, result.left);
  const report = result.right;
  run.summary.states += report.lines;
  run.summary.migrated += report.written - report.unchanged;
  run.summary.unchanged += report.unchanged;
  run.summary.failed += report.rejected;
  if (report.resumedFromLine !== undefined) {
    run.notes.push(`${file}: resumed an interrupted run at line ${report.resumedFromLine}`);
  }
  for (const r of report.rejections.slice(0, PRINTED_REJECTIONS)) {
    run.problems.push(`${file}:${r.line}: ${r.error}`);
  }
  const more = report.rejected - Math.min(report.rejections.length, PRINTED_REJECTIONS);
  if (more > 0) {
    run.problems.push(
      `${file}: ${more} more rejected line(s) in ${report.rejectedFile ?? 'the rejected file'}`,
    );
  }
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

const checkInputs = (files: readonly string[], options: MigrateCommandOptions): void => {
  if (options.out !== undefined && options.inPlace === true) {
    throw usage('--out and --in-place cannot be used together');
  }
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) throw usage(`No such file: ${file}`);
  }
  if (options.out !== undefined) {
    const names = files.map((f) => path.basename(f));
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw usage(`Two inputs would both be written to --out as ${twice}`);
  }
};

/**
 * Runs `migraph migrate`. Returns the counts and one line per failing state (the caller
 * prints them and exits 1 when there are any). Bad usage throws a usage {@link CliError}.
 */
export const migrateCommand = async (
  migrator: Migrator,
  project: ProjectOptions,
  files: readonly string[],
  options: MigrateCommandOptions,
): Promise<{ summary: MigrateSummary; problems: string[]; notes: string[] }> => {
  checkInputs(files, options);
  const to = options.to ?? migrator.targetVersion();
  if (to === undefined) throw usage('No target version: pass --to, or load some migrations');
  const version = parseVersion(to);
  if (E.isLeft(version)) throw usage(`--to: ${version.left.message}`);
  if (options.out !== undefined && options.dryRun !== true) {
    await mkdir(options.out, { recursive: true });
  }
  const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
  if (
    options.threads !== undefined &&
    !(Number.isInteger(options.threads) && options.threads >= 0)
  ) {
    throw usage(`--threads: expected a whole number, got ${String(options.threads)}`);
  }
  const run: Run = {
    migrator,
    project,
    threads: options.threads,
    notes: [],
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
