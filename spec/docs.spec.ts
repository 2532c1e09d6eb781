// The committed diagrams are what the CLI draws from the shipped migrations today.
import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { loadMigrationsInto, Migrator } from '../lib/index.js';

describe('docs', () => {
  it('the Mermaid graph in the guide is the current AgentState graph (run npm run docs if not)', async () => {
    const m = new Migrator();
    await loadMigrationsInto(m, 'migrations');
    const guide = readFileSync('docs/guide.md', 'utf8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(guide);
    expect(block, 'a mermaid block in docs/guide.md').to.not.equal(null);
    expect(block![1]).to.equal(m.toMermaid({ title: 'AgentState versions' }));
  });

  it('docs/agent-state.svg is an SVG of every AgentState version', async () => {
    const m = new Migrator();
    await loadMigrationsInto(m, 'migrations');
    const svg = readFileSync('docs/agent-state.svg', 'utf8');
    expect(XMLValidator.validate(svg)).to.equal(true);
    for (const v of m.versions()) expect(svg).to.include(`>${v}</text>`);
    for (const e of m.edges()) expect(svg).to.include(`<title>${e.from}&#45;&gt;${e.to}</title>`);
  });
});
