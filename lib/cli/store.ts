/**
 * The database side of the command line: `migraph migrate --store postgres://…|sqlite:file
 * --table t --column c` (in `--workers` processes, each migrating batches of `--batch-size`
 * rows), and `migraph census --store …` / `migraph census file.ndjson` (states per version).
 * Run the same `migrate --store` command on as many machines as you like: the database shares
 * the rows among them.
 *
 * @since 0.1.0
 */
import { Command, Option } from 'commander';
import * as E from '#fp/Either.js';
import { fork } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Migrator } from '../core/migrator.js';
import type { StateStore, StoreReport } from '../core/store.js';
import { compareVersions, parseVersion } from '../core/version.js';
import { loadCompleteProject, type ProjectOptions } from '../node/project.js';
import { census, censusFile, type Census } from '../stores/census.js';
import { migrateStore, resolveTarget } from '../stores/migrate.js';
import { failure, usage } from './errors.js';
import { startProgress } from './progress.js';
import { redactUrl, schemeOf } from './secrets.js';

/** What the store options of `migrate` and `census` give. */
export interface StoreOptions {
  readonly store?: string;
  readonly table?: string;
  readonly column?: string;
  readonly id?: string;
}

/** Options of `migraph migrate --store`. */
export interface StoreMigrateOptions extends StoreOptions {
  readonly to?: string;
  readonly workers?: number;
  readonly batchSize?: number;
  readonly retryRejected?: boolean;
  readonly dryRun?: boolean;
  readonly diff?: boolean;
  readonly out?: string;
  readonly inPlace?: boolean;
  readonly threads?: number;
}

/** A job of one worker process: where the project and the store are, and the run. */
export interface StoreJob {
  readonly project: ProjectOptions;
  readonly store: Required<Pick<StoreOptions, 'store' | 'table' | 'column'>> & StoreOptions;
  readonly to: string;
  readonly batchSize: number;
}

/** What a worker process tells the command. */
export type WorkerMessage =
  | {
      readonly type: 'progress';
      readonly migrated: number;
      readonly seen: number;
      readonly rejected: number;
    }
  | { readonly type: 'done'; readonly report: StoreReport; readonly seen: number }
  | { readonly type: 'error'; readonly message: string };

const out = (text: string) => process.stdout.write(text);

const count = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw usage(`${name}: expected a positive whole number, got ${value}`);
  return n;
};

/** Adds the store options to `migrate`. */
export const withStoreOptions = (command: Command): Command =>
  command
    .addOption(
      new Option(
        '--store <url>',
        'migrate a database table instead of files: postgres://… or sqlite:<file>',
      ),
    )
    .option('--table <name>', 'with --store: the table (schema.table allowed)')
    .option('--column <name>', 'with --store: the column holding each state as JSON')
    .option('--id <column>', 'with --store: the column identifying rows', 'id')
    .option('--workers <n>', 'with --store: worker processes (default 1)', count('--workers'))
    .option(
      '--batch-size <n>',
      'with --store: rows per transaction (default 500)',
      count('--batch-size'),
    )
    .option('--retry-rejected', 'with --store: try the rows recorded in migraph_rejected again');

/**
 * The store an URL names: `postgres://` or `postgresql://` (schemes are case-insensitive:
 * `POSTGRES://` is PostgreSQL too) or `sqlite:<file>`. Throws a usage error for anything else,
 * naming the scheme and the supported ones; no message shows the URL's password.
 */
