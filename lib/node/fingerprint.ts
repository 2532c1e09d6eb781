/**
 * A fingerprint of the migrations a run uses, so that an interrupted file migration is resumed
 * only by a run with the very same migrations: the edges as registered (versions, costs and
 * each step's source text), the schema codecs by version, the migrator's settings and, for a
 * project on disk, the bytes of every migration script and of the schemas module.
 *
 * @since 0.1.0
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Migrator } from '../core/migrator.js';
import { MIGRATION_FILE } from '../core/naming.js';
import type { ProjectOptions } from './project.js';

const SCHEMAS_NAMES = ['schemas.js', 'schemas.mjs', 'schemas.ts'];

const sourceOf = (fn: unknown): string => {
  try {
    return typeof fn === 'function' ? Function.prototype.toString.call(fn) : String(fn);
  } catch {
    return '?';
  }
};

const filesOf = (project: ProjectOptions): string[] => {
  const dir = path.resolve(project.dir);
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => MIGRATION_FILE.test(n)) : [];
  const schemas =
    project.schemas !== undefined
      ? [path.resolve(project.schemas)]
      : SCHEMAS_NAMES.map((n) => path.join(dir, n));
  return [...names.sort().map((n) => path.join(dir, n)), ...schemas].filter(
    (f) => existsSync(f) && statSync(f).isFile(),
  );
};

/**
 * A hex SHA-256 of what a migration run depends on. Two runs with the same fingerprint migrate
 * every state the same way (as far as the registered code and files can tell: a helper module
 * a script imports from elsewhere is not part of it).
 *
 * @example
 * migrationFingerprint(m, { dir: './migrations' }) // 'c0ffee…'
 */
export const migrationFingerprint = (m: Migrator, project?: ProjectOptions): string => {
  const hash = createHash('sha256');
  const { versionKey, versionFormat, missingVersion, currentVersion, validate, onNewerVersion } =
    m.options;
  hash.update(
    JSON.stringify({
      versionKey,
      versionFormat,
      missingVersion,
      currentVersion,
      validate,
      onNewerVersion,
    }),
  );
  for (const e of m.edges()) {
    hash.update(JSON.stringify([e.from, e.to, e.origin, e.cost, e.lossy, sourceOf(e.fn)]));
  }
  for (const version of m.versions()) {
    hash.update(JSON.stringify([version, m.codecFor(version)?.name ?? null]));
  }
  if (project !== undefined) {
    for (const file of filesOf(project)) {
      hash.update(path.basename(file));
      hash.update(readFileSync(file));
    }
  }
  return hash.digest('hex');
};
