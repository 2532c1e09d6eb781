/**
 * Builds a migrator from a project on disk (what the CLI and the batch workers use): the migrations directory (`--dir`, default
 * `./migrations`), loaded into a fresh `Migrator`, with codecs and settings from a schemas
 * module (`--schemas`, default `<dir>/schemas.{js,mjs,ts}` when there is one).
 *
 * A schemas module may export `codecs` (a record from version, or `'*'`, to io-ts codec),
 * `currentVersion`, `versionKey`, `missingVersion`, and `arbitraries` (a record from version
 * to fast-check arbitrary, sampled by `migraph check`, or a function returning one, maybe
 * async, so that the module loads without fast-check), `retired` and `compatibility` (the
 * policy `migraph check` enforces). TypeScript files are loaded through
 * `tsx`, so `.ts` migrations work without a build step.
 *
 * @since 0.1.0
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from '#fp/Either.js';
import type * as t from 'io-ts';
import {
  parseCompatibilityPolicy,
  type CompatibilityPolicy,
} from '../core/compatibility-policy.js';
import { describeCause } from '../core/describe-cause.js';
import { DEFAULT_LOAD_TIMEOUT_MS, guardedLoad, importModule } from './import-module.js';
import { loadMigrationsInto, type LoadReport } from './loader.js';
import { Migrator } from '../core/migrator.js';
import type { ValidationMode } from '../core/executor.js';
import { checkOptions, type OptionRules } from '../core/options.js';

/** A project that cannot be loaded: no migrations directory, or an unusable schemas module. */
export class ProjectError extends Error {
  override readonly name = 'ProjectError' as const;
}

const projectError = (message: string, cause?: unknown): ProjectError =>
  new ProjectError(message, cause === undefined ? undefined : { cause });

/** Where a project keeps its migrations and schemas. */
export interface ProjectOptions {
  readonly dir: string;
  readonly schemas?: string;
  /** How long one module may take to load, in milliseconds (default 30,000). */
  readonly loadTimeoutMs?: number;
  /** When states are checked against their version's codec (default `'each-step'`). */
  readonly validate?: ValidationMode;
}

/** What a schemas module may export. */
export interface SchemasModule {
  readonly codecs?: Readonly<Record<string, t.Decoder<unknown, unknown>>>;
  readonly currentVersion?: string;
  readonly versionKey?: string;
  readonly missingVersion?: string;
  /**
   * fast-check arbitraries by version, or a function giving them (maybe async): a module that
   * imports fast-check in that function loads where fast-check (an optional peer) is absent.
   */
  readonly arbitraries?:
    | Readonly<Record<string, unknown>>
    | (() => Readonly<Record<string, unknown>> | Promise<Readonly<Record<string, unknown>>>);
  /**
   * Versions that left the graph on purpose: their schema snapshots stay (for tests of their
   * migrations and for docs) without failing `check --snapshots`.
   */
  readonly retired?: readonly string[];
  /**
   * The compatibility class required of edges (SPEC §17), enforced by `migraph check`:
   * `{ default: 'BACKWARD', '2.x': 'FULL', approved: [{ from, to, reason }] }`.
   */
  readonly compatibility?: unknown;
}

/** A loaded project: the migrator, how loading went, and the schemas module's extras. */
export interface Project {
  readonly migrator: Migrator;
  readonly report: LoadReport;
  readonly schemasFile: string | undefined;
  /**
   * The schemas module's arbitraries by version (`{}` when it exports none), built on the call:
   * rejects with a {@link ProjectError} when they cannot be built (fast-check not installed).
   */
  readonly arbitraries: () => Promise<Readonly<Record<string, unknown>>>;
  /** Versions retired on purpose (the schemas module's `retired`; `[]` when it exports none). */
  readonly retired: readonly string[];
  /** The schemas module's compatibility policy, read; `undefined` when it exports none. */
  readonly compatibility: CompatibilityPolicy | undefined;
  /** Things worth saying that do not stop the project from loading (a schemas module without codecs). */
  readonly warnings: readonly string[];
}

const SCHEMAS_NAMES = ['schemas.js', 'schemas.mjs', 'schemas.ts'];

