// The package as it leaves the repository (§1, §9): a browser bundle of migraph/core,
// require() from CommonJS, nothing on import, the npm tarball's contents, and its types in
// consumer projects under each module resolution mode. Runs against the built dist/.
import { expect } from 'chai';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { makeProject, repoRoot } from '../support/cli.js';
import { statesDir } from '../support/fixtures.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` in `cwd` to completion, without the test runner's node options. */
const run = (command: string, args: readonly string[], cwd: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  readonly name: string;
  readonly main: string;
  readonly types: string;
  readonly bin: Record<string, string>;
  readonly exports: Record<string, unknown>;
  readonly imports?: Record<string, Record<string, string>>;
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
};

/** Every file an `exports` target names, through nested conditions (`browser: { … }`). */
const targetsOf = (target: unknown): string[] =>
  typeof target === 'string'
    ? [target]
    : typeof target === 'object' && target !== null
      ? Object.values(target).flatMap(targetsOf)
      : [];

/** The entry points of the exports map, as importers name them. */
const entries = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));

/** `'@scope/name/sub'` → `'@scope/name'`, `'name/sub'` → `'name'`. */
const packageName = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Every module specifier a JavaScript or declaration file names. */
/** The module specifiers a file imports: statements and calls, not doc comments or strings like `'--import'`. */
const specifiers = (text: string): string[] => {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g,
  ].flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1] as string));
};

