/**
 * Loads migration scripts from a directory. A script is a file named
 * `v{M}_{m}_{p}_to_v{M}_{m}_{p}.{ts,js,mjs}`; it either `export default`s a migration
 * definition (registered into the migrator being loaded for) or registers itself on import
 * through `registerMigration` (the seed's style).
 *
 * @since 0.1.0
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as E from '#fp/Either.js';
import {
  isMigrationDefinition,
  type MigrationDefinition,
  type StepFn,
} from '../core/definition.js';
import { describeCause } from '../core/describe-cause.js';
import { checkOptions, type OptionRules } from '../core/options.js';
import type { EdgeInfo } from '../core/graph.js';
import { Migrator } from '../core/migrator.js';
import { edgeOfFileName, MIGRATION_FILE } from '../core/naming.js';
import { DEFAULT_LOAD_TIMEOUT_MS, guardedLoad, importModule } from './import-module.js';
import { withRegistrationTarget } from './registration.js';
import { parseVersion } from '../core/version.js';

/** The package's own `migrations/` directory (compiled scripts when running from `dist/`). */
export const defaultMigrationsDir = (): string =>
  fileURLToPath(new URL('../../migrations/', import.meta.url));

/** What happened to one file. */
export interface LoadedFile {
  readonly file: string;
  readonly status: 'loaded' | 'failed' | 'skipped';
  /** The edges the file registered, as `from->to`. */
  readonly edges: readonly string[];
  /** Why the file failed or was skipped, or a naming problem of a loaded file. */
  readonly problem?: string;
}

/** The outcome of {@link loadMigrationsInto}. */
export interface LoadReport {
  readonly dir: string;
  /** How many files loaded. */
  readonly loaded: number;
  readonly files: readonly LoadedFile[];
  /** Loaded files whose name does not match the edge they register. */
  readonly mismatches: readonly LoadedFile[];
}

/** Options of {@link loadMigrationsInto}. */
export interface LoadOptions {
  /** How a file URL is imported. Default: `import()`, and `tsx` for TypeScript files. */
  readonly importModule?: (url: string) => Promise<unknown>;
  /** How long one file may take to load, in milliseconds (default 30,000). */
  readonly timeoutMs?: number;
  /**
   * Names of files in the directory that are not migration scripts and are not to be reported
   * (`loadProject` passes the schemas module's, when it is in the directory).
   */
  readonly ignore?: readonly string[];
}

const LOAD_OPTIONS: OptionRules = {
  importModule: 'function',
  timeoutMs: 'positive number',
  ignore: 'strings',
};

/**
 * The default export of a module, looking through the CommonJS interop wrapper that
 * `exports.default = …` modules get when imported as ES modules.
 */
const defaultExport = (module: unknown): unknown => {
  const value = (module as { default?: unknown } | null)?.default;
  if (isMigrationDefinition(value)) return value;
  const inner = (value as { default?: unknown } | null | undefined)?.default;
  return isMigrationDefinition(inner) ? inner : value;
};

/** Edges each self-registering module registered when it was first imported, by URL. */
const selfRegistered = new Map<string, readonly EdgeInfo[]>();

const EXTENSION_PREFERENCE = ['.js', '.mjs', '.ts'];

/** A file the loader leaves alone, and why (for the one it does not load). */
interface Unpicked {
  readonly file: string;
  readonly problem: string;
}

/**
 * One file per migration stem: compiled `.js`/`.mjs` win over the `.ts` source beside them.
 * Two compiled files for one stem (`.js` and `.mjs`) load the `.js` and report the other.
 */
const pickFiles = (names: readonly string[]): { picked: string[]; unpicked: Unpicked[] } => {
  const byStem = new Map<string, string[]>();
  for (const name of names.filter((n) => MIGRATION_FILE.test(n))) {
    const stem = name.slice(0, name.lastIndexOf('.'));
    byStem.set(stem, [...(byStem.get(stem) ?? []), name]);
  }
  const rank = (n: string) => EXTENSION_PREFERENCE.indexOf(path.extname(n));
  const picked: string[] = [];
  const unpicked: Unpicked[] = [];
  for (const group of byStem.values()) {
    const [first, ...others] = [...group].sort((a, b) => rank(a) - rank(b));
    picked.push(first!);
    for (const other of others.filter((o) => path.extname(o) !== '.ts')) {
      unpicked.push({
        file: other,
        problem: `${first} names the same migration, and is the one loaded: remove one of them`,
      });
    }
  }
  return { picked: picked.sort(), unpicked };
};

