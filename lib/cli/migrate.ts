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
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describeCause, resolveTargetVersion, type Migrator } from '../core/index.js';
import {
  checkReplaceable,
  findOutputCollision,
  migrateFile,
  migrateJsonFile,
  migrateNdjson,
  type OutputCollision,
  type OutputJob,
  type ProjectOptions,
} from '../node/index.js';
import type { CliCommand } from './command.js';
import { failure, targetUsage, usage } from './errors.js';
import { requireMigrationsDir } from './options.js';
import { startProgress, type Progress } from './progress.js';
import { migrateStoreCommand, withStoreOptions, type StoreMigrateOptions } from './store.js';
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

/** A JSON file: migrated whole by `migrateJsonFile`, written only when every state migrates. */
const migrateJsonFileTo = async (run: Run, file: string, destination: Destination) => {
  const output = destination.kind === 'file' ? destination.file : undefined;
  const result = await migrateJsonFile(file, output, { migrator: run.migrator, to: run.to });
  if (E.isLeft(result)) throw failure(escapeControl(result.left.message), result.left);
  const report = result.right;
  run.bytesDone += statSync(file).size;
  run.summary.states += report.states.length;
  run.summary.migrated += report.migrated;
  run.summary.unchanged += report.unchanged;
  run.summary.failed += report.failed;
  const problems = problemsOf(run);
  for (const [index, state] of report.states.entries()) {
    if (state.kind === 'failed') {
      problems.add(`${report.many ? `${file}[${index}]` : file}: ${state.error}`);
    } else if (run.diff) {
      const patch = state.kind === 'migrated' ? patchOf(state.input, state.output) : [];
      await print(patchLine(file, { index }, patch));
    }
  }
  if (report.problem !== undefined) {
    run.summary.failed++;
    problems.add(`${file}: ${report.problem}`);
  }
  problems.finish(file, 'not shown');
  run.progress.update(run.bytesDone);
  if (destination.kind === 'stdout' && !run.diff && report.data !== undefined) {
    await print(report.data);
  }
};

/** NDJSON to stdout, or only counted (dry run), or only diffed: streamed, nothing written. */
const streamNdjsonFile = async (run: Run, file: string, destination: Destination) => {
  const problems = problemsOf(run);
  const name = file === STDIN ? '<stdin>' : file;
  const input = file === STDIN ? (process.stdin as AsyncIterable<Buffer>) : file;
  let end = 0;
  for await (const migrated of migrateNdjson(input, {
    migrator: run.migrator,
    to: run.to,
    chunkLines: 256,
  })) {
    if (E.isLeft(migrated)) throw failure(escapeControl(migrated.left.message), migrated.left);
    const { chunk, results, rejections, written, unchanged, output } = migrated.right;
    run.summary.states += chunk.lines.length;
    run.summary.unchanged += unchanged;
    run.summary.migrated += written - unchanged;
    run.summary.failed += rejections.length;
    for (const r of rejections) problems.add(`${name}:${r.line}: ${r.error}`);
    if (run.diff) {
      let text = '';
      for (const [i, result] of results.entries()) {
        if (typeof result !== 'string') continue;
        const line = chunk.lines[i]!;
        const patch = result === line ? [] : patchOf(JSON.parse(line), JSON.parse(result));
        text += patchLine(name, { line: chunk.numbers[i]! }, patch);
      }
      if (text !== '') await print(text);
    } else if (destination.kind === 'stdout' && output.length > 0) {
      await print(output);
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

/** The usage error of a collision between the files of two inputs. */
const collisionMessage = (collision: OutputCollision, options: MigrateCommandOptions): string => {
  switch (collision.kind) {
    case 'same-input':
      return `${collision.first} and ${collision.second} are the same file`;
    case 'own-input':
      return `--out ${options.out} would replace the input ${collision.input} itself (use --in-place to rewrite it)`;
    case 'other-input':
      return `Migrating ${collision.writer} would write ${collision.file}, which is the input ${collision.input}`;
    case 'same-output':
      return `${collision.first} and ${collision.second} would both write ${collision.file}`;
  }
};

/**
 * What each input would write, checked before anything is written: two inputs writing the
 * same file, or an input's output replacing an input (`--out` at the input's own directory),
 * is a usage error.
 */
const checkCollisions = (files: readonly string[], options: MigrateCommandOptions): void => {
  if (options.dryRun === true || (options.out === undefined && options.inPlace !== true)) return;
  const jobs = files.map((file): OutputJob => {
    const destination = destinationOf(file, options);
    return {
      input: file,
      output: destination.kind === 'file' ? destination.file : file,
      format: isNdjson(file) ? 'ndjson' : 'json',
      inPlace: options.inPlace === true,
    };
  });
  const collision = findOutputCollision(jobs);
  if (collision !== undefined) throw usage(collisionMessage(collision, options));
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
  const version = resolveTargetVersion(migrator, options.to);
  if (E.isLeft(version)) throw targetUsage(version.left);
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
      await (isNdjson(file) ? migrateNdjsonFile : migrateJsonFileTo)(run, file, destination);
      run.progress.update(run.bytesDone);
    }
  } finally {
    run.progress.stop();
  }
  return { summary: run.summary, problems: run.problems, notes: run.notes };
};

/**
 * `migraph migrate <files…> [--to v] [--dry-run] [--diff] [--out dir | --in-place] [--threads n]`,
 * or `migraph migrate --store url --table t --column c …` for a database table.
 */
export const migrate: CliCommand = {
  name: 'migrate',
  describe: (command) =>
    withStoreOptions(command)
      .description('migrate JSON or NDJSON files of states, or a database table (--store)')
      .argument(
        '[files...]',
        '.json (a state or an array of states) or .ndjson/.jsonl files; - reads NDJSON from stdin',
      )
      .option('-t, --to <version>', 'target version (default: the current version)')
      .option('-n, --dry-run', 'report what would change; write nothing')
      .option('--diff', 'print an RFC 6902 patch per state (NDJSON on stdout)')
      .option('-o, --out <dir>', 'write results to this directory, same file names')
      .option('-i, --in-place', 'replace each file (atomically; untouched if any state fails)')
      .option(
        '--threads <n>',
        'worker threads for NDJSON files (default: 0 below 4 MiB, else up to 4)',
        (v) => Number(v),
      ),
  run: async (ctx, options: MigrateCommandOptions & StoreMigrateOptions, [files]: [string[]]) => {
    if (options.store !== undefined || files.length === 0) {
      if (options.store !== undefined) requireMigrationsDir(ctx.project());
      await migrateStoreCommand(files, options, ctx.project());
      return;
    }
    const { migrator } = await ctx.open();
    const { summary, problems, notes } = await migrateCommand(
      migrator,
      ctx.project(),
      files,
      options,
    );
    for (const note of notes) ctx.err(`migraph: ${escapeControl(note)}\n`);
    const report =
      `${summary.states} state(s) in ${summary.files} file(s): ${summary.migrated} migrated, ` +
      `${summary.unchanged} already at the target, ${summary.failed} failed` +
      `${options.dryRun === true ? ' (dry run: nothing written)' : ''}\n`;
    if (options.dryRun === true || options.out !== undefined || options.inPlace === true) {
      ctx.out(report);
    }
    if (problems.length > 0) throw failure(problems.join('\n'));
  },
};