describe('distribution', () => {
  describe('browser bundle of migraph/core', () => {
    it('bundles for the browser without Node built-ins, within 25 KB gzip, and runs', async function () {
      this.timeout(30_000);
      const result = await build({
        stdin: {
          contents: [
            "import { Migrator } from 'migraph/core';",
            'const m = new Migrator()',
            "  .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }), { down: ({ tags, ...s }) => s })",
            "  .register('1.1.0', '2.0.0', ({ title, ...s }) => ({ ...s, name: title }));",
            'globalThis.bundleResult = JSON.stringify({',
            '  versions: m.versions(),',
            "  up: m.migrate({ state_version: '1.0.0', title: 't' }),",
            "  down: m.migrate({ state_version: '1.1.0', tags: [] }, '1.0.0'),",
            "  unknown: m.migrate({ state_version: '9.0.0' })._tag,",
            '});',
          ].join('\n'),
          resolveDir: repoRoot,
          sourcefile: 'browser-entry.js',
          loader: 'js',
        },
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      expect(result.errors).to.deep.equal([]);

      const inputs = Object.entries(result.metafile.inputs);
      const nodeInputs = inputs
        .flatMap(([file, input]) => [file, ...input.imports.map((i) => i.path)])
        .filter((file) => file.startsWith('node:') || isBuiltin(file));
      expect(nodeInputs, 'Node built-ins in the bundle').to.deep.equal([]);
      const externals = inputs.flatMap(([, input]) => input.imports.filter((i) => i.external));
      expect(externals, 'external imports').to.deep.equal([]);
      const ownFiles = inputs.map(([file]) => file).filter((file) => file.startsWith('dist/'));
      expect(ownFiles).to.include('dist/lib/core/migrator.js');
      expect(
        ownFiles.filter((file) => !file.startsWith('dist/lib/core/')),
        'files of other layers',
      ).to.deep.equal([]);

      const code = result.outputFiles[0]!.contents;
      const gzipped = gzipSync(code, { level: 9 }).length;
      this.test!.title += ` (${(code.length / 1024).toFixed(1)} KB min, ${(gzipped / 1024).toFixed(1)} KB gzip)`;
      expect(gzipped).to.be.at.most(25 * 1024);

      // A bare realm: no process, require, Buffer or any other Node global.
      const realm = vm.createContext({});
      try {
        vm.runInContext(`"use strict";\n${result.outputFiles[0]!.text}`, realm);
      } catch (error) {
        // The error's stack would quote the whole minified line.
        throw new Error(`The bundle fails in a realm without Node globals: ${String(error)}`, {
          cause: error,
        });
      }
      expect(JSON.parse(vm.runInContext('bundleResult', realm) as string)).to.deep.equal({
        versions: ['1.0.0', '1.1.0', '2.0.0'],
        up: { _tag: 'Right', right: { state_version: '2.0.0', tags: [], name: 't' } },
        down: { _tag: 'Right', right: { state_version: '1.0.0' } },
        unknown: 'Left',
      });
    });
  });

  describe('browser bundle of migraph/core with Standard Schema support (§15)', () => {
    it('costs at most 0.5 KB gzip more than the same bundle without it', async function () {
      this.timeout(30_000);
      /** The gzipped size of a core bundle using codecs, with the adapter or a stand-in for it. */
      const gzipped = async (withAdapter: boolean): Promise<number> => {
        const result = await build({
          stdin: {
            contents: [
              "import { Migrator } from 'migraph/core';",
              "import * as t from 'io-ts';",
              'const m = new Migrator()',
              "  .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }))",
              "  .schema('1.1.0', t.type({ tags: t.array(t.string) }));",
              "globalThis.bundleResult = m.migrate({ state_version: '1.0.0' });",
            ].join('\n'),
            resolveDir: repoRoot,
            sourcefile: 'standard-schema-entry.js',
            loader: 'js',
          },
          bundle: true,
          platform: 'browser',
          format: 'esm',
          minify: true,
          write: false,
          logLevel: 'silent',
          plugins: withAdapter
            ? []
            : [
                {
                  name: 'no-standard-schema',
                  setup: (esbuild) =>
                    esbuild.onLoad({ filter: /[\\/]core[\\/]standard-schema\.js$/ }, () => ({
                      contents: [
                        'export const isStandardSchema = () => false;',
                        'export class StandardSchemaType {}',
                        'export const fromStandardSchema = (v) => v;',
                        'export const asCodec = (c) => c;',
                      ].join('\n'),
                      loader: 'js',
                    })),
                },
              ],
        });
        expect(result.errors).to.deep.equal([]);
        return gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
      };
      const [withIt, without] = [await gzipped(true), await gzipped(false)];
      this.test!.title += ` (${withIt - without} bytes)`;
      expect(withIt).to.be.greaterThan(without);
      expect(withIt - without).to.be.at.most(512);
    });
  });

  describe('browser bundle of the root migraph', () => {
    it("bundles for the browser through the root's browser condition (core and state), without Node built-ins, and runs", async function () {
      this.timeout(30_000);
      const result = await build({
        stdin: {
          contents: [
            "import { Migrator, createInitialState, migrateState, check } from 'migraph';",
            "const m = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, tags: [] }));",
            'globalThis.bundleResult = JSON.stringify({',
            "  up: m.migrate({ state_version: '1.0.0' }),",
            "  agent: migrateState(createInitialState(), '1.0.0').state_version,",
            '  errors: check(m).errors.length,',
            '});',
          ].join('\n'),
          resolveDir: repoRoot,
          sourcefile: 'browser-root.js',
          loader: 'js',
        },
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      expect(result.errors).to.deep.equal([]);
      const gzipped = gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
      this.test!.title += ` (${(gzipped / 1024).toFixed(1)} KB gzip)`;
      const inputs = Object.entries(result.metafile.inputs);
      const nodeInputs = inputs
        .flatMap(([file, input]) => [file, ...input.imports.map((i) => i.path)])
        .filter((file) => file.startsWith('node:') || isBuiltin(file));
      expect(nodeInputs, 'Node built-ins in the bundle').to.deep.equal([]);
      const ownFiles = inputs.map(([file]) => file).filter((file) => file.startsWith('dist/'));
      expect(ownFiles).to.include('dist/lib/browser.js');
      expect(
        ownFiles.filter((file) => !/^dist\/(lib\/(core|state)|migrations)\//.test(file)),
        'files beyond the core, state and the shipped migrations',
      ).to.deep.equal(['dist/lib/browser.js']);

      const realm = vm.createContext({});
      vm.runInContext(`"use strict";\n${result.outputFiles[0]!.text}`, realm);
      expect(JSON.parse(vm.runInContext('bundleResult', realm) as string)).to.deep.equal({
        up: { _tag: 'Right', right: { state_version: '2.0.0', tags: [] } },
        agent: '1.0.0',
        errors: 0,
      });
    });

    it('the browser root exports all of the core and the root’s AgentState names, the very same objects', async () => {
      const load = (file: string) =>
        import(path.join(repoRoot, 'dist', 'lib', file)) as Promise<Record<string, unknown>>;
      const [browser, root, core, state] = await Promise.all(
        ['browser.js', 'index.js', 'core/index.js', 'state/index.js'].map(load),
      );
      const fromState = Object.keys(state!).filter((name) => name in root! && !(name in core!));
      expect(Object.keys(browser!).sort()).to.deep.equal(
        [...Object.keys(core!), ...fromState].sort(),
      );
      for (const name of Object.keys(core!)) expect(browser![name], name).to.equal(core![name]);
      for (const name of fromState) expect(browser![name], name).to.equal(state![name]);
    });
  });

  describe('CommonJS', () => {
    it('require() loads the root, state, core and node entries, which work', async function () {
      this.timeout(20_000);
      const stored = readFileSync(path.join(statesDir, 'team-without-permissions.json'), 'utf8');
      const script = `'use strict';
const assert = require('node:assert/strict');
const root = require('migraph');
const state = require('migraph/state');
const core = require('migraph/core');
const node = require('migraph/node');
assert.equal(root.migrateState, state.migrateState);
assert.equal(root.Migrator, core.Migrator);
const stored = ${stored};
assert.equal(stored.state_version, '1.0.0');
const migrated = state.migrateState(stored, '1.1.0');
assert.equal(migrated.state_version, '1.1.0');
assert.deepEqual(migrated.tool_permissions['dev-1'], ['basic_tools', 'code_writer', 'file_manager', 'git_tools']);
assert.equal(stored.state_version, '1.0.0');
assert.equal(state.validateState(migrated), true);
assert.equal(core.compareVersions('1.0.0', '1.1.0'), -1);
node.loadMigrationsInto(new core.Migrator(), node.defaultMigrationsDir()).then((report) => {
  assert.equal(report.loaded, 1);
  process.stdout.write('ok');
});
`;
      const dir = makeProject({ 'main.cjs': script }, 'commonjs');
      try {
        const result = await run(process.execPath, ['main.cjs'], dir);
        expect(result).to.deep.equal({ code: 0, stdout: 'ok', stderr: '' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('nothing on import', () => {
    // Records every file system call not made by Node's module loader itself, and every
    // worker started, while the entry is imported; then reports them with the registry.
    const probe = `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';
Error.stackTraceLimit = 20;
const calls = [];
const names = ['readFileSync', 'readFile', 'readdirSync', 'readdir', 'opendirSync', 'opendir',
  'statSync', 'stat', 'lstatSync', 'lstat', 'existsSync', 'accessSync', 'access', 'openSync',
  'open', 'createReadStream', 'watch', 'watchFile', 'globSync', 'glob'];
for (const [label, target] of [['fs', fs], ['fs.promises', fs.promises]]) {
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function (...args) {
      const caller = new Error().stack.split('\\n')[2] ?? '';
      if (!caller.includes('(node:internal/modules/')) calls.push(label + '.' + name + '(' + String(args[0]) + ')');
      return original.apply(this, args);
    };
  }
}
let workers = 0;
const Worker = workerThreads.Worker;
workerThreads.Worker = class extends Worker {
  constructor(...args) { workers += 1; super(...args); }
};
syncBuiltinESMExports();
const entry = await import(process.argv[2]);
process.stdout.write(JSON.stringify({
  calls,
  workers,
  resources: process.getActiveResourcesInfo().filter((r) => /worker|messageport|timeout|immediate/i.test(r)),
  registered: typeof entry.getRegisteredMigrations === 'function' ? Object.keys(entry.getRegisteredMigrations()) : null,
}));
`;

    it('importing each entry reads no file and starts no worker; shipped migrations are static imports', async function () {
      this.timeout(30_000);
      const dir = makeProject({ 'probe.mjs': probe });
      try {
        const reports = await Promise.all(
          entries.map(async (entry) => {
            const result = await run(process.execPath, ['probe.mjs', entry], dir);
            expect(result.code, `${entry}: ${result.stderr}`).to.equal(0);
            return [entry, JSON.parse(result.stdout) as Record<string, unknown>] as const;
          }),
        );
        expect(reports.map(([entry]) => entry)).to.include.members([
          'migraph',
          'migraph/core',
          'migraph/node',
          'migraph/testing',
          'migraph/state',
          'migraph/define',
        ]);
        expect(
          reports.map(([entry, { calls, workers, resources }]) => ({
            entry,
            calls,
            workers,
            resources,
          })),
        ).to.deep.equal(entries.map((entry) => ({ entry, calls: [], workers: 0, resources: [] })));
        expect(Object.fromEntries(reports)['migraph']!.registered).to.include('1.0.0->1.1.0');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the npm package', () => {
    let workDir: string;
    let tarball: string;
    let shipped: string[];
    /** The extracted tarball (its `package/` directory). */
    let unpacked: string;

    before(async function () {
      this.timeout(60_000);
      workDir = mkdtempSync(path.join(tmpdir(), 'migraph-pack-'));
      const pack = await run(
        'npm',
        ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir],
        repoRoot,
      );
      expect(pack.code, pack.stderr).to.equal(0);
      const [report] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
      tarball = path.join(workDir, report.filename);
      shipped = report.files.map((file) => file.path).sort();
      const tar = await run('tar', ['-xzf', tarball, '-C', workDir], workDir);
      expect(tar.code, tar.stderr).to.equal(0);
      unpacked = path.join(workDir, 'package');
    });

    after(() => {
      if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    });

    it('ships the built library, the compiled migrations, the template, README, the guide and LICENSE, and nothing else', () => {
      expect(shipped).to.include.members([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lib/core/index.js',
        'dist/lib/cli/bin.js',
        'dist/migrations/v1_0_0_to_v1_1_0.js',
        'migrations/migration_template.ts',
        'docs/guide.md',
      ]);
      const targets = [
        manifest.main,
        manifest.types,
        ...Object.values(manifest.bin),
        ...Object.values(manifest.exports).flatMap(targetsOf),
      ].map((target) => path.posix.normalize(target));
      expect(shipped, 'targets of main, types, bin and exports').to.include.members(targets);
      expect(
        shipped.filter((file) =>
          /^(dist\/(bench|examples|scripts|spec)\/|spec\/|bench\/|examples\/|scripts\/|lib\/)/.test(
            file,
          ),
        ),
      ).to.deep.equal([]);
      expect(shipped.filter((file) => file.endsWith('.map'))).to.deep.equal([]);
      expect(
        shipped.filter((file) => file.startsWith('docs/api/')),
        'the API reference',
      ).to.deep.equal([]);
      expect(
        shipped.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')),
      ).to.deep.equal(['migrations/migration_template.ts']);
    });

    it('every relative link of the shipped Markdown files points at a shipped file', () => {
      const files = new Set(shipped);
      const markdown = shipped.filter((file) => file.endsWith('.md'));
      expect(markdown).to.include.members(['README.md', 'docs/guide.md']);
      const broken: string[] = [];
      for (const file of markdown) {
        // Links inside fenced code blocks are samples (a generated page's), not links.
        const text = readFileSync(path.join(unpacked, file), 'utf8').replace(/^```[^]*?^```/gm, '');
        for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z][a-z+.-]*:/i.test(target!) || target!.startsWith('#')) continue;
          const linked = path.posix.normalize(
            path.posix.join(path.posix.dirname(file), target!.replace(/#.*$/, '')),
          );
          if (!files.has(linked)) broken.push(`${file}: (${target}) is not shipped`);
        }
      }
      expect(broken).to.deep.equal([]);
    });

    it('every shipped file resolves its imports within the package, its dependencies or Node', () => {
      const files = new Set(shipped);
      const dependencies = new Set([
        ...Object.keys(manifest.dependencies),
        ...Object.keys(manifest.peerDependencies),
      ]);
      const problems: string[] = [];
      let checked = 0;
      for (const file of shipped.filter((f) => /\.(js|ts)$/.test(f))) {
        const text = readFileSync(path.join(unpacked, file), 'utf8');
        for (const specifier of specifiers(text)) {
          checked += 1;
          if (specifier.startsWith('.')) {
            const target = path.posix.join(path.posix.dirname(file), specifier);
            const declaration = target.replace(/\.js$/, '.d.ts');
            const ok = file.endsWith('.d.ts') ? files.has(declaration) : files.has(target);
            if (!ok) problems.push(`${file}: '${specifier}' is not shipped`);
          } else if (specifier.startsWith('#')) {
            // A package import: every target of its pattern is a dependency's file.
            const targets = Object.entries(manifest.imports ?? {}).flatMap(([key, conditions]) =>
              specifier.startsWith(key.replace(/\*$/, '')) ? Object.values(conditions) : [],
            );
            if (targets.length === 0) problems.push(`${file}: '${specifier}' is not imported`);
            for (const target of targets) {
              if (!dependencies.has(packageName(target))) {
                problems.push(`${file}: '${specifier}' maps to '${target}', not a dependency`);
              }
            }
          } else if (packageName(specifier) === manifest.name) {
            const key =
              specifier === manifest.name ? '.' : `./${specifier.slice(manifest.name.length + 1)}`;
            if (!(key in manifest.exports))
              problems.push(`${file}: '${specifier}' is not exported`);
          } else if (!isBuiltin(specifier) && !dependencies.has(packageName(specifier))) {
            problems.push(`${file}: '${specifier}' is not a dependency`);
          }
        }
      }
      expect(checked).to.be.above(100);
      expect(problems).to.deep.equal([]);
    });

    describe('types in a consumer project', () => {
      let consumer: string;
      /** Each project's compile, started in `before`. */
      let compiles: Record<string, Promise<Run>>;
      const broken = 'tsconfig.broken.json';

      const consumerSource = `import type { Either } from 'fp-ts/lib/Either.js';
import { Migrator, migrateState, getRegisteredMigrations, type Plan } from 'migraph';
import {
  Migrator as CoreMigrator,
  StateVersionError,
  type AnyState,
  type MigraphError,
} from 'migraph/core';
import { defaultMigrationsDir, loadMigrationsInto, type LoadReport } from 'migraph/node';
import { createInitialState, SCHEMA_VERSION, type AgentState } from 'migraph/state';
import { defineMigration, type MigrationDefinition } from 'migraph/define';
import { assertRoundTrip, validateMigrationWith } from 'migraph/testing';

const m: CoreMigrator = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, tags: [] }));
export const migrated: Either<MigraphError, AnyState> = m.migrate({ state_version: '1.0.0' });
export const plan: Either<StateVersionError, Plan> = m.plan('1.0.0', '2.0.0');
export const definition: MigrationDefinition<{ a: number }, { b: string }> = defineMigration({
  from: '2.0.0',
  to: '3.0.0',
  up: (s: { a: number }) => ({ b: String(s.a) }),
});
export const state: AgentState = createInitialState();
export const version: string = SCHEMA_VERSION;
export const current: AnyState = migrateState(state, '1.0.0');
export const report: Promise<LoadReport> = loadMigrationsInto(m, defaultMigrationsDir());
export const registered: string[] = Object.keys(getRegisteredMigrations());
export const checks: [typeof assertRoundTrip, typeof validateMigrationWith] = [
  assertRoundTrip,
  validateMigrationWith,
];
`;

      /**
       * The core and \`migraph/indexeddb\`, as a project sees them with neither @types/node nor
       * \`lib: ["dom"]\` (a worker, a test on fake-indexeddb): the IndexedDB entry declares the
       * shapes it needs itself, and pulls no DOM in either.
       */
      const browserSource = `import { Migrator, type AnyState } from 'migraph/core';
import { defineMigration } from 'migraph/define';
import { createInitialState } from 'migraph/state';
import { indexedDbStore, migrateStore, type IndexedDbStore } from 'migraph/indexeddb';

const m = new Migrator<AnyState>().register(
  defineMigration({ from: '1.0.0', to: '2.0.0', up: (s) => ({ ...s, tags: [] }) }),
);
export const result = m.migrate(createInitialState());
const store: IndexedDbStore = indexedDbStore({ name: 'app', objectStore: 'agents' });
export const report = migrateStore(m, store, { batchSize: 100, ifLocked: 'skip' });
// @ts-expect-error no DOM types came with migraph/indexeddb
export const page = document;
`;

      /**
       * Every entry under the legacy \`node10\` resolution, which reads \`types\` and
       * \`typesVersions\` but neither \`exports\` nor \`imports\`. Compiled with \`skipLibCheck\`,
       * as most projects are, where an import a declaration file cannot resolve silently
       * becomes \`any\`: each entry's types are checked not to be.
       */
      const node10Source = `import * as E from 'fp-ts/lib/Either';
import { Migrator, type Plan } from 'migraph';
import { Migrator as CoreMigrator, type MigraphError } from 'migraph/core';
import { migrateFile } from 'migraph/node';
import { testMigrations } from 'migraph/testing';
import { createInitialState } from 'migraph/state';
import { defineMigration } from 'migraph/define';
import { persistMigration } from 'migraph/zustand';
import { createMigrate } from 'migraph/redux-persist';
import { migrateStore as migratePostgres } from 'migraph/postgres';
import { migrateStore as migrateSqlite } from 'migraph/sqlite';

const m = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, tags: [] }));
const result = m.migrate({ state_version: '1.0.0' });
export const either: E.Either<MigraphError, unknown> = result;
export const plan: E.Either<unknown, Plan> = new CoreMigrator().plan('1.0.0', '2.0.0');

// Were a declaration's import unresolved, each of these types would be \`any\`, and
// assignable to a number.
declare const types: {
  readonly root: typeof result;
  readonly core: ReturnType<CoreMigrator['plan']>;
  readonly node: Awaited<ReturnType<typeof migrateFile>>;
  readonly testing: ReturnType<typeof testMigrations>;
  readonly state: ReturnType<typeof createInitialState>;
  readonly define: ReturnType<typeof defineMigration>;
  readonly zustand: ReturnType<typeof persistMigration>;
  readonly reduxPersist: ReturnType<typeof createMigrate>;
  readonly postgres: Awaited<ReturnType<typeof migratePostgres>>;
  readonly sqlite: Awaited<ReturnType<typeof migrateSqlite>>;
};
// @ts-expect-error an Either is not a number
export const root: number = types.root;
// @ts-expect-error not a number
export const core: number = types.core;
// @ts-expect-error not a number
export const node: number = types.node;
// @ts-expect-error not a number
export const testing: number = types.testing;
// @ts-expect-error not a number
export const state: number = types.state;
// @ts-expect-error not a number
export const define: number = types.define;
// @ts-expect-error not a number
export const zustand: number = types.zustand;
// @ts-expect-error not a number
export const reduxPersist: number = types.reduxPersist;
// @ts-expect-error not a number
export const postgres: number = types.postgres;
// @ts-expect-error not a number
export const sqlite: number = types.sqlite;
`;

      const brokenSource = `import { Migrator, NotExported } from 'migraph/core';
export const versions: number = new Migrator().versions();
export const missing = NotExported;
`;

      const tsc = (project: string) =>
        run(
          process.execPath,
          [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
          consumer,
        );

      before(() => {
        consumer = path.join(workDir, 'consumer');
        const modules = path.join(consumer, 'node_modules');
        cpSync(unpacked, path.join(modules, manifest.name), { recursive: true });
        for (const name of [
          ...Object.keys(manifest.dependencies),
          ...Object.keys(manifest.peerDependencies),
          '@types/node',
        ]) {
          mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
          symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(modules, name), 'dir');
        }
        writeFileSync(
          path.join(consumer, 'package.json'),
          '{ "name": "consumer", "type": "module" }\n',
        );
        writeFileSync(path.join(consumer, 'consumer.ts'), consumerSource);
        writeFileSync(path.join(consumer, 'browser.ts'), browserSource);
        writeFileSync(path.join(consumer, 'node10.ts'), node10Source);
        writeFileSync(path.join(consumer, 'broken.ts'), brokenSource);
        // All compiles at once: the tests below wait for their own.
        const node = { lib: ['ES2022'], types: ['node'] };
        const bare = { lib: ['ES2022'], types: [] };
        const projects = {
          'tsconfig.node16.json': {
            files: ['consumer.ts'],
            options: { module: 'node16', moduleResolution: 'node16', ...node },
          },
          'tsconfig.nodenext.json': {
            files: ['consumer.ts'],
            options: { module: 'nodenext', moduleResolution: 'nodenext', ...node },
          },
          'tsconfig.node10.json': {
            files: ['node10.ts'],
            options: {
              module: 'commonjs',
              moduleResolution: 'node10',
              skipLibCheck: true,
              ...node,
            },
          },
          'tsconfig.bundler.json': {
            files: ['consumer.ts'],
            options: { module: 'esnext', moduleResolution: 'bundler', ...node },
          },
          'tsconfig.browser.json': {
            files: ['browser.ts'],
            options: { module: 'esnext', moduleResolution: 'bundler', ...bare },
          },
          [broken]: {
            files: ['broken.ts'],
            options: { module: 'nodenext', moduleResolution: 'nodenext', ...bare },
          },
        };
        compiles = Object.fromEntries(
          Object.entries(projects).map(([name, { files, options }]) => {
            writeFileSync(
              path.join(consumer, name),
              JSON.stringify({
                compilerOptions: {
                  strict: true,
                  noEmit: true,
                  skipLibCheck: false,
                  target: 'ES2022',
                  ...options,
                },
                files,
              }),
            );
            return [name, tsc(name)];
          }),
        );
      });

      it('compiles under node16, nodenext, bundler and node10 resolution (no type silently any), and the core without Node types', async function () {
        this.timeout(120_000);
        const results = await Promise.all(
          Object.entries(compiles)
            .filter(([project]) => project !== broken)
            .map(async ([project, compile]) => {
              const { code, stdout } = await compile;
              return { project, code, errors: stdout };
            }),
        );
        expect(results.map(({ project }) => project)).to.have.length(5);
        expect(results).to.deep.equal(
          results.map(({ project }) => ({ project, code: 0, errors: '' })),
        );
      });

      it('the same harness rejects a consumer that uses the package wrongly', async function () {
        this.timeout(120_000);
        const result = await compiles[broken]!;
        expect(result.code).to.not.equal(0);
        expect(result.stdout).to.match(
          /error TS2305: Module '"migraph\/core"' has no exported member 'NotExported'/,
        );
        expect(result.stdout).to.match(
          /error TS2322: Type 'string\[\]' is not assignable to type 'number'/,
        );
      });
    });
  });
});