const isFile = (file: string): boolean => existsSync(file) && statSync(file).isFile();

const isInside = (dir: string, file: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * The schemas module: the one given, or `<dir>/schemas.{js,mjs,ts}`. A module found in `dir`
 * is held to the scripts' rule: one whose real path leaves `dir` (a symlink out) is refused.
 */
const findSchemas = (dir: string, given: string | undefined): string | undefined => {
  if (given !== undefined) {
    const file = path.resolve(given);
    if (!isFile(file)) throw projectError(`No schemas module at ${file}`);
    return file;
  }
  const found = SCHEMAS_NAMES.map((name) => path.join(dir, name)).find(isFile);
  if (found === undefined) return undefined;
  const real = realpathSync(found);
  if (!isInside(realpathSync(dir), real)) {
    throw projectError(
      `Not loading the schemas module ${found}: it resolves to ${real}, outside ${dir}`,
    );
  }
  return found;
};

/** What a schemas module may export. */
const SCHEMAS_EXPORTS = [
  'codecs',
  'currentVersion',
  'versionKey',
  'missingVersion',
  'arbitraries',
  'retired',
  'compatibility',
] as const;

/** Edit distance, for "did you mean" (short names only). */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
};

/** A known export this name is a likely typo of (`codec`, `Codecs`, `currentversion`…). */
const meant = (name: string): string | undefined =>
  SCHEMAS_EXPORTS.find(
    (known) =>
      name !== known &&
      distance(name.toLowerCase(), known.toLowerCase()) <= Math.min(2, known.length / 4),
  );

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const readSchemas = async (file: string, timeoutMs: number): Promise<SchemasModule> => {
  let module: unknown;
  try {
    module = await guardedLoad(() => importModule(pathToFileURL(file).href), timeoutMs);
  } catch (cause) {
    throw projectError(`Cannot load the schemas module ${file}: ${describeCause(cause)}`, cause);
  }
  const named = module as Record<string, unknown>;
  // A CommonJS module's exports arrive as its default export.
  const exports = named.codecs === undefined && isRecord(named.default) ? named.default : named;
  for (const name of Object.keys(exports)) {
    const known = meant(name);
    if (known !== undefined && exports[known] === undefined) {
      throw projectError(
        `The schemas module ${file} exports ${name}, which migraph does not read: did you mean ${known}?`,
      );
    }
  }
  for (const key of ['codecs', 'arbitraries'] as const) {
    const value = exports[key];
    if (key === 'arbitraries' && typeof value === 'function') continue;
    if (value !== undefined && !isRecord(value)) {
      throw projectError(
        `The schemas module ${file} exports ${key}, but not as a record by version${key === 'arbitraries' ? ' (or a function returning one)' : ''}`,
      );
    }
  }
  for (const key of ['currentVersion', 'versionKey', 'missingVersion'] as const) {
    if (exports[key] !== undefined && typeof exports[key] !== 'string') {
      throw projectError(`The schemas module ${file} exports ${key}, but not as a string`);
    }
  }
  const retired = exports.retired;
  if (
    retired !== undefined &&
    (!Array.isArray(retired) || retired.some((v) => typeof v !== 'string'))
  ) {
    throw projectError(
      `The schemas module ${file} exports retired, but not as an array of versions`,
    );
  }
  if (exports.compatibility !== undefined) {
    const policy = parseCompatibilityPolicy(exports.compatibility);
    if (E.isLeft(policy)) {
      throw projectError(`The schemas module ${file}: ${policy.left.message}`, policy.left);
    }
  }
  return exports as SchemasModule;
};

/** The options of a project (checked by the loader's code). */
export const PROJECT_OPTIONS: OptionRules = {
  dir: 'any',
  schemas: 'any',
  loadTimeoutMs: 'any',
  validate: 'any',
};

/**
 * Loads the migrations directory and schemas module into a fresh `Migrator`. A missing
 * directory or an unusable schemas module is a `Left` of {@link ProjectError}; files that
 * fail to load are in the report for the caller to judge.
 *
 * @example
 * const project = await loadProject({ dir: './migrations' }) // Right({ migrator, report, … })
 */
