/**
 * Version docs as a static HTML site that makes no request of its own: inline CSS, the graph
 * as inline SVG, no scripts, no fonts, relative links only.
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
  inlineSvg,
  missingSchemas,
  otherCounts,
  pageOf,
  UPGRADE_HEADER,
  upgradeRows,
  type SiteInput,
} from './site.js';

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0969da; --current: #dafbe1; --lossy: #bc4c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); display: flex; min-height: 100vh; }
nav { flex: 0 0 12rem; border-right: 1px solid var(--line); padding: 1rem; background: #f6f8fa; }
nav ol { list-style: none; padding: 0; margin: 0.5rem 0 0; }
nav li { margin: 0.15rem 0; }
nav a[aria-current="page"] { font-weight: 600; }
main { flex: 1; padding: 1rem 2rem 3rem; max-width: 70rem; overflow-x: auto; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { margin-top: 0.5rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 0.25rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.n { text-align: right; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eff2f5; padding: 0.05rem 0.3rem; border-radius: 4px; }
pre { background: #f6f8fa; padding: 0.75rem; overflow-x: auto; }
pre code { background: none; padding: 0; }
.muted { color: var(--muted); }
.badge { display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0.05rem 0.5rem; border-radius: 1rem; vertical-align: middle; background: var(--current); border: 1px solid #1a7f37; }
.lossy { color: var(--lossy); font-weight: 600; }
tr.current td { background: var(--current); }
figure.graph { margin: 1rem 0; overflow-x: auto; }
figure.graph svg { max-width: 100%; height: auto; }
`.trim();

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const code = (s: string): string => `<code>${escape(s)}</code>`;

/** Text whose backtick spans are code, the rest prose. */
const mixed = (s: string): string =>
  codeParts(s)
    .map((part) => (part.code ? code(part.text) : escape(part.text)))
    .join('');

const link = (version: string): string =>
  `<a href="${escape(hrefOf(version, 'html'))}">${escape(version)}</a>`;