/**
 * Files a migrations directory may hold beside its scripts, left alone without a word:
 * dotfiles, `package.json`, Markdown (`README.md`), declaration files and source maps a build
 * writes, the schemas module (`schemas.{js,mjs,ts}`) and the scaffolding template
 * (`migration_template.*`). Subdirectories are not read (the place for shared helpers).
 */
const isCompanion = (name: string): boolean =>
  name.startsWith('.') ||
  name === 'package.json' ||
  /\.md$/i.test(name) ||
  /\.d\.[cm]?ts$/.test(name) ||
  /\.map$/.test(name) ||
  /^schemas\.(js|mjs|ts)$/.test(name) ||
  /^migration_template\.(ts|js|mjs)$/.test(name);

const NAMING_RULE = 'v{M}_{m}_{p}_to_v{M}_{m}_{p}.{ts,js,mjs}';

/** Two versions in a file name, however written (`1.1.0-to-1.2.0`, `V1_1_0_to_V1_2_0`…). */
const NAMED_VERSIONS =
  /^v?(\d+)[._](\d+)[._](\d+)(-[0-9A-Za-z._-]+?)?[-_.]to[-_.]v?(\d+)[._](\d+)[._](\d+)(-[0-9A-Za-z._-]+?)?(\..*)?$/i;

/**
 * Why a file that is neither a script nor a companion is not loaded: a name that says which
 * migration it meant gets the name it should have.
 */
const notAMigration = (name: string): string => {
  const m = NAMED_VERSIONS.exec(name);
  if (m === null) {
    return `it is not a migration script (named ${NAMING_RULE}): move other modules into a subdirectory`;
  }
  if (m[4] !== undefined || m[8] !== undefined) {
    return `its name does not follow ${NAMING_RULE} (pre-release versions cannot be named by a file)`;
  }
  const extension = (m[9] ?? '').toLowerCase();
  const stem = `v${m[1]}_${m[2]}_${m[3]}_to_v${m[5]}_${m[6]}_${m[7]}`;
  const meant: Record<string, string> = {
    '.ts': '.ts',
    '.js': '.js',
    '.mjs': '.mjs',
    '.mts': '.ts',
    '.cts': '.ts',
    '.cjs': '.js',
  };
  const suggested = meant[extension];
  const advice =
    suggested === undefined
      ? `${extension === '' ? 'it has no' : `${extension} is not a`} script extension (.ts, .js or .mjs)`
      : `rename it ${stem}${suggested}${extension === '.cjs' ? ' (in a CommonJS package, .js loads as CommonJS)' : ''}`;
  return `its name does not follow ${NAMING_RULE}: ${advice}`;
};

const isDirectory = async (file: string): Promise<boolean> => {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
};

