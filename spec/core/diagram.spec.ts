import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import * as E from 'fp-ts/lib/Either.js';
import { Migrator, renderSvg, toDot, toMermaid } from '../../lib/index.js';
import { right } from '../support/graphs.js';

const id = <T>(s: T): T => s;

/** 1.0.0 ⇄ 1.1.0 → 2.0.0, plus a costly shortcut 1.0.0 → 2.0.0, registered in `order`. */
const small = (order: readonly number[] = [0, 1, 2]): Migrator => {
  const registrations = [
    (m: Migrator) =>
      m.register('1.0.0', '1.1.0', id, { description: 'Add "tags"', down: id, changes: ['tags'] }),
    (m: Migrator) => m.register('1.1.0', '2.0.0', id, { description: 'Rename title' }),
    (m: Migrator) => m.register('v1.0.0', '2.0.0', id, { cost: 5 }),
  ];
  return order.reduce((m, i) => registrations[i]!(m), new Migrator());
};

describe('diagrams', () => {
  it('draws DOT with semver-ordered nodes, up and down edges styled apart', () => {
    expect(small().toDot()).to.equal(
      [
        'digraph migraph {',
        '  rankdir=LR;',
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  "1.0.0";',
        '  "1.1.0";',
        '  "2.0.0";',
        '  "1.0.0" -> "1.1.0" [label="Add \\"tags\\"", color="#1f6feb"];',
        '  "1.0.0" -> "2.0.0" [label="(cost 5)", color="#1f6feb"];',
        '  "1.1.0" -> "1.0.0" [label="Revert: Add \\"tags\\"", color="#8b949e", style="dashed", constraint="false"];',
        '  "1.1.0" -> "2.0.0" [label="Rename title", color="#1f6feb"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('draws a highlighted plan in bold', () => {
    const m = small();
    const plan = right(m.plan('1.1.0', '1.0.0'));
    const back = m.toDot({ highlight: plan, title: 'Back' });
    expect(back).to.include('  label="Back";');
    expect(back).to.include('  "1.0.0" [style="rounded,bold", penwidth=2.5, color="#d1242f"];');
    expect(back).to.include('  "1.1.0" [style="rounded,bold", penwidth=2.5, color="#d1242f"];');
    expect(back).to.include('  "2.0.0";');
    expect(back).to.include(
      '  "1.1.0" -> "1.0.0" [label="Revert: Add \\"tags\\"", color="#d1242f", fontcolor="#d1242f", style="dashed,bold", penwidth=3, constraint="false"];',
    );
    expect(back).to.include('  "1.0.0" -> "1.1.0" [label="Add \\"tags\\"", color="#1f6feb"];');
  });

  it('draws Mermaid with solid up and dotted down links', () => {
    const m = small();
    expect(m.toMermaid({ highlight: right(m.plan('1.0.0', '2.0.0')) })).to.equal(
      [
        'flowchart LR',
        '  v0["1.0.0"]',
        '  v1["1.1.0"]',
        '  v2["2.0.0"]',
        '  v0 -->|"Add #quot;tags#quot;"| v1',
        '  v0 -->|"(cost 5)"| v2',
        '  v1 -.->|"Revert: Add #quot;tags#quot;"| v0',
        '  v1 -->|"Rename title"| v2',
        '  linkStyle 1 stroke:#1f6feb',
        '  linkStyle 2 stroke:#8b949e',
        '  linkStyle 0,3 stroke:#d1242f,stroke-width:4px',
        '  classDef onPath stroke:#d1242f,stroke-width:3px,font-weight:bold',
        '  class v0,v1,v2 onPath',
        '',
      ].join('\n'),
    );
  });

  it('gives a down edge its own description, and marks lossy edges and the current version', () => {
    const m = new Migrator()
      .register('1.0.0', '1.1.0', id, {
        description: 'Split the name',
        downDescription: 'Join the name',
        down: id,
        lossy: true,
      })
      .register('1.1.0', '2.0.0', id, { description: 'Drop tags', cost: 2, lossy: true })
      .register('2.0.0', '2.1.0', id, { down: id });
    expect(m.toDot({ current: '2.0.0' })).to.equal(
      [
        'digraph migraph {',
        '  rankdir=LR;',
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  "1.0.0";',
        '  "1.1.0";',
        '  "2.0.0" [style="rounded,filled", fillcolor="#dafbe1", peripheries=2];',
        '  "2.1.0";',
        '  "1.0.0" -> "1.1.0" [label="Split the name (lossy)", color="#bc4c00", fontcolor="#bc4c00"];',
        '  "1.1.0" -> "1.0.0" [label="Join the name (lossy)", color="#bc4c00", fontcolor="#bc4c00", style="dashed", constraint="false"];',
        '  "1.1.0" -> "2.0.0" [label="Drop tags (cost 2, lossy)", color="#bc4c00", fontcolor="#bc4c00"];',
        '  "2.0.0" -> "2.1.0" [color="#1f6feb"];',
        '  "2.1.0" -> "2.0.0" [color="#8b949e", style="dashed", constraint="false"];',
        '}',
        '',
      ].join('\n'),
    );
    expect(m.toMermaid({ current: '2.0.0' })).to.equal(
      [
        'flowchart LR',
        '  v0["1.0.0"]',
        '  v1["1.1.0"]',
        '  v2["2.0.0"]',
        '  v3["2.1.0"]',
        '  v0 -->|"Split the name (lossy)"| v1',
        '  v1 -.->|"Join the name (lossy)"| v0',
        '  v1 -->|"Drop tags (cost 2, lossy)"| v2',
        '  v2 --> v3',
        '  v3 -.-> v2',
        '  linkStyle 3 stroke:#1f6feb',
        '  linkStyle 4 stroke:#8b949e',
        '  linkStyle 0,1,2 stroke:#bc4c00',
        '  classDef current fill:#dafbe1,stroke-width:2px',
        '  class v2 current',
        '',
      ].join('\n'),
    );
  });

  it('keeps a down description given in a migration definition', () => {
    const m = new Migrator().register({
      from: '1.0.0',
      to: '1.1.0',
      description: 'Add tags',
      downDescription: 'Drop tags',
      up: id,
      down: id,
    });
    expect(m.edges().map((e) => [e.from, e.to, e.description])).to.deep.equal([
      ['1.0.0', '1.1.0', 'Add tags'],
      ['1.1.0', '1.0.0', 'Drop tags'],
    ]);
  });

  it('draws the lossy and current marks into the SVG', async () => {
    const m = new Migrator()
      .register('1.0.0', '1.1.0', id, { description: 'Drop tags', lossy: true, down: id })
      .register('1.1.0', '2.0.0', id);
    const svg = right(await renderSvg(m.toDot({ current: '2.0.0' })));
    expect(XMLValidator.validate(svg)).to.equal(true);
    const edge = (from: string, to: string) =>
      new RegExp(`<title>${from}&#45;&gt;${to}</title>\\s*<path[^>]*stroke="([^"]+)"[^>]*>`).exec(
        svg,
      );
    expect(edge('1.0.0', '1.1.0')?.[1]).to.equal('#bc4c00');
    expect(edge('1.1.0', '1.0.0')?.[0]).to.include('stroke-dasharray');
    expect(edge('1.1.0', '2.0.0')?.[1]).to.equal('#1f6feb');
    expect(svg).to.include('Revert: Drop tags (lossy)');
    expect(svg).to.include('fill="#dafbe1"');
  });

  it('gives byte-identical text whatever the registration order', () => {
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ];
    const dots = orders.map((o) => small(o).toDot());
    const mermaids = orders.map((o) => small(o).toMermaid());
    expect(new Set(dots).size).to.equal(1);
    expect(new Set(mermaids).size).to.equal(1);
    expect(toDot(small())).to.equal(dots[0]);
    expect(toMermaid(small())).to.equal(mermaids[0]);
  });

  it('escapes labels that would break the syntax', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', id, {
      description: 'a \\ b "c" <d> #e\nf',
    });
    expect(m.toDot()).to.include('[label="a \\\\ b \\"c\\" <d> #e\\nf"');
    expect(m.toMermaid()).to.include('|"a \\ b #quot;c#quot; #lt;d#gt; #35;e f"|');
  });

  it('renders SVG in-process that parses as XML and names every version', async () => {
    const m = small().register('2.0.0', '3.0.0-rc.1', id);
    const svg = right(await renderSvg(m.toDot({ highlight: right(m.plan('1.0.0', '2.0.0')) })));
    expect(XMLValidator.validate(svg)).to.equal(true);
    expect(svg).to.include('<svg');
    // Graphviz writes '-' as a character reference in text.
    const text = svg.replace(/&#45;/g, '-');
    for (const v of m.versions()) expect(text).to.include(`>${v}</text>`);
  });

  it('returns a Left for DOT that Graphviz cannot read', async () => {
    const result = await renderSvg('digraph {');
    expect(E.isLeft(result)).to.equal(true);
    expect((result as E.Left<Error>).left.message).to.match(
      /^Could not render the diagram as SVG: syntax error/,
    );
  });
});