const table = (
  head: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[] = [],
  rowClass: (i: number) => string = () => '',
): string =>
  [
    '<table>',
    `<thead><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row, i) => {
      const cls = rowClass(i);
      const cells = row.map(
        (cell, j) => `<td${numeric.includes(j) ? ' class="n"' : ''}>${cell}</td>`,
      );
      return `<tr${cls === '' ? '' : ` class="${cls}"`}>${cells.join('')}</tr>`;
    }),
    '</tbody>',
    '</table>',
  ].join('\n');

const layout = (
  site: SiteInput,
  title: string,
  active: string | undefined,
  body: string,
): string => {
  const nav = site.described.versions
    .map((v) => {
      const here = v.version === active ? ' aria-current="page"' : '';
      const mark = v.current ? ' <span class="badge">current</span>' : '';
      return `<li><a href="${escape(hrefOf(v.version, 'html'))}"${here}>${escape(v.version)}</a>${mark}</li>`;
    })
    .join('\n');
  return `<!doctype html>
<!-- ${GENERATED_MARK} -->
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<nav>
<a href="./index.html"${active === undefined ? ' aria-current="page"' : ''}>${escape(site.title)}</a>
<ol>
${nav}
</ol>
</nav>
<main>
${body}
</main>
</body>
</html>
`;
};

const yesNo = (b: boolean): string => (b ? '<span class="lossy">yes</span>' : 'no');

const edgeItem = (e: EdgeRow): string => {
  const notes = [
    escape(e.direction),
    ...(e.cost === 1 ? [] : [`cost ${e.cost}`]),
    ...(e.lossy ? ['<span class="lossy">lossy</span>'] : []),
  ];
  const changes =
    e.changes.length === 0
      ? ''
      : ` <span class="muted">(changes: ${e.changes.map(code).join(', ')})</span>`;
  return `<li class="edge">${escape(edgeName(e))} (${notes.join(', ')}): <span class="description">${escape(e.description ?? 'no description')}</span>${changes}</li>`;
};

const changelogSection = (site: SiteInput, entry: ChangelogEntry): string => {
  const older = entry.neighbour === entry.from;
  const parts = [
    `<section class="changelog" data-from="${escape(entry.from)}" data-to="${escape(entry.to)}">`,
    `<h3>${older ? 'From' : 'To'} ${link(entry.neighbour)}</h3>`,
    '<p>Migrations:</p>',
    entry.edges.length === 0
      ? `<ul><li>none between ${escape(entry.from)} and ${escape(entry.to)}</li></ul>`
      : `<ul class="edges">\n${entry.edges.map(edgeItem).join('\n')}\n</ul>`,
    `<p>Schema changes from ${escape(entry.from)} to ${escape(entry.to)}:</p>`,
  ];
  if (entry.schemaChanges === undefined) {
    parts.push(
      `<ul><li class="muted">unknown: no schema for ${missingSchemas(site, entry).map(escape).join(' or ')}</li></ul>`,
    );
  } else if (entry.schemaChanges.length === 0) parts.push('<ul><li class="muted">none</li></ul>');
  else {
    const items = entry.schemaChanges.map(
      (c) => `<li class="schema-change">${mixed(formatSchemaChange(c))}</li>`,
    );
    parts.push(`<ul class="schema-changes">\n${items.join('\n')}\n</ul>`);
  }
  parts.push('</section>');
  return parts.join('\n');
};

const edgeTable = (edges: readonly EdgeRow[]): string =>
  edges.length === 0
    ? '<p class="muted">None.</p>'
    : table(
        ['Migration', 'Direction', 'Cost', 'Lossy', 'Description'],
        edges.map((e) => [
          `${link(e.from)} → ${link(e.to)}`,
          escape(e.direction),
          String(e.cost),
          yesNo(e.lossy),
          escape(e.description ?? ''),
        ]),
        [2],
      );

const versionPage = (site: SiteInput, v: VersionDescription): string => {
  const all = site.described.versions;
  const [previous, next] = [all[v.order - 2], all[v.order]];
  const body: string[] = [
    `<h1>${escape(v.version)}${v.current ? ' <span class="badge">current</span>' : ''}</h1>`,
    `<p class="muted">Version ${v.order} of ${all.length}${previous === undefined ? '' : ` · previous: ${link(previous.version)}`}${next === undefined ? '' : ` · next: ${link(next.version)}`}</p>`,
  ];
  if (v.description !== undefined) body.push(`<p>${escape(v.description)}</p>`);
  const count = site.census === undefined ? undefined : (site.census[v.version] ?? 0);
  if (count !== undefined) body.push(`<p>States at this version: ${count}.</p>`);

  body.push('<h2 id="schema">Schema</h2>');
  if (v.schema === undefined) {
    body.push('<p class="muted">No schema: this version has neither a codec nor a snapshot.</p>');
  } else {
    body.push(
      v.schemaSource === 'codec'
        ? '<p class="muted">From the version’s codec.</p>'
        : `<p class="muted">From its snapshot${site.snapshotsDir === undefined ? '' : ` (${code(`${site.snapshotsDir}/${v.version}.json`)})`}.</p>`,
      table(
        ['Field', 'Type', 'Required', 'Since', 'Description'],
        v.fields.map((f) => [
          code(f.path),
          code(f.type),
          f.required ? 'yes' : 'no',
          link(f.since),
          escape(f.description ?? ''),
        ]),
      ),
    );
  }

  body.push('<h2 id="changelog">Changelog</h2>');
  if (v.changelog.length === 0) body.push('<p class="muted">No neighbouring versions.</p>');
  for (const entry of v.changelog) body.push(changelogSection(site, entry));

  body.push('<h2 id="migrations">Migrations</h2>', '<h3>In</h3>', edgeTable(v.edgesIn));
  body.push('<h3>Out</h3>', edgeTable(v.edgesOut));

  body.push(`<h2 id="upgrading">Upgrading to ${escape(v.version)}</h2>`);
  if (v.upgrades.length === 0) body.push('<p class="muted">No older versions.</p>');
  else {
    body.push(table([...UPGRADE_HEADER], upgradeRows(v, link, escape), [2, 3, 4]));
  }
  return layout(site, `${v.version} · ${site.title}`, v.version, body.join('\n'));
};

const indexPage = (site: SiteInput): string => {
  const { versions, current } = site.described;
  const census = site.census;
  const body: string[] = [
    `<h1>${escape(site.title)}</h1>`,
    `<p>${versions.length} version${versions.length === 1 ? '' : 's'}${current === undefined ? '' : `; the current one is ${link(current)}`}.</p>`,
    table(
      ['Order', 'Version', 'Description', ...(census === undefined ? [] : ['States'])],
      versions.map((v) => [
        String(v.order),
        `${link(v.version)}${v.current ? ' <span class="badge">current</span>' : ''}`,
        escape(v.description ?? ''),
        ...(census === undefined ? [] : [String(census[v.version] ?? 0)]),
      ]),
      census === undefined ? [0] : [0, 3],
      (i) => (versions[i]!.current ? 'current' : ''),
    ),
  ];
  const others = otherCounts(
    census,
    versions.map((v) => v.version),
  );
  if (others.length > 0) {
    body.push(`<p>Also counted: ${others.map(([k, n]) => `${escape(k)} (${n})`).join(', ')}.</p>`);
  }
  body.push(
    '<h2 id="graph">Graph</h2>',
    `<figure class="graph">\n${inlineSvg(site.svg).trimEnd()}\n</figure>`,
    '<details>',
    '<summary>The graph as Mermaid</summary>',
    `<pre><code class="language-mermaid">${escape(site.mermaid.trimEnd())}</code></pre>`,
    '</details>',
  );
  return layout(site, site.title, undefined, body.join('\n'));
};

/** The HTML site: `index.html` and one page per version, by file name. */
export const htmlSite = (site: SiteInput): Map<string, string> =>
  new Map([
    ['index.html', indexPage(site)],
    ...site.described.versions.map(
      (v) => [pageOf(v.version, 'html'), versionPage(site, v)] as const,
    ),
  ]);
