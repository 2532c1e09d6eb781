// The committed diagrams are what the CLI draws from the shipped migrations today, and the
// guide and README import each name from an entry that exports it.
import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { loadMigrationsInto, Migrator } from '../lib/index.js';

/** The source module behind each `exports` entry of package.json (`migraph/core` → lib/core). */
const entrySources = (): Map<string, string> => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
    name: string;
    exports: Record<string, string | { default?: string }>;
  };
  const sources = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    if (file === undefined || !file.startsWith('./dist/')) continue;
    const name = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    sources.set(name, `../${file.slice('./dist/'.length)}`);
  }
  return sources;
};

/** `import { a, b } from 'migraph…'` lines of the ts code blocks of a Markdown file (values only). */
const migraphImports = (markdown: string): { names: string[]; entry: string }[] =>
  [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].flatMap(([, code]) =>
    [...code!.matchAll(/^import\s+\{([^}]*)\}\s+from\s+'(migraph(?:\/[\w-]+)?)';/gm)].map(
      ([, names, entry]) => ({
        entry: entry!,
        names: names!
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n !== '' && !n.startsWith('type ')),
      }),
    ),
  );

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

  for (const doc of ['docs/guide.md', 'README.md']) {
    it(`${doc} imports each name from an entry that exports it`, async () => {
      const sources = entrySources();
      const imports = migraphImports(readFileSync(doc, 'utf8'));
      expect(imports, 'imports from migraph').to.not.be.empty;
      for (const { entry, names } of imports) {
        const source = sources.get(entry);
        expect(source, `${entry} is an entry of package.json`).to.be.a('string');
        const exported = (await import(source!)) as Record<string, unknown>;
        for (const name of names)
          expect(exported, `${entry} exports ${name}`).to.have.property(name);
      }
    });
  }
});
