// The `@example` blocks of the public entries' exports (and their members) type-check as a
// reader would use them: each in a file of its own, against the built dist/ (`migraph` by
// name), with the names examples leave free declared in a prelude and the public names they
// use imported. One tsc program for all of them.
import { expect } from 'chai';
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
import ts from 'typescript';
import { repoRoot } from '../support/cli.js';

/**
 * Examples that do not compile even with the prelude, keyed by file and first line of code
 * (line numbers move), each with the reason.
 */
const allowed: Readonly<Record<string, string>> = {
  "lib/stores/indexeddb.ts: const stop = watchMigration(store, (message) => message.kind === 'progress' && show(message.progress))":
    "its store is an IndexedDB store, the prelude's a StateStore",
};

/** The names examples use without declaring them, typed as a reader's program would have them. */
const PRELUDE = `import type * as migraph from 'migraph';
import type * as t from 'io-ts';
import type pg from 'pg';
declare global {
  const m: migraph.Migrator;
  const migrator: migraph.Migrator;
  const stored: unknown;
  const state: migraph.AnyState;
  const state1_0: migraph.AnyState;
  const loaded: unknown;
  const line: string;
  const states: Iterable<unknown>;
  const testData: migraph.AnyState;
  const storage: { read(): Promise<unknown> };
  const save: (state: unknown) => void;
  const write: (line: string) => void;
  const log: (message: string) => void;
  const show: (progress: unknown) => void;
  const readStates: () => AsyncIterable<unknown>;
  const onProgress: (progress: migraph.ManyProgress) => void;
  const cursor: AsyncIterable<unknown>;
  const ids: readonly string[];
  const fetchState: (id: string) => Promise<unknown>;
  const errors: t.Errors;
  const snapshots: ReadonlyMap<string, migraph.Snapshot>;
  const snapshot: migraph.Snapshot;
  const policy: migraph.CompatibilityPolicy;
  const result: migraph.RoundTripResult;
  const report: migraph.TestReport;
  const store: migraph.StateStore;
  const pool: pg.Pool;
  const connectionString: string;
  const compatibility: unknown;
  const SettingsV1: t.Type<{ title: string }>;
  const SettingsV11: t.Type<{ title: string; theme: string }>;
  const SettingsV2: t.Type<{ name: string; theme: string }>;
  const V1: t.Type<{ title: string }>;
  const init: () => object;
  const onRehydrateStorage: () => void;
  const request: IDBOpenDBRequest;
}
export {};
`;

/** Modules examples use by a conventional name, imported when an example uses the name. */
const CONVENTIONAL: Readonly<Record<string, string>> = {
  t: "import * as t from 'io-ts';",
  E: "import * as E from 'fp-ts/lib/Either.js';",
  pipe: "import { pipe } from 'fp-ts/lib/function.js';",
  z: "import { z } from 'zod';",
  fc: "import fc from 'fast-check';",
  readFileSync: "import { readFileSync } from 'node:fs';",
  writeFileSync: "import { writeFileSync } from 'node:fs';",
};

/** package.json's entries: `migraph/core` → lib/core/index.ts. */
const entries = (): [specifier: string, source: string][] => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { default?: string }>;
  };
  return Object.entries(pkg.exports).flatMap(([subpath, target]) => {
    const file = typeof target === 'string' ? target : target.default;
    if (file === undefined || !file.startsWith('./dist/lib/')) return [];
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    return [[specifier, file.slice('./dist/'.length).replace(/\.js$/, '.ts')]];
  });
};

interface Example {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

const compilerOptions: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  skipLibCheck: true,
};

/** Every `@example` of the entries' exports and their members; the public names by entry. */
const extract = (): { examples: Example[]; publicNames: Map<string, string> } => {
  const sources = entries();
  const program = ts.createProgram(
    sources.map(([, source]) => path.join(repoRoot, source)),
    compilerOptions,
  );
  const checker = program.getTypeChecker();
  const examples = new Map<string, Example>();
  const publicNames = new Map<string, string>();
  const collect = (node: ts.Node): void => {
    for (const tag of ts.getJSDocTags(node)) {
      if (tag.tagName.text !== 'example') continue;
      const source = node.getSourceFile();
      const start = tag.getStart(source);
      const key = `${source.fileName}:${start}`;
      if (examples.has(key)) continue;
      const code = source.text
        .slice(start, tag.end)
        .split('\n')
        .slice(1)
        .map((text) => text.replace(/^\s*\*( |$)/, '').replace(/\\@/g, '@'))
        .join('\n')
        .replace(/\s*\*?\s*$/, '\n');
      const line = source.getLineAndCharacterOfPosition(start).line + 2;
      examples.set(key, { file: path.relative(repoRoot, source.fileName), line, code });
    }
  };
  for (const [specifier, source] of sources) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(path.join(repoRoot, source))!);
    for (const exported of checker.getExportsOfModule(module!)) {
      if (!publicNames.has(exported.name)) publicNames.set(exported.name, specifier);
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const declaration of symbol.declarations ?? []) {
        collect(ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration);
        if (ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)) {
          declaration.members.forEach(collect);
        }
      }
    }
  }
  return { examples: [...examples.values()], publicNames };
};

