/**
 * Where the migraph package is installed, and its version (for `migraph --version` and for
 * finding the migration template).
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root of the migraph package this module belongs to (where its package.json is). */
export const packageRoot = (): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('migraph: cannot find the package root');
    dir = parent;
  }
  return dir;
};

/** The version in the package's package.json. */
export const packageVersion = (): string =>
  (
    JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
