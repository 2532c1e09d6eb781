/**
 * `migraph docs`: a publishable site of the version graph — an index and one page per version
 * with its schema, changelog, edges and upgrade paths — as Markdown or static HTML (see
 * `writeDocs` in `migraph/node`).
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import type { Migrator } from '../core/index.js';
import { writeDocs, type DocsFormat } from '../node/index.js';
import { census as countStore, censusFile, type Census } from '../index.js';
import type { CliCommand } from './command.js';
import { failure, usage } from './errors.js';
import { openStore, type StoreOptions } from './store.js';

interface DocsOptions extends StoreOptions {
  readonly out: string;
  readonly format: DocsFormat;
  readonly snapshots?: string;
  readonly census?: string;
  readonly title?: string;
}

/** A census saved as JSON (`migraph census --json`): versions to whole counts. */
const readCensusJson = async (file: string): Promise<Census> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw usage(`--census: ${file} is not JSON (${String(cause)})`, cause);
  }
  const entries = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
  if (
    Array.isArray(parsed) ||
    entries.length === 0 ||
    !entries.every(([, n]) => Number.isInteger(n) && (n as number) >= 0)
  ) {
    throw usage(
      `--census: expected ${file} to hold counts by version, as \`migraph census --json\` prints them`,
    );
  }
  return Object.fromEntries(entries) as Census;
};

/**
 * The census the options name: a JSON file of counts (`.json`), an NDJSON file of states to
 * count (`.ndjson`, `.jsonl`), or a store; undefined when none is named.
 */
const censusOf = async (m: Migrator, options: DocsOptions): Promise<Census | undefined> => {
  if (options.census !== undefined && options.store !== undefined) {
    throw usage('docs takes --census or --store, not both');
  }
  if (options.store !== undefined) {
    const store = await openStore(options);
    try {
      const counted = await countStore(store, m);
      if (E.isLeft(counted)) throw failure(counted.left.message, counted.left);
      return counted.right;
    } finally {
      await store.close();
    }
  }
  const file = options.census;
  if (file === undefined) return undefined;
  if (!existsSync(file) || !statSync(file).isFile()) throw usage(`--census: no such file: ${file}`);
  if (path.extname(file) === '.json') return readCensusJson(file);
  const counted = await censusFile(file, m);
  if (E.isLeft(counted)) throw failure(counted.left.message, counted.left);
  return counted.right;
};

/** `migraph docs --out dir [--format md|html] [--snapshots dir] [--census file | --store url …]`. */
export const docs: CliCommand = {
  name: 'docs',
  describe: (command) =>
    command
      .description(
        'write a site of the version graph: an index and a page per version (schema, changelog, edges, upgrade paths)',
      )
      .requiredOption('-o, --out <dir>', 'the directory of the site')
      .addOption(
        new Option('-f, --format <format>', 'Markdown (VitePress, Docusaurus) or static HTML')
          .choices(['md', 'html'])
          .default('md'),
      )
      .option('--snapshots <dir>', 'schema snapshots, for versions without a codec')
      .option(
        '--census <file>',
        'states per version: a `migraph census --json` file (.json) or states to count (.ndjson)',
      )
      .option('--store <url>', 'count the states of a database: postgres://… or sqlite:<file>')
      .option('--table <name>', 'with --store: the table')
      .option('--column <name>', 'with --store: the column holding each state as JSON')
      .option('--id <column>', 'with --store: the column identifying rows', 'id')
      .option('--title <title>', 'the title of the index page', 'Versions'),
  run: async (ctx, options: DocsOptions) => {
    const { migrator } = await ctx.open();
    const census = await censusOf(migrator, options);
    const written = await writeDocs(migrator, {
      out: options.out,
      format: options.format,
      ...(options.snapshots === undefined ? {} : { snapshots: options.snapshots }),
      ...(census === undefined ? {} : { census }),
      ...(options.title === undefined ? {} : { title: options.title }),
    });
    if (E.isLeft(written)) throw failure(written.left.message, written.left);
    const report = written.right;
    for (const name of report.written) ctx.out(`wrote ${path.join(options.out, name)}\n`);
    for (const name of report.removed) ctx.out(`removed ${path.join(options.out, name)}\n`);
    ctx.out(
      `${report.files.length} file(s): ${report.written.length} written, ${report.unchanged.length} unchanged, ${report.removed.length} removed\n`,
    );
  },
};
