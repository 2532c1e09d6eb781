/**
 * The database side of the command line: `migraph migrate --store postgres://…|sqlite:file
 * --table t --column c` (in `--workers` processes, each migrating batches of `--batch-size`
 * rows), and `openStore`, the URL parser `census --store` and `docs --store` use too. Run the
 * same `migrate --store` command on as many machines as you like: the database shares the rows
 * among them.
 *
 * @since 0.1.0
 */
import { Command, Option } from 'commander';
import * as E from '#fp/Either.js';
import {
  resolveTargetVersion,
  type MigrateStoreOptions,
  type Migrator,
  type StateStore,
  type StoreReport,
} from '../core/index.js';
import { migrateStore } from '../index.js';
import { loadCompleteProject, type ProjectOptions } from '../node/index.js';
import { failure, targetUsage, usage } from './errors.js';
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
    .option(
      '--workers <n>',
      'with --store: worker processes (default 1; PostgreSQL only: SQLite takes one writer)',
      count('--workers'),
    )
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
  const version = resolveTargetVersion(migrator, options.to);
  if (E.isLeft(version)) throw targetUsage(version.left);
  const store = await openStore(options);
  const workers = options.workers ?? 1;
  let report: StoreReport;
  try {
    report = await run(migrator, store, {
      to: version.right,
      batchSize: options.batchSize ?? 500,
      workers,
      retryRejected: options.retryRejected === true,
      // More than one worker: processes, each loading the project (one session each).
      ...(workers > 1 ? { project } : {}),
    });
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

/** `migrateStore` with a progress bar on a terminal; a bad option is a usage error. */
const run = async (
  migrator: Migrator,
  store: StateStore,
  options: MigrateStoreOptions,
): Promise<StoreReport> => {
  let progress: ReturnType<typeof startProgress> | undefined;
  try {
    let result;
    try {
      result = await migrateStore(migrator, store, {
        ...options,
        onProgress: (p) => {
          progress ??= startProgress({ total: p.total, unit: 'rows' });
          progress.update(p.done);
        },
      });
    } catch (error) {
      if (error instanceof TypeError)
        throw usage(error.message.replace(/^Expected workers/, 'Expected --workers'));
      throw error;
    }
    if (E.isLeft(result)) throw failure(result.left.message, result.left);
    return result.right;
  } finally {
    progress?.stop();
  }
};
