/**
 * Diagrams of a version graph as text: Graphviz DOT and Mermaid (SVG rendering is
 * `renderSvg` in `migraph/node`). Versions are nodes in semver order; edges to a
 * higher version are solid, edges to a lower one dashed, each with its own description as its
 * label; lossy edges are orange and say so; the current version is filled; a highlighted plan
 * is drawn in bold. The same graph always gives byte-identical text.
 *
 * @since 0.1.0
 */
import type { EdgeInfo } from './graph.js';
import type { Plan } from './planner.js';
import type { Version } from './version.js';
import { checkOptions, type OptionRules } from './options.js';

/** Options of {@link toDot} and {@link toMermaid}. */
export interface DiagramOptions {
  /** A plan to draw in bold (its versions and steps). */
  readonly highlight?: Plan;
  /** A title above the graph. */
  readonly title?: string;
  /** The version to mark as the current one (a filled node with a double border). */
  readonly current?: string;
}

/** What a diagram is drawn from: a `Migrator`, or anything listing versions and edges alike. */
export interface DiagramSource {
  versions(): readonly Version[];
  edges(): readonly (Pick<EdgeInfo, 'from' | 'to' | 'direction' | 'description' | 'cost'> & {
    readonly lossy?: boolean;
  })[];
}

const DIAGRAM_OPTIONS: OptionRules = { highlight: 'object', title: 'string', current: 'string' };

const UP_COLOR = '#1f6feb';
const DOWN_COLOR = '#8b949e';
const HIGHLIGHT_COLOR = '#d1242f';
const LOSSY_COLOR = '#bc4c00';
const CURRENT_FILL = '#dafbe1';

interface Layout {
  readonly versions: readonly Version[];
  readonly edges: readonly (ReturnType<DiagramSource['edges']>[number] & {
    readonly onPath: boolean;
    readonly label: string;
  })[];
  readonly onPath: ReadonlySet<Version>;
}

/** Versions, edges (in semver order of from, then to) and what the highlight covers. */
const layoutOf = (source: DiagramSource, highlight: Plan | undefined): Layout => {
  const versions = source.versions();
  const rank = new Map(versions.map((v, i) => [v, i] as const));
  const steps = new Set(highlight?.steps.map((s) => `${s.from}>${s.to}`));
  const onPath = new Set<Version>(
    highlight === undefined ? [] : [highlight.from, ...highlight.steps.map((s) => s.to)],
  );
  const edges = [...source.edges()]
    .sort((a, b) => rank.get(a.from)! - rank.get(b.from)! || rank.get(a.to)! - rank.get(b.to)!)
    .map((e) => ({
      ...e,
      onPath: steps.has(`${e.from}>${e.to}`),
      label: labelOf(e.description, e.cost, e.lossy === true),
    }));
  return { versions, edges, onPath };
};

/** `Add tags`, `Add tags (cost 5)`, `Drop tags (lossy)`, `(cost 2, lossy)`. */
const labelOf = (description: string | undefined, cost: number, lossy: boolean): string => {
  const notes = [cost === 1 ? '' : `cost ${cost}`, lossy ? 'lossy' : ''].filter((n) => n !== '');
  return [description ?? '', notes.length === 0 ? '' : `(${notes.join(', ')})`]
    .filter((part) => part !== '')
    .join(' ');
};

const dotString = (text: string): string =>
  `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;

const dotAttributes = (attributes: Record<string, string | number | undefined>): string => {
  const parts = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? value : dotString(value!)}`);
  return parts.length === 0 ? '' : ` [${parts.join(', ')}]`;
};

/**
 * The version graph as Graphviz DOT. Up edges are solid blue, down edges dashed grey and do
 * not constrain the left-to-right layout, lossy edges orange; `current` fills a version with
 * a double border; `highlight` draws a plan in bold red.
 *
 * @example
 * toDot(m, { highlight: m.planOrThrow('1.0.0', '2.0.0') })
 * // digraph migraph { rankdir=LR; … "1.0.0" -> "1.1.0" [label="Add tags", …]; … }
 * @since 0.1.0
 */
