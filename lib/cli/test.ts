/**
 * `migraph test`: the round trips of `testMigrations` on a project, one line per edge or path,
 * then a summary with the seed that replays them. fast-check is imported when the command
 * runs, and only then.
 *
 * @since 0.1.0
 */
import type fc from 'fast-check';
import * as E from '#fp/Either.js';
import { readSnapshots, type Project } from '../node/index.js';
import type { CliCommand } from './command.js';
import { CliError, EXIT, usage } from './errors.js';

/** The options of `migraph test`, as commander gives them. */
export interface TestCommandOptions {
  readonly runs?: string;
  readonly seed?: string;
  readonly json?: boolean;
  readonly snapshots?: string;
}

const integerOption = (
  value: string | undefined,
  name: string,
  min: number,
): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > 2 ** 31) {
    throw usage(
      `${name}: expected ${min > 0 ? 'a positive' : 'an'} integer${min > 0 ? '' : ` between -2^31 and 2^31`}, got ${value}`,
    );
  }
  return n;
};

const loadKit = async (): Promise<typeof import('../testing/index.js')> => {
  try {
    return await import('../testing/index.js');
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String(cause).includes('fast-check')) {
      throw usage('migraph test needs fast-check: run `npm install --save-dev fast-check`', cause);
    }
    throw cause;
  }
};

const arbitrariesOf = async (project: Project): Promise<Record<string, fc.Arbitrary<unknown>>> => {
  let arbitraries: Readonly<Record<string, unknown>>;
  try {
    arbitraries = await project.arbitraries();
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error), error);
  }
  for (const [version, arbitrary] of Object.entries(arbitraries)) {
    if (typeof (arbitrary as { generate?: unknown } | null)?.generate !== 'function') {
      throw usage(`The schemas module's arbitraries['${version}'] is not a fast-check arbitrary`);
    }
  }
  return arbitraries as Record<string, fc.Arbitrary<unknown>>;
};

/** The snapshots of `--snapshots <dir>`; an invalid snapshot file stops the command. */
const snapshotsOf = async (dir: string | undefined) => {
  if (dir === undefined) return undefined;
  const read = await readSnapshots(dir);
  if (E.isLeft(read)) throw usage(read.left.message, read.left);
  const [invalid] = read.right.invalid;
  if (invalid !== undefined && invalid.kind === 'invalid') throw usage(invalid.message);
  if (read.right.snapshots.size === 0) {
    throw usage(`No schema snapshots in ${dir}: run \`migraph snapshot --out ${dir}\` first`);
  }
  return read.right.snapshots;
};

/** JSON of a report; BigInt values (which JSON cannot hold) become strings. */
const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 2);

/**
 * Runs the round trips of `project`'s migrator, writing one line per edge or path as each
 * finishes (or, with `json`, the whole report at the end). Throws a `CliError` with exit code 1
 * when any round trip fails, 2 on a bad option.
 */
export const testCommand = async (
  project: Project,
  options: TestCommandOptions,
  write: (text: string) => void,
): Promise<void> => {
  const runs = integerOption(options.runs, '--runs', 1) ?? 100;
  const seed = integerOption(options.seed, '--seed', -(2 ** 31));
  const { testMigrations, formatRoundTrip, formatTestSummary } = await loadKit();
  const json = options.json === true;
  const snapshots = await snapshotsOf(options.snapshots);
  const report = await testMigrations(project.migrator, {
    runs,
    ...(seed === undefined ? {} : { seed }),
    arbitraries: await arbitrariesOf(project),
    ...(snapshots === undefined ? {} : { snapshots }),
    ...(json ? {} : { onResult: (result) => write(`${formatRoundTrip(result)}\n`) }),
  });
  if (json) write(`${toJson(report)}\n`);
  else {
    write(`${formatTestSummary(report)}\n`);
    if (!report.ok) write(`Replay with: migraph test --runs ${runs} --seed ${report.seed}\n`);
  }
  if (!report.ok) throw new CliError('', { exitCode: EXIT.failure });
};

/** `migraph test [--runs n] [--seed n] [--json] [--snapshots dir]`. */
export const test: CliCommand = {
  name: 'test',
  describe: (command) =>
    command
      .description(
        'round-trip every migration with a down, and every path between versions with codecs, on states drawn from the codecs (non-zero exit on failure)',
      )
      .option('--runs <n>', 'states per edge or path (default 100)')
      .option('--seed <n>', 'seed of the generated states, to replay a run')
      .option('--json', 'print the report as JSON')
      .option(
        '--snapshots <dir>',
        'validate and draw states of versions without a codec (retired ones) from their schema snapshots',
      ),
  run: async (ctx, options: TestCommandOptions) => {
    await testCommand(await ctx.open(), options, ctx.out);
  },
};
