/**
 * `migraph census [files…] [--store …]`: states per version (normalised), and the invalid
 * ones, in NDJSON files or a database table, counted with the project's migrator when there
 * is a migrations directory (for its version field), else with a plain one.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { existsSync, statSync } from 'node:fs';
import { compareVersions, type Migrator } from '../core/index.js';
import { loadCompleteProject, type ProjectOptions } from '../node/index.js';
import { census as countStore, censusFile, type Census } from '../index.js';
import type { CliCommand } from './command.js';
import { failure, usage } from './errors.js';
import { openStore, type StoreOptions } from './store.js';

/** One line per version, then the total. */
const formatCensus = (counts: Census): string => {
  const entries = Object.entries(counts);
  const width = Math.max(7, ...entries.map(([version]) => version.length));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return (
    entries.map(([version, n]) => `${version.padEnd(width)}  ${n}\n`).join('') +
    `${'total'.padEnd(width)}  ${total}\n`
  );
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

/** The project's migrator when it has a migrations directory (for its version key), else none. */
const censusMigrator = async (project: ProjectOptions): Promise<Migrator | undefined> => {
  if (!(existsSync(project.dir) && statSync(project.dir).isDirectory())) return undefined;
  const loaded = await loadCompleteProject(project);
  if (E.isLeft(loaded)) throw usage(loaded.left.message, loaded.left);
  return loaded.right;
};

/** `migraph census [files…] [--store url --table t --column c [--id c]] [--json]`. */
export const census: CliCommand = {
  name: 'census',
  describe: (command) =>
    command
      .description('count states per version, in NDJSON files or a database table')
      .argument('[files...]', '.ndjson/.jsonl files of states')
      .option('--store <url>', 'a database: postgres://… or sqlite:<file>')
      .option('--table <name>', 'with --store: the table')
      .option('--column <name>', 'with --store: the column holding each state as JSON')
      .option('--id <column>', 'with --store: the column identifying rows', 'id')
      .option('--json', 'print the counts as JSON'),
  run: async (ctx, options: StoreOptions & { json?: boolean }, [files]: [string[]]) => {
    if ((options.store === undefined) === (files.length === 0)) {
      throw usage('census takes NDJSON files or --store');
    }
    const migrator = await censusMigrator(ctx.project());
    const results: Census[] = [];
    if (options.store !== undefined) {
      const store = await openStore(options);
      try {
        const counted = await countStore(store, migrator);
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
      for (const [version, n] of Object.entries(result)) {
        merged[version] = (merged[version] ?? 0) + n;
      }
    }
    const ordered = sortCensus(merged);
    ctx.out(options.json === true ? `${JSON.stringify(ordered)}\n` : formatCensus(ordered));
  },
};