const isInside = (dir: string, file: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

const edgeKey = (e: Pick<EdgeInfo, 'from' | 'to'>) => `${e.from}->${e.to}`;

/** Registers a definition (throwing on a bad one) and names the edges it added. */
const registerDefinition = (
  target: Migrator,
  definition: MigrationDefinition,
  file: string,
): string[] => {
  target.register(definition, { source: file });
  const normal = (v: string) => E.getOrElse(() => v)(parseVersion(v));
  const [from, to] = [normal(definition.from), normal(definition.to)];
  return [edgeKey({ from, to }), ...(definition.down ? [edgeKey({ from: to, to: from })] : [])];
};

/** Imports one file and registers what it defines; the outcome, never a throw. */
const loadFile = async (
  target: Migrator,
  options: LoadOptions,
  dir: string,
  file: string,
): Promise<LoadedFile> => {
  const full = path.join(dir, file);
  let real: string;
  try {
    real = await realpath(full);
  } catch (cause) {
    return { file, status: 'failed', edges: [], problem: describeCause(cause) };
  }
  if (!isInside(dir, real)) {
    return {
      file,
      status: 'skipped',
      edges: [],
      problem: `it resolves to ${real}, outside ${dir}`,
    };
  }
  const url = pathToFileURL(real).href;
  // Self-registering scripts write into a capture of their own, copied into the target below.
  const capture = new Migrator();
  try {
    const load = () => (options.importModule ?? importModule)(url);
    const timeout = options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
    const exported = defaultExport(
      await withRegistrationTarget(capture, () => guardedLoad(load, timeout)),
    );
    let edges: string[];
    if (isMigrationDefinition(exported)) {
      edges = registerDefinition(target, exported, file);
    } else {
      const fresh = capture.edges();
      if (fresh.length > 0) selfRegistered.set(url, fresh);
      const registered = selfRegistered.get(url) ?? [];
      for (const e of registered.filter((e) => e.origin === 'up')) {
        const down = registered.find(
          (d) => d.origin === 'down' && d.from === e.to && d.to === e.from,
        );
        target.register(e.from, e.to, e.fn as StepFn, {
          description: e.description,
          changes: e.changes,
          cost: e.cost,
          lossy: e.lossy,
          pure: e.pure,
          source: file,
          ...(down ? { down: down.fn as StepFn } : {}),
          ...(down?.description === undefined ? {} : { downDescription: down.description }),
        });
      }
      edges = registered.map(edgeKey);
      if (edges.length === 0) {
        return {
          file,
          status: 'failed',
          edges,
          problem: 'it neither exports a migration definition nor registers one',
        };
      }
    }
    const [from, to] = edgeOfFileName(file)!;
    const matches = edges.includes(`${from}->${to}`);
    return matches
      ? { file, status: 'loaded', edges }
      : {
          file,
          status: 'loaded',
          edges,
          problem: `its name says ${from}->${to} but it registers ${edges.join(', ')}`,
        };
  } catch (cause) {
    return { file, status: 'failed', edges: [], problem: describeCause(cause) };
  }
};

/**
 * Imports every migration script of `dir` into `target`, in file-name order. A file that
 * fails to import (or to register), that does not finish loading within `timeoutMs` (default
 * 30 s), or that calls `process.exit` while loading, is skipped with one `logger.error`; a file
 * whose real path leaves `dir` (a symlink out) is not loaded; a name that does not match the
 * registered edge is reported with `logger.warn`. Every other file of `dir` that is not a
 * script (`V1_1_0_to_V1_2_0.mjs`, `1.1.0-to-1.2.0.mjs`, `.cjs`, `.mts`, `.js.bak`, a helper
 * module) is reported once as skipped, with one `logger.warn` and the name it should have when
 * it names a migration; left alone without a word are subdirectories, dotfiles,
 * `package.json`, Markdown files, declaration files and source maps, `schemas.{js,mjs,ts}`,
 * `migration_template.*`, a `.ts` source beside its compiled `.js`/`.mjs`, and the names in
 * `options.ignore`. A missing or empty directory gives 0 and a warning. TypeScript files load
 * through `tsx` when it is installed, and fail with a message saying to install it when it is
 * not. Throws a `TypeError` on an unknown or mistyped option.
 *
 * @example
 * const report = await loadMigrationsInto(new Migrator(), './migrations')
 * @since 0.1.0
 */
export const loadMigrationsInto = async (
  target: Migrator,
  dir: string = defaultMigrationsDir(),
  options: LoadOptions = {},
): Promise<LoadReport> => {
  checkOptions('loadMigrationsInto', options, LOAD_OPTIONS);
  const ignore = new Set(options.ignore ?? []);
  const logger = target.options.logger;
  const resolved = path.resolve(dir);
  let real: string;
  let names: string[];
  try {
    real = await realpath(resolved);
    if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    names = await readdir(real);
  } catch {
    logger.warn(`loadMigrationScripts: no migrations directory at ${resolved}`);
    return { dir: resolved, loaded: 0, files: [], mismatches: [] };
  }
  const { picked, unpicked } = pickFiles(names);
  const others: Unpicked[] = [];
  for (const name of names) {
    if (MIGRATION_FILE.test(name) || isCompanion(name) || ignore.has(name)) continue;
    if (await isDirectory(path.join(real, name))) continue;
    others.push({ file: name, problem: notAMigration(name) });
  }
  if (picked.length === 0 && others.length === 0) {
    logger.warn(`loadMigrationScripts: no migration scripts in ${resolved}`);
  }
  const files: LoadedFile[] = [...unpicked, ...others]
    .sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0))
    .map(({ file, problem }) => {
      logger.warn(`loadMigrationScripts: not loading ${file}: ${problem}`);
      return { file, status: 'skipped' as const, edges: [], problem };
    });
  for (const file of picked) {
    const outcome = await loadFile(target, options, real, file);
    if (outcome.status === 'failed')
      logger.error(`loadMigrationScripts: skipped ${file}: ${outcome.problem}`);
    else if (outcome.status === 'skipped')
      logger.warn(`loadMigrationScripts: not loading ${file}: ${outcome.problem}`);
    else if (outcome.problem) logger.warn(`loadMigrationScripts: ${file}: ${outcome.problem}`);
    files.push(outcome);
  }
  const loaded = files.filter((f) => f.status === 'loaded');
  return {
    dir: resolved,
    loaded: loaded.length,
    files,
    mismatches: loaded.filter((f) => f.problem !== undefined),
  };
};