export const toDot = (source: DiagramSource, options: DiagramOptions = {}): string => {
  checkOptions('toDot()', options, DIAGRAM_OPTIONS);
  const { versions, edges, onPath } = layoutOf(source, options.highlight);
  const lines = [
    'digraph migraph {',
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  if (options.title !== undefined) {
    lines.push(`  labelloc=t;`, `  label=${dotString(options.title)};`);
  }
  for (const v of versions) {
    const [bold, current] = [onPath.has(v), v === options.current];
    const style = ['rounded', ...(current ? ['filled'] : []), ...(bold ? ['bold'] : [])];
    const attributes = {
      style: bold || current ? style.join(',') : undefined,
      penwidth: bold ? 2.5 : undefined,
      color: bold ? HIGHLIGHT_COLOR : undefined,
      fillcolor: current ? CURRENT_FILL : undefined,
      peripheries: current ? 2 : undefined,
    };
    lines.push(`  ${dotString(v)}${dotAttributes(attributes)};`);
  }
  for (const e of edges) {
    const up = e.direction === 'up';
    const attributes = {
      label: e.label === '' ? undefined : e.label,
      color: e.onPath ? HIGHLIGHT_COLOR : e.lossy ? LOSSY_COLOR : up ? UP_COLOR : DOWN_COLOR,
      fontcolor: e.onPath ? HIGHLIGHT_COLOR : e.lossy ? LOSSY_COLOR : undefined,
      style: up ? (e.onPath ? 'bold' : undefined) : e.onPath ? 'dashed,bold' : 'dashed',
      penwidth: e.onPath ? 3 : undefined,
      constraint: up ? undefined : 'false',
    };
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${dotAttributes(attributes)};`);
  }
  lines.push('}', '');
  return lines.join('\n');
};

const mermaidText = (text: string): string =>
  text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\r?\n/g, ' ');

/**
 * The version graph as a Mermaid flowchart (for Markdown docs). Up edges are solid arrows,
 * down edges dotted, lossy ones orange; `current` fills a version; `highlight` draws a plan
 * with thick red lines and bold nodes.
 *
 * @example
 * toMermaid(m) // flowchart LR\n  v0["1.0.0"]\n  v1["1.1.0"]\n  v0 -->|"Add tags"| v1 …
 * @since 0.1.0
 */
export const toMermaid = (source: DiagramSource, options: DiagramOptions = {}): string => {
  checkOptions('toMermaid()', options, DIAGRAM_OPTIONS);
  const { versions, edges, onPath } = layoutOf(source, options.highlight);
  const id = new Map(versions.map((v, i) => [v, `v${i}`] as const));
  const lines: string[] = [];
  if (options.title !== undefined) lines.push('---', `title: ${mermaidText(options.title)}`, '---');
  lines.push('flowchart LR');
  for (const v of versions) lines.push(`  ${id.get(v)}["${mermaidText(v)}"]`);
  edges.forEach((e) => {
    const arrow = e.direction === 'up' ? '-->' : '-.->';
    const label = e.label === '' ? '' : `|"${mermaidText(e.label)}"|`;
    lines.push(`  ${id.get(e.from)} ${arrow}${label} ${id.get(e.to)}`);
  });
  const linkStyles = [
    edges.flatMap((e, i) => (e.direction === 'up' && !e.onPath && !e.lossy ? [i] : [])),
    edges.flatMap((e, i) => (e.direction === 'down' && !e.onPath && !e.lossy ? [i] : [])),
    edges.flatMap((e, i) => (e.lossy && !e.onPath ? [i] : [])),
    edges.flatMap((e, i) => (e.onPath ? [i] : [])),
  ];
  const strokes = [
    `stroke:${UP_COLOR}`,
    `stroke:${DOWN_COLOR}`,
    `stroke:${LOSSY_COLOR}`,
    `stroke:${HIGHLIGHT_COLOR},stroke-width:4px`,
  ];
  linkStyles.forEach((indices, i) => {
    if (indices.length > 0) lines.push(`  linkStyle ${indices.join(',')} ${strokes[i]}`);
  });
  if (onPath.size > 0) {
    lines.push(`  classDef onPath stroke:${HIGHLIGHT_COLOR},stroke-width:3px,font-weight:bold`);
    lines.push(
      `  class ${versions
        .filter((v) => onPath.has(v))
        .map((v) => id.get(v))
        .join(',')} onPath`,
    );
  }
  if (options.current !== undefined && id.has(options.current)) {
    lines.push(`  classDef current fill:${CURRENT_FILL},stroke-width:2px`);
    lines.push(`  class ${id.get(options.current)} current`);
  }
  lines.push('');
  return lines.join('\n');
};