export const openStore = async (options: StoreOptions): Promise<StateStore> => {
  const { store: url, table, column } = options;
  if (url === undefined) throw usage('--store is required');
  if (table === undefined || column === undefined) {
    throw usage('--store needs --table and --column');
  }
  const common = { table, column, ...(options.id === undefined ? {} : { id: options.id }) };
  const scheme = schemeOf(url);
  try {
    if ((scheme === 'postgres' || scheme === 'postgresql') && /^[^:]+:\/\//.test(url)) {
      const { postgresStore } = await import('../stores/postgres.js');
      // Handed to pg with the scheme in lower case, the one spelling every driver reads.
      const connectionString = `postgresql${url.slice(scheme.length)}`;
      return postgresStore({ connectionString, ...common });
    }
    if (scheme === 'sqlite') {
      const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
      if (file === '') throw usage('--store sqlite:<file>: the file is missing');
      const { sqliteStore } = await import('../stores/sqlite.js');
      return sqliteStore({ file, ...common });
    }
  } catch (error) {
    if (error instanceof TypeError) throw usage(redactUrl(error.message));
    throw error;
  }
  const shown = redactUrl(url);
  const driver = /^postgres(?:ql)?\+(.*)$/.exec(scheme ?? '');
  const why =
    // No scheme (a Windows drive letter is none either): most likely a database file.
    scheme === undefined || scheme.length === 1
      ? /\.(db|sqlite3?)$/i.test(url)
        ? ` (did you mean sqlite:${shown}?)`
        : ''
      : driver !== null
        ? ` (unsupported scheme ${scheme}: drop the driver suffix +${driver[1]}, which is SQLAlchemy's)`
        : ` (unsupported scheme ${scheme}; postgresql://… is PostgreSQL too)`;
  throw usage(`--store: expected postgres://… or sqlite:<file>, got ${shown}${why}`);
};

