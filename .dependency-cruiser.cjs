/**
 * The layer rule (SPEC §9): core imports nothing above it and no Node built-in; adapters
 * depend on core, never the reverse; nothing imports the CLI; no file is part of an import
 * cycle, type-only imports included. The CLI uses the library as an application would: only
 * through the entries package.json exports.
 */
const { exports: entries } = require('./package.json');

/** The source files of the package's entries: `./dist/lib/core/index.js` → `lib/core/index.ts`. */
const publicEntries = Object.values(entries)
  .flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)))
  .flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))
  .filter((file) => /^\.\/dist\/lib\/.*\.js$/.test(file))
  .map((file) => file.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Files must not form an import cycle (type-only imports count).',
      from: { path: '^(lib|migrations)/' },
      to: { circular: true },
    },
    {
      name: 'core-is-isomorphic',
      severity: 'error',
      comment: 'lib/core imports only lib/core and its npm dependencies: no Node built-ins.',
      from: { path: '^lib/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { path: '^(lib/(?!core/)|migrations/)' },
    },
    {
      name: 'state-imports-core',
      severity: 'error',
      comment: 'AgentState (lib/state and the shipped migrations) builds on the core only.',
      from: { path: '^(lib/state/|migrations/v)' },
      to: { path: '^lib/(?!core/|state/)', dependencyTypes: ['local'] },
    },
    {
      name: 'state-is-isomorphic',
      severity: 'error',
      from: { path: '^(lib/state/|migrations/v)' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'testing-imports-core',
      severity: 'error',
      comment: 'lib/testing builds on the core (and AgentState for its arbitrary).',
      from: { path: '^lib/testing/' },
      to: { path: '^lib/(?!core/|state/|testing/)' },
    },
    {
      name: 'testing-is-isomorphic',
      severity: 'error',
      from: { path: '^lib/testing/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'node-imports-core',
      severity: 'error',
      comment: 'lib/node builds on the core only.',
      from: { path: '^lib/node/' },
      to: { path: '^lib/(?!core/|node/)' },
    },
    {
      name: 'integrations-import-core',
      severity: 'error',
      from: { path: '^lib/integrations/' },
      to: { path: '^lib/(?!core/|integrations/)' },
    },
    {
      name: 'stores-import-core-and-node',
      severity: 'error',
      from: { path: '^lib/stores/' },
      to: { path: '^lib/(?!core/|node/|stores/)' },
    },
    {
      name: 'cli-imports-public-entries',
      severity: 'error',
      comment:
        'lib/cli only parses, delegates and prints (STYLE.md rule 10): it imports the library ' +
        'through the entries package.json exports, never a module behind them.',
      from: { path: '^lib/cli/' },
      to: {
        path: '^(lib|migrations)/',
        pathNot: `^(lib/cli/|(${[...new Set(publicEntries)].map(escapeRegExp).join('|')})$)`,
      },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^lib/(?!cli/)' },
      to: { path: '^lib/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
