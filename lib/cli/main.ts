/**
 * The `migraph` command line: `plan`, `graph`, `migrate`, `check`, `test` and `new` over a
 * migrations directory. Exit codes: 0 ok, 1 a migration, validation or check failed, 2 bad usage.
 * Problems go to stderr, one line each; stack traces only with `--verbose`.
 *
 * @since 0.1.0
 */
import { Command, CommanderError, Option } from 'commander';
import * as E from '#fp/Either.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { check } from '../core/check.js';
import { describeCause } from '../core/errors.js';
import { renderSvg } from '../node/render-svg.js';
import { checkSnapshots, writeSnapshots } from '../node/snapshots.js';
import { formatSnapshotIssue } from '../core/snapshot.js';
import type { PlanDirection } from '../core/planner.js';
import { parseVersion, type Version } from '../core/version.js';
import { CliError, EXIT, failure, usage } from './errors.js';
import { writeFileAtomic } from '../node/files.js';
import { loadProblems, loadProject, type Project, type ProjectOptions } from '../node/project.js';
import { migrateCommand } from './migrate.js';
import { formatPlan } from './plan.js';
import { packageVersion } from './package.js';
import { scaffoldMigration } from './scaffold.js';
import {
  migrateStoreCommand,
  registerCensus,
  withStoreOptions,
  type StoreMigrateOptions,
} from './store.js';
import { projectOptions, requireMigrationsDir, type GlobalOptions } from './options.js';
import { testCommand, type TestCommandOptions } from './test.js';
import { hideSecrets, secretsOf } from './secrets.js';
import { escapeControl } from './terminal.js';

/**
 * States drawn from the schemas module's `arbitraries`, for `check`. fast-check is imported
 * only when there are arbitraries; when they cannot be built (fast-check not installed), the
 * graph is checked without samples and a warning says so.
 */
const sampleArbitraries = async (project: Project): Promise<Record<string, unknown[]>> => {
  let arbitraries: Readonly<Record<string, unknown>>;
  try {
    arbitraries = await project.arbitraries();
  } catch (error) {
    err(
      `migraph: warning: ${escapeControl(describeCause(error))}; checking without sampled states\n`,
    );
    return {};
  }
  const entries = Object.entries(arbitraries);
  if (entries.length === 0) return {};
  for (const [version, arbitrary] of entries) {
    if (typeof (arbitrary as { generate?: unknown } | null)?.generate !== 'function') {
      throw usage(`The schemas module's arbitraries['${version}'] is not a fast-check arbitrary`);
    }
  }
  const { sampleStates } = await import('../testing/round-trip.js');
  return sampleStates(arbitraries as Record<string, import('fast-check').Arbitrary<unknown>>);
};

const versionArg = (value: string, name: string): Version => {
  const parsed = parseVersion(value);
  if (E.isLeft(parsed)) throw usage(`${name}: ${parsed.left.message}`);
  return parsed.right;
};

const out = (text: string) => process.stdout.write(text);
/** The passwords of URLs among the arguments of the running command: never printed. */
let secrets: readonly string[] = [];
const err = (text: string) => process.stderr.write(hideSecrets(text, secrets));

/** Loads the project; files that failed to load make every command but `check` fail. */
const open = async (options: ProjectOptions, strict = true): Promise<Project> => {
  requireMigrationsDir(options);
  const loaded = await loadProject(options);
  if (E.isLeft(loaded)) throw usage(loaded.left.message, loaded.left.cause);
  const project = loaded.right;
  for (const warning of project.warnings) err(`migraph: warning: ${escapeControl(warning)}\n`);
  const problems = loadProblems(project.report);
  if (strict && problems.length > 0) {
    throw failure(problems.map((p) => `cannot load ${p}`).join('\n'));
  }
  return project;
};

const writeOutput = async (file: string | undefined, text: string): Promise<void> => {
  if (file === undefined) {
    out(text);
    return;
  }
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, text);
};

/** The drift check's issues as `check` reports them (every one an error). */
const snapshotIssues = async (project: Project, dir: string, allowRetired: boolean) => {
  const checked = await checkSnapshots(project.migrator, { dir, retired: project.retired });
  if (E.isLeft(checked)) throw failure(checked.left.message);
  return checked.right
    .filter((issue) => !(allowRetired && issue.kind === 'left-graph'))
    .map((issue) => ({
      severity: 'error' as const,
      code: `snapshot-${issue.kind}`,
      message: formatSnapshotIssue(issue),
      versions: [issue.version],
    }));
};