export const loadProject = async (
  options: ProjectOptions,
): Promise<E.Either<ProjectError, Project>> => {
  checkOptions('loadProject()', options, PROJECT_OPTIONS);
  try {
    return E.right(await load(options));
  } catch (error) {
    if (error instanceof ProjectError) return E.left(error);
    return E.left(projectError(`Cannot load the project: ${describeCause(error)}`, error));
  }
};

const load = async (options: ProjectOptions): Promise<Project> => {
  const dir = path.resolve(options.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw projectError(`No migrations directory at ${dir}`);
  }
  const schemasFile = findSchemas(dir, options.schemas);
  const timeoutMs = options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const schemas = schemasFile === undefined ? {} : await readSchemas(schemasFile, timeoutMs);
  const warnings =
    schemasFile !== undefined && schemas.codecs === undefined
      ? [`The schemas module ${schemasFile} exports no codecs: states will not be validated`]
      : [];
  let migrator: Migrator;
  try {
    migrator = new Migrator({
      ...(schemas.currentVersion === undefined ? {} : { currentVersion: schemas.currentVersion }),
      ...(schemas.versionKey === undefined ? {} : { versionKey: schemas.versionKey }),
      ...(schemas.missingVersion === undefined ? {} : { missingVersion: schemas.missingVersion }),
      ...(options.validate === undefined ? {} : { validate: options.validate }),
    });
    for (const [version, codec] of Object.entries(schemas.codecs ?? {})) {
      migrator.schema(version, codec);
    }
  } catch (cause) {
    throw projectError(`The schemas module ${schemasFile}: ${describeCause(cause)}`, cause);
  }
  // A schemas module given with --schemas may sit among the scripts under any name.
  const ignore =
    schemasFile !== undefined && path.dirname(schemasFile) === dir
      ? [path.basename(schemasFile)]
      : [];
  const report = await loadMigrationsInto(migrator, dir, { importModule, timeoutMs, ignore });
  const arbitraries = async (): Promise<Readonly<Record<string, unknown>>> => {
    const given = schemas.arbitraries ?? {};
    if (typeof given !== 'function') return given;
    let built: unknown;
    try {
      built = await given();
    } catch (cause) {
      const missing = /fast-check/.test(describeCause(cause)) ? ' (is fast-check installed?)' : '';
      throw projectError(
        `Cannot build the arbitraries of the schemas module ${schemasFile}${missing}: ${describeCause(cause)}`,
        cause,
      );
    }
    if (!isRecord(built)) {
      throw projectError(
        `The schemas module ${schemasFile} exports arbitraries, but its function does not return a record by version`,
      );
    }
    return built;
  };
  const retired = schemas.retired ?? [];
  const policy =
    schemas.compatibility === undefined
      ? undefined
      : parseCompatibilityPolicy(schemas.compatibility);
  const compatibility = policy !== undefined && E.isRight(policy) ? policy.right : undefined;
  return { migrator, report, schemasFile, arbitraries, retired, compatibility, warnings };
};

/**
 * {@link loadProject}, but a `Left` as well when any migration file failed to load: for
 * running migrations, where a half-loaded graph would plan the wrong paths.
 *
 * @example
 * const migrator = await loadCompleteProject({ dir: './migrations' }) // Right(Migrator)
 */
export const loadCompleteProject = async (
  options: ProjectOptions,
): Promise<E.Either<ProjectError, Migrator>> => {
  checkOptions('loadCompleteProject()', options, PROJECT_OPTIONS);
  const project = await loadProject(options);
  if (E.isLeft(project)) return project;
  const problems = loadProblems(project.right.report);
  return problems.length === 0
    ? E.right(project.right.migrator)
    : E.left(projectError(`Cannot load ${problems.join('; ')}`));
};

/** One line per file that failed to load or was skipped. */
export const loadProblems = (report: LoadReport): string[] =>
  report.files
    .filter((f) => f.status !== 'loaded')
    .map((f) => `${path.join(report.dir, f.file)}: ${f.problem ?? f.status}`);
