/**
 * Version docs as Markdown for VitePress or Docusaurus: front matter, relative links between
 * pages, tables, the graph as a Mermaid block and as an SVG file beside the pages (raw SVG
 * inside Markdown breaks MDX).
 *
 * @since 0.1.0
 */
import { formatSchemaChange } from '../../core/schema-diff.js';
import type { ChangelogEntry, EdgeRow, VersionDescription } from '../../core/describe-versions.js';
import {
  codeParts,
  edgeName,
  GENERATED_MARK,
  hrefOf,
  missingSchemas,
  otherCounts,
  pageOf,
  UPGRADE_HEADER,
  upgradeRows,
  type SiteInput,
} from './site.js';

/** The file the graph is written to, beside the pages. */
export const GRAPH_FILE = 'graph.svg';

/** Prose safe in Markdown and MDX: its punctuation escaped, on one line. */
const text = (s: string): string =>
  s.replace(/[\\`*_{}[\]<>|#]/g, '\\$&').replace(/\s*\n\s*/g, ' ');

/** A code span, safe in a table cell. */
const code = (s: string): string => {
  const body = s.replace(/\|/g, '\\|');
  const fence = body.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${body}${fence.length > 1 ? ' ' : ''}${fence}`;
};

/** Text whose backtick spans are code, the rest prose. */
const mixed = (s: string): string =>
  codeParts(s)
    .map((part) => (part.code ? code(part.text) : text(part.text)))
    .join('');

const link = (version: string): string => `[${text(version)}](${hrefOf(version, 'md')})`;

const table = (head: readonly string[], align: readonly string[], rows: readonly string[][]) => [
  `| ${head.join(' | ')} |`,
  `| ${align.join(' | ')} |`,
  ...rows.map((row) => `| ${row.join(' | ')} |`),
];

const yamlString = (s: string): string => JSON.stringify(s);

const frontMatter = (fields: readonly (readonly [string, string | number])[]): string[] => [
  '---',
  ...fields.map(
    ([key, value]) => `${key}: ${typeof value === 'number' ? value : yamlString(value)}`,
  ),
  '---',
  '',
  `<!-- ${GENERATED_MARK} -->`,
  '',
];

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

const edgeLine = (e: EdgeRow): string => {
  const notes = [
    e.direction,
    ...(e.cost === 1 ? [] : [`cost ${e.cost}`]),
    ...(e.lossy ? ['lossy'] : []),
  ];
  const changes = e.changes.length === 0 ? '' : ` (changes: ${e.changes.map(code).join(', ')})`;
  return `- ${text(edgeName(e))} (${notes.join(', ')}): ${text(e.description ?? 'no description')}${changes}`;
};

const changelogSection = (site: SiteInput, entry: ChangelogEntry): string[] => {
  const older = entry.neighbour === entry.from;
  const lines = [`### ${older ? 'From' : 'To'} ${link(entry.neighbour)}`, ''];
  lines.push('Migrations:', '');
  if (entry.edges.length === 0) {
    lines.push(`- none between ${text(entry.from)} and ${text(entry.to)}`);
  } else lines.push(...entry.edges.map(edgeLine));
  lines.push('', `Schema changes from ${text(entry.from)} to ${text(entry.to)}:`, '');
  if (entry.schemaChanges === undefined) {
    lines.push(`- unknown: no schema for ${missingSchemas(site, entry).map(text).join(' or ')}`);
  } else if (entry.schemaChanges.length === 0) lines.push('- none');
  else lines.push(...entry.schemaChanges.map((c) => `- ${mixed(formatSchemaChange(c))}`));
  lines.push('');
  return lines;
};

const edgeTable = (edges: readonly EdgeRow[]): string[] =>
  edges.length === 0
    ? ['None.']
    : table(
        ['Migration', 'Direction', 'Cost', 'Lossy', 'Description'],
        ['---', '---', '---:', '---', '---'],
        edges.map((e) => [
          `${link(e.from)} → ${link(e.to)}`,
          e.direction,
          String(e.cost),
          yesNo(e.lossy),
          text(e.description ?? ''),
        ]),
      );

const versionPage = (site: SiteInput, v: VersionDescription): string => {
  const all = site.described.versions;
  const [previous, next] = [all[v.order - 2], all[v.order]];
  const lines = frontMatter([
    ['title', v.version],
    ...(v.description === undefined ? [] : [['description', v.description] as const]),
    ['sidebar_position', v.order + 1],
  ]);
  lines.push(`# ${text(v.version)}${v.current ? ' (current)' : ''}`, '');
  const nav = [
    `[${text(site.title)}](./index.md)`,
    ...(previous === undefined ? [] : [`previous: ${link(previous.version)}`]),
    ...(next === undefined ? [] : [`next: ${link(next.version)}`]),
  ];
  lines.push(`Version ${v.order} of ${all.length} · ${nav.join(' · ')}`, '');
  if (v.current) lines.push('**This is the current version.**', '');
  if (v.description !== undefined) lines.push(text(v.description), '');
  const count = site.census === undefined ? undefined : (site.census[v.version] ?? 0);
  if (count !== undefined) lines.push(`States at this version: ${count}.`, '');

  lines.push('## Schema', '');
  if (v.schema === undefined)
    lines.push('No schema: this version has neither a codec nor a snapshot.', '');
  else {
    lines.push(
      v.schemaSource === 'codec'
        ? 'From the version’s codec.'
        : `From its snapshot${site.snapshotsDir === undefined ? '' : ` (${code(`${site.snapshotsDir}/${v.version}.json`)})`}.`,
      '',
    );
    lines.push(
      ...table(
        ['Field', 'Type', 'Required', 'Since', 'Description'],
        ['---', '---', '---', '---', '---'],
        v.fields.map((f) => [
          code(f.path),
          code(f.type),
          yesNo(f.required),
          link(f.since),
          text(f.description ?? ''),
        ]),
      ),
      '',
    );
  }

  lines.push('## Changelog', '');
  if (v.changelog.length === 0) lines.push('No neighbouring versions.', '');
  for (const entry of v.changelog) lines.push(...changelogSection(site, entry));

  lines.push('## Migrations', '', '### In', '', ...edgeTable(v.edgesIn), '');
  lines.push('### Out', '', ...edgeTable(v.edgesOut), '');

  lines.push(`## Upgrading to ${text(v.version)}`, '');
  if (v.upgrades.length === 0) lines.push('No older versions.', '');
  else {
    lines.push(
      ...table(
        [...UPGRADE_HEADER],
        ['---', '---', '---:', '---:', '---:'],
        upgradeRows(v, link, text),
      ),
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
};

const indexPage = (site: SiteInput): string => {
  const { versions, current } = site.described;
  const census = site.census;
  const lines = frontMatter([
    ['title', site.title],
    ['sidebar_position', 1],
  ]);
  lines.push(`# ${text(site.title)}`, '');
  lines.push(
    `${versions.length} version${versions.length === 1 ? '' : 's'}${current === undefined ? '' : `; the current one is ${link(current)}`}.`,
    '',
  );
  lines.push(
    ...table(
      ['Order', 'Version', 'Description', ...(census === undefined ? [] : ['States'])],
      ['---:', '---', '---', ...(census === undefined ? [] : ['---:'])],
      versions.map((v) => [
        String(v.order),
        `${link(v.version)}${v.current ? ' (current)' : ''}`,
        text(v.description ?? ''),
        ...(census === undefined ? [] : [String(census[v.version] ?? 0)]),
      ]),
    ),
    '',
  );
  const others = otherCounts(
    census,
    versions.map((v) => v.version),
  );
  if (others.length > 0) {
    lines.push(`Also counted: ${others.map(([k, n]) => `${text(k)} (${n})`).join(', ')}.`, '');
  }
  lines.push('## Graph', '', `![The version graph](./${GRAPH_FILE})`, '');
  lines.push('```mermaid', site.mermaid.trimEnd(), '```', '');
  return `${lines.join('\n').trimEnd()}\n`;
};

/**
 * The Markdown site: `index.md`, one page per version and the graph as `graph.svg`, by file
 * name.
 */
export const markdownSite = (site: SiteInput): Map<string, string> =>
  new Map([
    ['index.md', indexPage(site)],
    [GRAPH_FILE, site.svg],
    ...site.described.versions.map((v) => [pageOf(v.version, 'md'), versionPage(site, v)] as const),
  ]);