const program = (): Command => {
  const cli = new Command('migraph')
    .description('Plan and run migrations of versioned JSON states through a version graph.')
    .version(packageVersion())
    .option('-d, --dir <dir>', 'migrations directory', './migrations')
    .option('--schemas <module>', 'module exporting codecs (default: <dir>/schemas.{js,mjs,ts})')
    .option('-v, --verbose', 'print stack traces with errors')
    .option(
      '--load-timeout <seconds>',
      'how long a migration script or schemas module may take to load (default 30)',
      (v: string) => {
        const seconds = Number(v);
        if (!(seconds > 0 && Number.isFinite(seconds))) {
          throw usage(`--load-timeout: expected a positive number of seconds, got ${v}`);
        }
        return seconds;
      },
    )
    .showHelpAfterError('(run migraph --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });
  const globals = () => cli.opts<GlobalOptions>();
  /** Every command loads its project with these, built in one place. */
  const projectOf = () => projectOptions(globals());

  cli
    .command('plan')
    .description('show the shortest path between two versions, and why it was chosen')
    .argument('<from>', 'version to start from')
    .argument('<to>', 'version to reach')
    .addOption(
      new Option('--direction <direction>', 'which edges may be used')
        .choices(['any', 'forward', 'reverse'])
        .default('any'),
    )
    .option('--json', 'print the plan and its alternatives as JSON')
    .action(
      async (from: string, to: string, options: { direction: PlanDirection; json?: boolean }) => {
        const [a, b] = [versionArg(from, '<from>'), versionArg(to, '<to>')];
        const { migrator } = await open(projectOf());
        const limit = 10;
        const plans = migrator.alternatives(a, b, {
          direction: options.direction,
          limit: limit + 1,
        });
        if (E.isLeft(plans)) throw failure(plans.left.message, plans.left);
        const shown = plans.right.slice(0, limit);
        out(
          options.json === true
            ? `${JSON.stringify({ plan: shown[0], alternatives: shown.slice(1) }, null, 2)}\n`
            : formatPlan(shown, plans.right.length > limit),
        );
      },
    );

  cli
    .command('graph')
    .description('draw the version graph')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['dot', 'mermaid', 'svg'])
        .default('dot'),
    )
    .option('--highlight <from:to>', 'draw the plan between two versions in bold')
    .option('--title <title>', 'a title above the graph')
    .option('-o, --output <file>', 'write to a file (atomically) instead of stdout')
    .action(
      async (options: {
        format: 'dot' | 'mermaid' | 'svg';
        highlight?: string;
        title?: string;
        output?: string;
      }) => {
        const { migrator } = await open(projectOf());
        let highlight;
        if (options.highlight !== undefined) {
          const parts = options.highlight.split(':');
          if (parts.length !== 2)
            throw usage(`--highlight: expected <from>:<to>, got ${options.highlight}`);
          const plan = migrator.plan(
            versionArg(parts[0]!, '--highlight'),
            versionArg(parts[1]!, '--highlight'),
          );
          if (E.isLeft(plan)) throw failure(`--highlight: ${plan.left.message}`, plan.left);
          highlight = plan.right;
        }
        const diagram = {
          ...(highlight ? { highlight } : {}),
          ...(options.title ? { title: options.title } : {}),
        };
        let text: string;
        if (options.format === 'mermaid') text = migrator.toMermaid(diagram);
        else if (options.format === 'dot') text = migrator.toDot(diagram);
        else {
          const svg = await renderSvg(migrator.toDot(diagram));
          if (E.isLeft(svg)) throw failure(svg.left.message, svg.left);
          text = svg.right;
        }
        await writeOutput(options.output, text);
      },
    );

  withStoreOptions(cli.command('migrate'))
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
    )
    .action(
      async (
        files: string[],
        options: {
          to?: string;
          dryRun?: boolean;
          diff?: boolean;
          out?: string;
          inPlace?: boolean;
          threads?: number;
        } & StoreMigrateOptions,
      ) => {
        if (options.store !== undefined || files.length === 0) {
          if (options.store !== undefined) requireMigrationsDir(projectOf());
          await migrateStoreCommand(files, options, projectOf());
          return;
        }
        const { migrator } = await open(projectOf());
        const { summary, problems, notes } = await migrateCommand(
          migrator,
          projectOf(),
          files,
          options,
        );
        for (const note of notes) err(`migraph: ${escapeControl(note)}\n`);
        const report =
          `${summary.states} state(s) in ${summary.files} file(s): ${summary.migrated} migrated, ` +
          `${summary.unchanged} already at the target, ${summary.failed} failed` +
          `${options.dryRun === true ? ' (dry run: nothing written)' : ''}\n`;
        if (options.dryRun === true || options.out !== undefined || options.inPlace === true)
          out(report);
        if (problems.length > 0) throw failure(problems.join('\n'));
      },
    );

  registerCensus(cli, projectOf);

  cli
    .command('check')
    .description('lint the version graph (non-zero exit on errors)')
    .option('--json', 'print the report as JSON')
    .option(
      '--snapshots <dir>',
      "also check every version's codec against its committed schema snapshot",
    )
    .option(
      '--allow-retired',
      'accept snapshots of versions no longer in the graph (else only those the schemas module lists as retired)',
    )
    .action(async (options: { json?: boolean; snapshots?: string; allowRetired?: boolean }) => {
      const project = await open(projectOf(), false);
      const report = check(project.migrator, { samples: await sampleArbitraries(project) });
      const loadErrors = project.report.files
        .filter((file) => file.status !== 'loaded')
        .map((file) => ({
          severity: 'error' as const,
          // Skipped: not a migration script by its name, or a symlink leaving --dir.
          code: file.status === 'failed' ? 'load-failed' : 'not-loaded',
          message: `${path.join(project.report.dir, file.file)}: ${file.problem ?? file.status}`,
          versions: [],
        }));
      const snapshotErrors =
        options.snapshots === undefined
          ? []
          : await snapshotIssues(project, options.snapshots, options.allowRetired === true);
      const errors = [...loadErrors, ...report.errors, ...snapshotErrors];
      if (options.json === true) {
        out(
          `${JSON.stringify({ ok: errors.length === 0, errors, warnings: report.warnings }, null, 2)}\n`,
        );
      } else {
        for (const issue of [...errors, ...report.warnings]) {
          out(`${issue.severity} ${issue.code}: ${issue.message}\n`);
        }
        const versions = project.migrator.versions().length;
        out(
          `${versions} version(s), ${project.migrator.edges().length} edge(s): ${errors.length} error(s), ${report.warnings.length} warning(s)\n`,
        );
      }
      if (errors.length > 0) throw new CliError('', EXIT.failure);
    });

  cli
    .command('snapshot')
    .description(
      "write each version's canonical JSON Schema to <out>/<version>.json (commit them like a lock file)",
    )
    .option('-o, --out <dir>', 'the snapshot directory', 'schemas')
    .action(async (options: { out: string }) => {
      const project = await open(projectOf());
      const written = await writeSnapshots(project.migrator, { dir: options.out });
      if (E.isLeft(written)) throw failure(written.left.message);
      const { written: changed, unchanged } = written.right;
      for (const version of changed) out(`wrote ${path.join(options.out, `${version}.json`)}\n`);
      out(`${changed.length} snapshot(s) written, ${unchanged.length} unchanged\n`);
    });

  cli
    .command('test')
    .description(
      'round-trip every migration with a down, and every path between versions with codecs, on states drawn from the codecs (non-zero exit on failure)',
    )
    .option('--runs <n>', 'states per edge or path (default 100)')
    .option('--seed <n>', 'seed of the generated states, to replay a run')
    .option('--json', 'print the report as JSON')
    .option(
      '--snapshots <dir>',
      'validate and draw states of versions without a codec (retired ones) from their schema snapshots',
    )
    .action(async (options: TestCommandOptions) => {
      await testCommand(await open(projectOf()), options, out);
    });

  cli
    .command('new')
    .description('scaffold a migration script from the template')
    .argument('<from>', 'version it migrates from')
    .argument('<to>', 'version it migrates to')
    .action(async (from: string, to: string) => {
      const [a, b] = [versionArg(from, '<from>'), versionArg(to, '<to>')];
      const pre = [a, b].find((v) => v.includes('-'));
      if (pre !== undefined) {
        throw usage(
          `${pre} is a pre-release version: migration file names (v{M}_{m}_{p}_to_v{M}_{m}_{p}) cannot name it, so the loader would never load the script`,
        );
      }
      const dir = path.resolve(globals().dir);
      await mkdir(dir, { recursive: true });
      const file = await scaffoldMigration(dir, a, b);
      out(`Created ${path.relative(process.cwd(), file) || file}\n`);
    });

  return cli;
};

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code.
 *
 * @example
 * process.exitCode = await main(['plan', '1.0.0', '1.1.0'])
 * @since 0.1.0
 */
export const main = async (argv: readonly string[]): Promise<number> => {
  secrets = secretsOf(argv);
  const cli = program();
  try {
    await cli.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return EXIT.ok;
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const verbose = cli.opts<GlobalOptions>().verbose === true;
    if (error instanceof CliError) {
      if (error.message !== '') {
        for (const line of error.message.split('\n')) err(`migraph: ${escapeControl(line)}\n`);
      }
      if (verbose) err(`${String((error.cause as Error | undefined)?.stack ?? error.stack)}\n`);
      return error.exitCode;
    }
    const message = describeCause(error);
    err(`migraph: ${escapeControl(message.split('\n')[0] ?? '')}\n`);
    if (verbose && error instanceof Error) err(`${error.stack}\n`);
    else err('migraph: (run again with --verbose for details)\n');
    return EXIT.failure;
  }
};