const loadMigrator = async (project: ProjectOptions): Promise<Migrator> => {
  const loaded = await loadCompleteProject(project);
  if (E.isLeft(loaded)) throw usage(loaded.left.message, loaded.left);
  return loaded.right;
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "50 rows remain rejected from earlier runs", or undefined when none does. */
const remaining = (report: StoreReport): string | undefined =>
  report.previouslyRejected === 0
    ? undefined
    : `${plural(report.previouslyRejected, 'row')} ${report.previouslyRejected === 1 ? 'remains' : 'remain'} rejected from earlier runs`;

/** The summary line of a run. */
const summary = (report: StoreReport): string => {
  const earlier = remaining(report);
  return (
    `${plural(report.migrated, 'row')} migrated, ${report.alreadyAtTarget} already at the target, ` +
    `${report.rejected} rejected${report.rejected > 0 ? ' (recorded in migraph_rejected)' : ''}` +
    `${report.conflicts > 0 ? `, ${report.conflicts} left for the next run (changed or held locked by the application throughout: run again)` : ''}` +
    `${earlier === undefined ? '' : `; ${earlier} (--retry-rejected to try them again)`}\n`
  );
};

/**
 * `migraph migrate --store …`. Prints one summary line. Exit 1 when rows are left rejected —
 * by this run, or by earlier runs and not tried again (`--retry-rejected` tries them) — with
 * one line saying how many and where they are recorded; also 1 when rows were left for the next
 * run (changed or held locked by the application throughout); 0 when every row is done.
 */
export const migrateStoreCommand = async (
  files: readonly string[],
  options: StoreMigrateOptions,
  project: ProjectOptions,
): Promise<void> => {
  if (options.store === undefined) throw usage('migrate needs files, or --store');
  if (files.length > 0) throw usage('migrate takes files or --store, not both');
  for (const [flag, given] of [
    ['--dry-run', options.dryRun],
    ['--diff', options.diff],
    ['--out', options.out],
    ['--in-place', options.inPlace],
    ['--threads', options.threads],
  ] as const) {
    if (given !== undefined && given !== false) throw usage(`${flag} cannot be used with --store`);
  }
  const migrator = await loadMigrator(project);
  const to = options.to ?? migrator.targetVersion();
  if (to === undefined) throw usage('No target version: pass --to, or load some migrations');
  const version = parseVersion(to);
  if (E.isLeft(version)) throw usage(`--to: ${version.left.message}`);
  const store = await openStore(options);
  const batchSize = options.batchSize ?? 500;
  const workers = options.workers ?? 1;
  let report: StoreReport;
  try {
    report =
      workers === 1
        ? await runHere(migrator, store, version.right, batchSize, options.retryRejected === true)
        : await runWorkers(
            migrator,
            store,
            workers,
            {
              project,
              store: {
                ...options,
                store: options.store,
                table: options.table!,
                column: options.column!,
              },
              to: version.right,
              batchSize,
            },
            options.retryRejected === true,
          );
  } finally {
    await store.close();
  }
  out(summary(report));
  const earlier = remaining(report);
  if (report.rejected > 0 || earlier !== undefined) {
    const what = [
      ...(report.rejected > 0 ? [`${plural(report.rejected, 'row')} could not be migrated`] : []),
      ...(earlier === undefined ? [] : [earlier]),
    ].join(', and ');
    throw failure(
      `${what}: see migraph_rejected where "table" = '${options.table!}'` +
        `${earlier === undefined ? '' : '; --retry-rejected tries them again'}`,
    );
  }
  if (report.conflicts > 0) {
    throw failure(
      `${plural(report.conflicts, 'row')} not migrated: the application changed or held ${report.conflicts === 1 ? 'it' : 'them'} throughout the run; run again`,
    );
  }
};

/** One process: migrateStore here, with a progress bar on a terminal. */
const runHere = async (
  migrator: Migrator,
  store: StateStore,
  to: string,
  batchSize: number,
  retryRejected: boolean,
): Promise<StoreReport> => {
  let progress: ReturnType<typeof startProgress> | undefined;
  try {
    const result = await migrateStore(migrator, store, {
      to,
      batchSize,
      retryRejected,
      onProgress: (p) => {
        progress ??= startProgress({ total: p.total, unit: 'rows' });
        progress.update(p.done);
      },
    });
    if (E.isLeft(result)) throw failure(result.left.message, result.left);
    return result.right;
  } finally {
    progress?.stop();
  }
};

/** The worker process script, beside this file. */
const workerScript = () => fileURLToPath(new URL('./store-worker.js', import.meta.url));

/**
 * `workers` processes, each running `migrateStore` with one session: the database shares the
 * rows among them as among machines. The counts are summed; progress is drawn here.
 */
const runWorkers = async (
  migrator: Migrator,
  store: StateStore,
  workers: number,
  job: StoreJob,
  retryRejected: boolean,
): Promise<StoreReport> => {
  // Once, before the workers: forget old rejections, and count for the progress bar.
  const target = resolveTarget(migrator, job.to);
  if (E.isLeft(target)) throw usage(`--to: ${target.left.message}`);
  let counts;
  try {
    counts = await store.prepare(target.right.store, { retryRejected });
  } catch (error) {
    throw failure(error instanceof Error ? error.message : String(error), error);
  }
  const progress = startProgress({ total: counts.pending, unit: 'rows' });
  const states = Array.from({ length: workers }, () => ({ migrated: 0, seen: 0, rejected: 0 }));
  const draw = () =>
    progress.update(states.reduce((sum, s) => sum + s.migrated + s.seen + s.rejected, 0));
  const problems: string[] = [];
  const reports: { report: StoreReport; seen: number }[] = [];
  const script = workerScript();
  try {
    await Promise.all(
      states.map(
        (state, index) =>
          new Promise<void>((resolve) => {
            const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
            let done = false;
            child.on('message', (message: WorkerMessage) => {
              if (message.type === 'progress') {
                Object.assign(state, {
                  migrated: message.migrated,
                  seen: message.seen,
                  rejected: message.rejected,
                });
                draw();
              } else if (message.type === 'done') {
                done = true;
                reports.push({ report: message.report, seen: message.seen });
              } else {
                done = true;
                problems.push(`worker ${index + 1}: ${message.message}`);
              }
            });
            child.on('exit', (code, signal) => {
              if (!done) {
                problems.push(
                  `worker ${index + 1} stopped (${signal ?? `exit code ${code}`}); its open batch was rolled back: run again`,
                );
              }
              resolve();
            });
            child.send(job);
          }),
      ),
    );
  } finally {
    progress.stop();
  }
  if (problems.length > 0) throw failure(problems.join('\n'));
  const sum = (f: (r: StoreReport) => number) => reports.reduce((s, r) => s + f(r.report), 0);
  return {
    migrated: sum((r) => r.migrated),
    alreadyAtTarget: counts.atTarget + reports.reduce((s, r) => s + r.seen, 0),
    rejected: sum((r) => r.rejected),
    // Counted once, before the workers: each worker's own count would include the rows its
    // siblings rejected meanwhile.
    previouslyRejected: counts.rejected,
    conflicts: sum((r) => r.conflicts),
  };
};

/** Prints a census: one line per version, then the total. */
const formatCensus = (counts: Census): string => {
  const entries = Object.entries(counts);
  const width = Math.max(7, ...entries.map(([version]) => version.length));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return (
    entries.map(([version, n]) => `${version.padEnd(width)}  ${n}\n`).join('') +
    `${'total'.padEnd(width)}  ${total}\n`
  );
};

/** The project's migrator when it has a migrations directory (for its version key), else a plain one. */
const censusMigrator = async (project: ProjectOptions): Promise<Migrator | undefined> =>
  existsSync(project.dir) && statSync(project.dir).isDirectory()
    ? loadMigrator(project)
    : undefined;

/**
 * Registers `migraph census [files…] [--store …]`: states per version (normalised), and the
 * invalid ones, in NDJSON files or a database table.
 */
export const registerCensus = (cli: Command, project: () => ProjectOptions): void => {
  cli
    .command('census')
    .description('count states per version, in NDJSON files or a database table')
    .argument('[files...]', '.ndjson/.jsonl files of states')
    .option('--store <url>', 'a database: postgres://… or sqlite:<file>')
    .option('--table <name>', 'with --store: the table')
    .option('--column <name>', 'with --store: the column holding each state as JSON')
    .option('--id <column>', 'with --store: the column identifying rows', 'id')
    .option('--json', 'print the counts as JSON')
    .action(async (files: string[], options: StoreOptions & { json?: boolean }) => {
      if ((options.store === undefined) === (files.length === 0)) {
        throw usage('census takes NDJSON files or --store');
      }
      const migrator = await censusMigrator(project());
      const results: Census[] = [];
      if (options.store !== undefined) {
        const store = await openStore(options);
        try {
          const counted = await census(store, migrator);
          if (E.isLeft(counted)) throw failure(counted.left.message, counted.left);
          results.push(counted.right);
        } finally {
          await store.close();
        }
      }
      for (const file of files) {
        if (!existsSync(file) || !statSync(file).isFile()) throw usage(`No such file: ${file}`);
        const counted = await censusFile(file, migrator);
        if (E.isLeft(counted)) throw failure(counted.left.message, counted.left);
        results.push(counted.right);
      }
      const merged: Census = {};
      for (const result of results) {
        for (const [version, n] of Object.entries(result))
          merged[version] = (merged[version] ?? 0) + n;
      }
      const ordered = sortCensus(merged);
      out(options.json === true ? `${JSON.stringify(ordered)}\n` : formatCensus(ordered));
    });
};

/** Versions in semver order, `invalid` last (files counted apart are merged). */
const sortCensus = (counts: Census): Census => {
  const keys = Object.keys(counts).filter((k) => k !== 'invalid');
  keys.sort(compareVersions);
  const sorted: Census = {};
  for (const key of keys) sorted[key] = counts[key]!;
  if (counts.invalid !== undefined) sorted.invalid = counts.invalid;
  return sorted;
};
