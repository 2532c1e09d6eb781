/**
 * `migraph migrate <files…>`: migrates JSON files (one state, or an array of states) and
 * NDJSON files (one state per line) to a version.
 *
 * Where results go: stdout (default), `--out <dir>` (same file names), or `--in-place`.
 * Files are written atomically; a JSON file with a failing state is not written at all, and
 * `--in-place` leaves a file untouched unless every state in it migrates. With `--out`, the
 * lines of an NDJSON file that fail go to `<out file>.rejected.ndjson` with their line number
 * and error. `--dry-run` writes nothing; `--diff` prints an RFC 6902 patch per state.
 *
 * @since 0.1.0
 */
import fastJsonPatch from 'fast-json-patch';
import * as E from 'fp-ts/lib/Either.js';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { describeCause } from '../errors.js';
import type { Migrator } from '../migrator.js';
import { parseVersion } from '../version.js';
import { usage } from './errors.js';
import { commitTemp, tempPathFor, writeFileAtomic } from '../files.js';
import { startProgress, type Progress } from './progress.js';

/** Options of `migraph migrate`. */
export interface MigrateCommandOptions {
  readonly to?: string;
  readonly dryRun?: boolean;
  readonly diff?: boolean;
  readonly out?: string;
  readonly inPlace?: boolean;
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
  readonly to: string;
  readonly diff: boolean;
  readonly summary: MigrateSummary;
  readonly problems: string[];
  readonly progress: Progress;
  bytesDone: number;
}

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
): E.Either<string, { output: unknown; patch: string | undefined }> => {
  run.summary.states++;
  const result = run.migrator.migrate(input, run.to);
  if (E.isLeft(result)) {
    run.summary.failed++;
    return E.left(`${where}: ${result.left.message}`);
  }
  if (result.right === input) run.summary.unchanged++;
  else run.summary.migrated++;
  const patch = run.diff
    ? JSON.stringify(fastJsonPatch.compare(input as object, result.right))
    : undefined;
  return E.right({ output: result.right, patch });
};

const printPatch = (file: string, position: Record<string, number>, patch: string) =>
  print(
    `{"file":${JSON.stringify(file)},${Object.entries(position)
      .map(([k, v]) => `"${k}":${v}`)
      .join(',')},"patch":${patch}}\n`,
  );

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
    if (result.right.patch !== undefined) await printPatch(file, { index }, result.right.patch);
  }
  run.progress.update(run.bytesDone);
  const json = `${JSON.stringify(many ? outputs : outputs[0], null, 2)}\n`;
  if (destination.kind === 'stdout' && !run.diff && !failed) await print(json);
  if (destination.kind === 'file' && !failed) await writeFileAtomic(destination.file, json);
};

/** Opens a temporary file beside `file` for a streamed write. */
const openTemp = (file: string): { temp: string; stream: WriteStream } => {
  const temp = tempPathFor(file);
  return { temp, stream: createWriteStream(temp, { flags: 'wx' }) };
};

const write = async (stream: WriteStream, text: string): Promise<void> => {
  if (!stream.write(text)) await once(stream, 'drain');
};

const finish = async (stream: WriteStream): Promise<void> => {
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(resolve);
  });
};

const migrateNdjsonFile = async (run: Run, file: string, destination: Destination) => {
  const target = destination.kind === 'file' ? openTemp(destination.file) : undefined;
  const rejected =
    destination.kind === 'file' && !destination.inPlace
      ? {
          file: `${destination.file}.rejected.ndjson`,
          ...openTemp(`${destination.file}.rejected.ndjson`),
        }
      : undefined;
  let failed = false;
  let line = 0;
  try {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const raw of lines) {
      line++;
      run.bytesDone += Buffer.byteLength(raw) + 1;
      if (line % 256 === 0) run.progress.update(run.bytesDone);
      if (raw.trim() === '') continue;
      let result: ReturnType<typeof migrateOne>;
      try {
        result = migrateOne(run, `${file}:${line}`, JSON.parse(raw));
      } catch (cause) {
        run.summary.states++;
        run.summary.failed++;
        result = E.left(`${file}:${line}: not valid JSON: ${describeCause(cause)}`);
      }
      if (E.isLeft(result)) {
        failed = true;
        run.problems.push(result.left);
        if (rejected !== undefined) {
          const error = result.left.slice(`${file}:${line}: `.length);
          await write(rejected.stream, `${JSON.stringify({ line, error, input: raw })}\n`);
        }
        continue;
      }
      const { output, patch } = result.right;
      if (patch !== undefined) await printPatch(file, { line }, patch);
      if (target !== undefined) await write(target.stream, `${JSON.stringify(output)}\n`);
      else if (destination.kind === 'stdout' && !run.diff)
        await print(`${JSON.stringify(output)}\n`);
    }
    if (target !== undefined && destination.kind === 'file') {
      await finish(target.stream);
      if (destination.inPlace && failed) await rm(target.temp, { force: true });
      else await commitTemp(target.temp, destination.file);
    }
    if (rejected !== undefined) {
      await finish(rejected.stream);
      if (failed) await commitTemp(rejected.temp, rejected.file);
      else {
        await rm(rejected.temp, { force: true });
        await rm(rejected.file, { force: true });
      }
    }
  } catch (error) {
    target?.stream.destroy();
    rejected?.stream.destroy();
    if (target !== undefined) await rm(target.temp, { force: true });
    if (rejected !== undefined) await rm(rejected.temp, { force: true });
    throw error;
  }
};

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
  files: readonly string[],
  options: MigrateCommandOptions,
): Promise<{ summary: MigrateSummary; problems: string[] }> => {
  checkInputs(files, options);
  const to = options.to ?? migrator.targetVersion();
  if (to === undefined) throw usage('No target version: pass --to, or load some migrations');
  const version = parseVersion(to);
  if (E.isLeft(version)) throw usage(`--to: ${version.left.message}`);
  if (options.out !== undefined && options.dryRun !== true) {
    await mkdir(options.out, { recursive: true });
  }
  const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const run: Run = {
    migrator,
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
  return { summary: run.summary, problems: run.problems };
};
