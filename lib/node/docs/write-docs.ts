/**
 * `writeDocs`: a publishable site of a version graph — an index and one page per version — as
 * Markdown (VitePress, Docusaurus) or static HTML, written only where a file changed.
 *
 * @since 0.1.0
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import * as E from '#fp/Either.js';
import {
  describeVersions,
  type DescribedSource,
  type VersionsDescription,
} from '../../core/describe-versions.js';
import { toDot, toMermaid, type DiagramSource } from '../../core/diagram.js';
import { describeCause } from '../../core/describe-cause.js';
import type { JsonSchema } from '../../core/json-schema.js';
import { checkOptions } from '../../core/options.js';
import { formatSnapshotIssue } from '../../core/snapshot.js';
import { writeFileAtomic } from '../files.js';
import { renderSvg } from '../render-svg.js';
import { readSnapshots } from '../snapshots.js';
import { htmlSite } from './html.js';
import { markdownSite } from './markdown.js';
import { GENERATED_MARK, type SiteInput } from './site.js';

/** The formats {@link writeDocs} writes. */
export type DocsFormat = 'md' | 'html';

/** Options of {@link writeDocs}. */
export interface WriteDocsOptions {
  /** The directory of the site (created when missing). */
  readonly out: string;
  /** `md` (default): Markdown with front matter for VitePress or Docusaurus; `html`: a static site. */
  readonly format?: DocsFormat;
  /**
   * Schema snapshots, for versions without a codec: a directory of `<version>.json` files (as
   * `migraph snapshot` writes them), or the snapshots themselves.
   */
  readonly snapshots?: string | ReadonlyMap<string, { readonly schema: JsonSchema }>;
  /** States per version (as `census` counts them), shown on the index and each page. */
  readonly census?: Readonly<Record<string, number>>;
  /** The index page's title. Default `'Versions'`. */
  readonly title?: string;
}

/** What {@link writeDocs} did, file names relative to `dir`, sorted. */
export interface DocsReport {
  readonly dir: string;
  /** Every file of the site. */
  readonly files: readonly string[];
  /** Files written because they were new or changed. */
  readonly written: readonly string[];
  /** Files already as generated, left untouched. */
  readonly unchanged: readonly string[];
  /** Pages of an earlier run whose version is gone (they carry the generated mark). */
  readonly removed: readonly string[];
}

const WRITE_DOCS_OPTIONS = {
  out: 'string',
  format: ['md', 'html'],
  snapshots: 'any',
  census: 'object',
  title: 'string',
} as const;

/**
 * Writes the docs of a version graph to `out`: an index (every version with its description
 * and order, state counts when a census is given, the graph as Mermaid and SVG with the current
 * version marked) and one page per version (from {@link describeVersions}: the schema as a
 * field table, a changelog against each neighbour, the edges in and out, the upgrade from every
 * older version). Re-running on the same project writes nothing: the output is byte-identical,
 * and files already as generated are not rewritten. Pages of versions no longer in the graph
 * are removed when they carry the generated mark; no other file in `out` is touched.
 *
 * @example
 * await writeDocs(m, { out: 'docs/versions', snapshots: 'schemas' })
 * // Right({ dir: 'docs/versions', files: ['1.0.0.md', …, 'graph.svg', 'index.md'], written: […], … })
 * @since 0.1.0
 */
export const writeDocs = async (
  m: DescribedSource & DiagramSource,
  options: WriteDocsOptions,
): Promise<E.Either<Error, DocsReport>> => {
  checkOptions('writeDocs()', options, WRITE_DOCS_OPTIONS);
  if (typeof options.out !== 'string' || options.out === '') {
    throw new TypeError('writeDocs(): expected options.out, the directory of the site');
  }
  const snapshots = await snapshotsOf(options.snapshots);
  if (E.isLeft(snapshots)) return snapshots;
  const described = describeVersions(m, { snapshots: snapshots.right });
  const site = await siteOf(m, described, options);
  if (E.isLeft(site)) return site;
  const format = options.format ?? 'md';
  const files = format === 'html' ? htmlSite(site.right) : markdownSite(site.right);
  try {
    return E.right(await writeSite(options.out, files, format));
  } catch (cause) {
    return E.left(
      new Error(`Could not write the docs to ${options.out}: ${describeCause(cause)}`, { cause }),
    );
  }
};

const snapshotsOf = async (
  snapshots: WriteDocsOptions['snapshots'],
): Promise<E.Either<Error, ReadonlyMap<string, { readonly schema: JsonSchema }> | undefined>> => {
  if (snapshots === undefined || typeof snapshots !== 'string') {
    if (snapshots !== undefined && !(snapshots instanceof Map)) {
      throw new TypeError(
        'writeDocs(): expected options.snapshots to be a directory or a Map of snapshots',
      );
    }
    return E.right(snapshots);
  }
  const read = await readSnapshots(snapshots);
  if (E.isLeft(read)) return read;
  const [invalid] = read.right.invalid;
  return invalid === undefined
    ? E.right(read.right.snapshots)
    : E.left(new Error(formatSnapshotIssue(invalid)));
};

const siteOf = async (
  m: DiagramSource,
  described: VersionsDescription,
  options: WriteDocsOptions,
): Promise<E.Either<Error, SiteInput>> => {
  const title = options.title ?? 'Versions';
  const current = described.current === undefined ? {} : { current: described.current };
  const svg = await renderSvg(toDot(m, current));
  if (E.isLeft(svg)) return svg;
  return E.right({
    title,
    described,
    mermaid: toMermaid(m, current),
    svg: svg.right,
    ...(options.census === undefined ? {} : { census: options.census }),
    ...(typeof options.snapshots === 'string'
      ? { snapshotsDir: options.snapshots.split(path.sep).join('/') }
      : {}),
  });
};

const readText = async (file: string): Promise<string | undefined> => {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
};

const writeSite = async (
  dir: string,
  files: ReadonlyMap<string, string>,
  format: DocsFormat,
): Promise<DocsReport> => {
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) {
    throw new Error(`${dir} is not a directory`);
  }
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const [name, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const file = path.join(dir, name);
    if ((await readText(file)) === text) unchanged.push(name);
    else {
      await writeFileAtomic(file, text);
      written.push(name);
    }
  }
  const removed: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (files.has(name) || !name.endsWith(`.${format}`)) continue;
    const file = path.join(dir, name);
    if ((await stat(file)).isFile() && (await readText(file))?.includes(GENERATED_MARK)) {
      await rm(file);
      removed.push(name);
    }
  }
  return { dir, files: [...files.keys()].sort(), written, unchanged, removed };
};
