/**
 * `migraph check`: lints the version graph (`check`, with states sampled from the schemas
 * module's `arbitraries`), reports files that failed to load, and with `--snapshots` the drift
 * of every codec from its committed schema snapshot; with `--compat` (or a compatibility policy
 * in the schemas module) the class of every edge, against the policy, a version whose codec is
 * gone compared through its snapshot when `--snapshots` is given. Exit 1 on any error.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import path from 'node:path';
import { check as checkGraph, describeCause, formatSnapshotIssue } from '../core/index.js';
import { checkSnapshots, readSnapshots, type Project } from '../node/index.js';
import type { CliCommand, CommandContext } from './command.js';
import { compatIssues } from './compat.js';
import { CliError, EXIT, failure, usage } from './errors.js';
import { escapeControl } from './terminal.js';

/** Options of `migraph check`, as commander gives them. */
interface CheckOptions {
  readonly json?: boolean;
  readonly snapshots?: string;
  readonly allowRetired?: boolean;
  readonly compat?: boolean;
  readonly compatRuns?: number;
}

/**
 * States drawn from the schemas module's `arbitraries`. fast-check is imported only when there
 * are arbitraries; when they cannot be built (fast-check not installed), the graph is checked
 * without samples and a warning says so.
 */
const sampleArbitraries = async (
  ctx: CommandContext,
  project: Project,
): Promise<Record<string, unknown[]>> => {
  let arbitraries: Readonly<Record<string, unknown>>;
  try {
    arbitraries = await project.arbitraries();
  } catch (error) {
    ctx.err(
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
  const { sampleStates } = await import('../testing/index.js');
  return sampleStates(arbitraries as Record<string, import('fast-check').Arbitrary<unknown>>);
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

/** The valid snapshots of `dir`, by version (invalid ones are drift issues). */
const snapshotsIn = async (dir: string) => {
  const read = await readSnapshots(dir);
  if (E.isLeft(read)) throw failure(read.left.message);
  return read.right.snapshots;
};

/** `migraph check [--json] [--snapshots dir] [--allow-retired]`. */
export const check: CliCommand = {
  name: 'check',
  describe: (command) =>
    command
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
      .option(
        '--compat',
        "print the compatibility class of every edge (BACKWARD, FORWARD, FULL, NONE) and the counterexample behind each NONE (the schemas module's compatibility policy is enforced with or without it); with --snapshots, versions whose codec is gone are compared through their snapshots",
      )
      .option(
        '--compat-runs <n>',
        'states sampled from each side of an edge to confirm its class (default 200)',
        (v: string) => {
          const n = Number(v);
          if (!Number.isSafeInteger(n) || n < 1) {
            throw usage(`--compat-runs: expected a positive integer, got ${v}`);
          }
          return n;
        },
      ),
  run: async (ctx, options: CheckOptions) => {
    const project = await ctx.open(false);
    const snapshots =
      options.snapshots === undefined ? undefined : await snapshotsIn(options.snapshots);
    const report = checkGraph(project.migrator, {
      samples: await sampleArbitraries(ctx, project),
      ...(snapshots === undefined ? {} : { snapshotted: new Set(snapshots.keys()) }),
    });
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
    const compat =
      options.compat === true || project.compatibility !== undefined
        ? await compatIssues(ctx, project, options.compatRuns ?? 200, snapshots)
        : undefined;
    const errors = [...loadErrors, ...report.errors, ...snapshotErrors, ...(compat?.errors ?? [])];
    const warnings = [...report.warnings, ...(compat?.warnings ?? [])];
    if (options.json === true) {
      ctx.out(
        `${JSON.stringify({ ok: errors.length === 0, errors, warnings, ...(compat === undefined ? {} : { compatibility: compat.edges }) }, null, 2)}\n`,
      );
    } else {
      if (options.compat === true) for (const line of compat?.lines ?? []) ctx.out(`${line}\n`);
      for (const issue of [...errors, ...warnings]) {
        ctx.out(`${issue.severity} ${issue.code}: ${issue.message}\n`);
      }
      const versions = project.migrator.versions().length;
      ctx.out(
        `${versions} version(s), ${project.migrator.edges().length} edge(s): ${errors.length} error(s), ${warnings.length} warning(s)\n`,
      );
    }
    if (errors.length > 0) throw new CliError('', { exitCode: EXIT.failure });
  },
};
