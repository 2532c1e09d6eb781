// The committed diagrams are what the CLI draws from the shipped migrations today, the guide
// and README import each name from an entry that exports it, and every TypeScript block of
// theirs compiles on its own, as a reader would paste it (against the built dist/).
import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMigrationsInto, Migrator } from '../../lib/index.js';
import { repoRoot } from '../support/cli.js';

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
    sources.set(name, `../../${file.slice('./dist/'.length)}`);
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

/** A fenced TypeScript block of a Markdown file: its code and the file line its code starts on. */
interface CodeBlock {
  readonly doc: string;
  readonly line: number;
  readonly code: string;
}

/**
 * The ```ts blocks of a Markdown file, but those whose info string says `fragment` (a piece
 * of a larger program, not meant to compile alone).
 */
const typeScriptBlocks = (doc: string): CodeBlock[] => {
  const lines = readFileSync(path.join(repoRoot, doc), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((text, j) => j > i && text.startsWith('```'));
    if (end === -1) throw new Error(`${doc}:${i + 1}: a code block that is never closed`);
    if (['ts', 'typescript'].includes(open[1]!) && !/\bfragment\b/.test(open[2]!)) {
      blocks.push({ doc, line: i + 2, code: lines.slice(i + 1, end).join('\n') + '\n' });
    }
    i = end;
  }
  return blocks;
};

/** Runs `tsc` in `cwd` to completion; resolves with its exit code and output. */
const tsc = (args: readonly string[], cwd: string): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), ...args],
      { cwd, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });

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

  it('the API reference (typedoc) documents every entry of package.json', () => {
    const typedoc = JSON.parse(readFileSync('typedoc.json', 'utf8')) as { entryPoints: string[] };
    const documented = new Set(typedoc.entryPoints.map((file) => path.posix.normalize(file)));
    const missing = [...entrySources()]
      .map(([entry, source]) => [entry, source.replace(/^(\.\.\/)+/, '').replace(/\.js$/, '.ts')])
      .filter(([, source]) => !documented.has(source!))
      .map(([entry, source]) => `${entry} (${source})`);
    expect(missing, 'entries typedoc.json does not list').to.deep.equal([]);
  });

  describe('TypeScript blocks', () => {
    const docs = ['README.md', 'docs/guide.md'];

    it('each block of the README and the guide compiles on its own under tsc --strict', async function () {
      this.timeout(120_000);
      const blocks = docs.flatMap(typeScriptBlocks);
      expect(blocks.filter((b) => b.doc === 'README.md')).to.have.length.at.least(2);
      expect(blocks.filter((b) => b.doc === 'docs/guide.md')).to.have.length.at.least(15);

      // A project where `migraph` is this repository's build and every dev dependency (fp-ts,
      // io-ts, fast-check, zustand, redux-persist, pg, @types/node, …) is installed.
      const dir = mkdtempSync(path.join(tmpdir(), 'migraph-doc-blocks-'));
      try {
        const modules = path.join(dir, 'node_modules');
        mkdirSync(modules);
        for (const name of readdirSync(path.join(repoRoot, 'node_modules'))) {
          if (name.startsWith('.')) continue;
          symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(modules, name), 'dir');
        }
        symlinkSync(repoRoot, path.join(modules, 'migraph'), 'dir');
        writeFileSync(path.join(dir, 'package.json'), '{ "name": "reader", "type": "module" }\n');
        const files = new Map<string, CodeBlock>();
        for (const block of blocks) {
          const file = `${path.basename(block.doc, '.md').toLowerCase()}-${block.line}.ts`;
          files.set(file, block);
          writeFileSync(path.join(dir, file), block.code);
        }
        writeFileSync(
          path.join(dir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: {
              strict: true,
              noEmit: true,
              target: 'ES2022',
              module: 'NodeNext',
              moduleResolution: 'NodeNext',
              // Each block is a module of its own, with or without imports.
              moduleDetection: 'force',
              lib: ['ES2022', 'DOM'],
              types: ['node'],
              skipLibCheck: true,
            },
            files: [...files.keys()],
          }),
        );
        const { code, out } = await tsc(['-p', 'tsconfig.json', '--pretty', 'false'], dir);
        // `readme-40.ts(3,7): error TS…` → `README.md:42:7: error TS…`, the line in the doc.
        const errors = out
          .split('\n')
          .filter((text) => text.trim() !== '')
          .map((text) => {
            const at = /^([\w.-]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(text);
            const block = at === null ? undefined : files.get(at[1]!);
            if (at === null || block === undefined) return text;
            return `${block.doc}:${block.line + Number(at[2]) - 1}:${at[3]}: ${at[4]}`;
          });
        expect(errors, 'tsc errors, at their line in the docs').to.deep.equal([]);
        expect(code).to.equal(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
