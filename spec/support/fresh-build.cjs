// Mocha global setup (.mocharc.json `require`): specs of the CLI, worker threads and processes
// run the compiled dist/, so a bare `mocha` after an edit would test the previous build. When a
// source under lib/ or migrations/ is newer than its compiled file (or has none), this runs
// `npm run build` once before the suite; otherwise it only compares modification times.
'use strict';
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

/** The TypeScript sources `npm run build` compiles from `dir` (tsconfig.build.json). */
const sources = (dir) =>
  readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /(?<!\.d)\.ts$/.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .filter((file) => file !== path.join('migrations', 'migration_template.ts'));

const modified = (file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs;

/** The first source whose compiled file is missing or older, if any. */
const staleSource = () =>
  ['lib', 'migrations']
    .flatMap(sources)
    .find((file) => !(modified(path.join('dist', file.replace(/\.ts$/, '.js'))) >= modified(file)));

exports.mochaGlobalSetup = () => {
  const stale = staleSource();
  if (stale === undefined) return;
  process.stderr.write(`dist/ is older than ${stale}: npm run build\n`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
};
