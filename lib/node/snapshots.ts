/**
 * Schema snapshot files: `schemas/<version>.json`, one per version with a codec, written so
 * that an unchanged codec leaves its file byte-identical (and its mtime as it was), and read
 * back for the drift check, the docs and the tests of versions whose codec is gone.
 *
 * @since 0.1.0
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from '#fp/Either.js';
import {
  canonicalJson,
  canonicalText,
  jsonSchema,
  withoutAnnotations,
  type JsonSchema,
} from '../core/json-schema.js';
import {
  compareSnapshots,
  type CompareSnapshotsOptions,
  type Snapshot,
  type SnapshotIssue,
  type SnapshotSource,
} from '../core/snapshot.js';
import { parseVersion } from '../core/version.js';
import { writeFileAtomic } from './files.js';
import { checkOptions } from '../core/options.js';

/**
 * The drift hash of a schema: sha256 (hex) of its canonical text without annotations, so
 * descriptions, titles, key order and formatting never change it.
 *
 * @example
 * snapshotHash({ type: 'string', description: 'a' }) === snapshotHash({ description: 'b', type: 'string' }) // true
 * @since 0.1.0
 */
export const snapshotHash = (schema: JsonSchema): string =>
  createHash('sha256')
    .update(canonicalText(withoutAnnotations(schema)))
    .digest('hex');

/** What {@link writeSnapshots} did. */
export interface SnapshotWriteReport {
  /** Versions whose file was created or changed. */
  readonly written: readonly string[];
  /** Versions whose file already held exactly this snapshot (left untouched). */
  readonly unchanged: readonly string[];
  readonly dir: string;
}

/** Options of {@link writeSnapshots} and {@link checkSnapshots}. */
export interface SnapshotDirOptions {
  /** The snapshot directory (default `schemas`, against the working directory). */
  readonly dir?: string;
}

const fileOf = (dir: string, version: string): string => path.join(dir, `${version}.json`);

/**
 * Writes `<dir>/<version>.json` (`{ version, hash, schema }`) for every version of `m` with a
 * codec of its own. A file that already holds the same bytes is not rewritten; snapshots of
 * versions no longer in the graph are kept (they are what tests of retired versions use).
 *
 * @example
 * await writeSnapshots(m, { dir: 'schemas' }) // Right({ written: ['1.2.0'], unchanged: ['1.0.0', '1.1.0'], dir: 'schemas' })
 * @since 0.1.0
 */
export const writeSnapshots = async (
  m: SnapshotSource,
  options: SnapshotDirOptions = {},
): Promise<E.Either<Error, SnapshotWriteReport>> => {
  checkOptions('writeSnapshots()', options, { dir: 'string' });
  const dir = options.dir ?? 'schemas';
  const written: string[] = [];
  const unchanged: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
    for (const version of m.versions()) {
      if (!m.hasOwnSchema(version)) continue;
      const schema = jsonSchema(m, version);
      if (E.isLeft(schema)) continue;
      const text = canonicalJson({
        version,
        hash: snapshotHash(schema.right),
        schema: schema.right,
      });
      const file = fileOf(dir, version);
      const held = await readFile(file, 'utf8').catch(() => undefined);
      if (held === text) {
        unchanged.push(version);
      } else {
        await writeFileAtomic(file, text);
        written.push(version);
      }
    }
    return E.right({ written, unchanged, dir });
  } catch (cause) {
    return E.left(new Error(`Could not write snapshots to ${dir}: ${String(cause)}`, { cause }));
  }
};

/** Snapshots read from a directory, and the files that are not valid snapshots. */
export interface SnapshotSet {
  readonly snapshots: ReadonlyMap<string, Snapshot>;
  readonly invalid: readonly SnapshotIssue[];
}

/**
 * Reads every `<version>.json` of `dir`: a file must parse, name the version of its file name,
 * hold a schema object, and carry that schema's hash (a hand edit that changed what the schema
 * accepts without re-snapshotting is reported as invalid). A missing directory is an empty set.
 *
 * @since 0.1.0
 */
export const readSnapshots = async (dir: string): Promise<E.Either<Error, SnapshotSet>> => {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      return E.right({ snapshots: new Map(), invalid: [] });
    }
    return E.left(new Error(`Could not read snapshots in ${dir}: ${String(cause)}`, { cause }));
  }
  const snapshots = new Map<string, Snapshot>();
  const invalid: SnapshotIssue[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const version = name.slice(0, -'.json'.length);
    const bad = (message: string) =>
      invalid.push({ kind: 'invalid', version, message: `${path.join(dir, name)}: ${message}` });
    if (E.isLeft(parseVersion(version))) {
      bad('the file name is not a version');
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path.join(dir, name), 'utf8'));
    } catch (cause) {
      bad(`not JSON (${String(cause)})`);
      continue;
    }
    const s = parsed as Partial<Snapshot> | null;
    if (typeof s !== 'object' || s === null || typeof s.schema !== 'object' || s.schema === null) {
      bad('expected { version, hash, schema }');
    } else if (s.version !== version) {
      bad(`holds version ${JSON.stringify(s.version)}, not ${version}`);
    } else if (s.hash !== snapshotHash(s.schema)) {
      bad(
        'its hash does not match its schema (edited by hand? run `migraph snapshot` on the code of that release)',
      );
    } else {
      snapshots.set(version, { version, hash: s.hash, schema: s.schema });
    }
  }
  return E.right({ snapshots, invalid });
};

/** Options of {@link checkSnapshots}. */
export interface CheckSnapshotsOptions extends SnapshotDirOptions, CompareSnapshotsOptions {}

/**
 * The drift check over a snapshot directory: the invalid files, then every issue of
 * `compareSnapshots` (drift with its field-level diff, versions without a snapshot, snapshots
 * whose version left the graph and is not retired). No issue: the codecs match what was
 * released.
 *
 * @example
 * const issues = await checkSnapshots(m, { dir: 'schemas', retired: ['0.9.0'] })
 * @since 0.1.0
 */
export const checkSnapshots = async (
  m: SnapshotSource,
  options: CheckSnapshotsOptions = {},
): Promise<E.Either<Error, readonly SnapshotIssue[]>> => {
  checkOptions('checkSnapshots()', options, { dir: 'string', retired: 'strings' });
  const read = await readSnapshots(options.dir ?? 'schemas');
  if (E.isLeft(read)) return read;
  return E.right([
    ...read.right.invalid,
    ...compareSnapshots(m, read.right.snapshots, { retired: options.retired }),
  ]);
};