/** The names an example declares or imports, and the identifiers it uses. */
const namesOf = (code: string): { declared: Set<string>; used: Set<string> } => {
  const source = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true);
  const declared = new Set<string>();
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const declares =
        ((ts.isVariableDeclaration(parent) ||
          ts.isFunctionDeclaration(parent) ||
          ts.isClassDeclaration(parent) ||
          ts.isBindingElement(parent) ||
          ts.isImportSpecifier(parent) ||
          ts.isImportClause(parent) ||
          ts.isNamespaceImport(parent)) &&
          parent.name === node) ||
        (ts.isImportSpecifier(parent) && parent.propertyName === node);
      if (declares) declared.add(node.text);
      else used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { declared, used };
};

/** An example as a module: the imports of the public and conventional names it uses. */
const moduleOf = (code: string, publicNames: ReadonlyMap<string, string>): string => {
  const { declared, used } = namesOf(code);
  const wanted = [...used].filter((name) => !declared.has(name));
  const bySpecifier = new Map<string, string[]>();
  const imports: string[] = [];
  for (const name of wanted.sort()) {
    const conventional = CONVENTIONAL[name];
    const specifier = publicNames.get(name);
    if (conventional !== undefined) imports.push(conventional);
    else if (specifier !== undefined) {
      bySpecifier.set(specifier, [...(bySpecifier.get(specifier) ?? []), name]);
    }
  }
  for (const [specifier, names] of bySpecifier) {
    imports.push(`import { ${names.join(', ')} } from '${specifier}';`);
  }
  // The example's own lines keep their numbers: the imports share the first line.
  return `${imports.join(' ')}\n${code}`;
};

describe('@example blocks', () => {
  it('type-check against the built package, each on its own', function () {
    this.timeout(120_000);
    const { examples, publicNames } = extract();
    expect(examples).to.have.length.at.least(100);

    const dir = mkdtempSync(path.join(tmpdir(), 'migraph-examples-'));
    try {
      const modules = path.join(dir, 'node_modules');
      mkdirSync(modules);
      for (const name of readdirSync(path.join(repoRoot, 'node_modules'))) {
        if (name.startsWith('.')) continue;
        symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(modules, name), 'dir');
      }
      symlinkSync(repoRoot, path.join(modules, 'migraph'), 'dir');
      writeFileSync(path.join(dir, 'package.json'), '{ "name": "reader", "type": "module" }\n');
      writeFileSync(path.join(dir, 'prelude.d.ts'), PRELUDE);
      const files = new Map<string, Example>();
      examples.forEach((example, index) => {
        const file = path.join(dir, `example-${index}.ts`);
        files.set(file, example);
        writeFileSync(file, moduleOf(example.code, publicNames));
      });
      const program = ts.createProgram(
        [path.join(dir, 'prelude.d.ts'), ...files.keys()],
        compilerOptions,
      );
      const failing = new Map<Example, string[]>();
      const other: string[] = [];
      for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        const example = diagnostic.file && files.get(diagnostic.file.fileName);
        if (example === undefined || diagnostic.start === undefined) {
          other.push(`${diagnostic.file?.fileName ?? ''}: ${message}`);
          continue;
        }
        const at = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
        const line = `${example.file}:${example.line + at.line - 1}:${at.character + 1}: ${message}`;
        failing.set(example, [...(failing.get(example) ?? []), line]);
      }
      const keyOf = (example: Example) => `${example.file}: ${example.code.split('\n')[0]}`;
      const errors = [...failing].flatMap(([example, lines]) =>
        keyOf(example) in allowed ? [] : lines,
      );
      expect(other, 'errors outside the examples').to.deep.equal([]);
      expect(errors, 'tsc errors, at their line in lib/').to.deep.equal([]);
      const passing = new Set(examples.map(keyOf).filter((key) => !(key in allowed)));
      const stale = Object.keys(allowed).filter(
        (key) =>
          !examples.some((example) => keyOf(example) === key && failing.has(example)) &&
          !passing.has(key),
      );
      expect(stale, 'allowed examples that compile now or are gone').to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
