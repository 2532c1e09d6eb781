/**
 * `migraph new <from> <to>`: writes `v{from}_to_v{to}.ts` into the migrations directory from
 * the package's migration template, and never overwrites an existing file.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileNameOfEdge } from '../core/index.js';
import { usage } from './errors.js';
import { packageRoot } from './package.js';

/** Where a scaffolded script imports `defineMigration` from: the source inside migraph itself, else `migraph/define` (no side effects). */
const importFor = (dir: string, root: string): string => {
  const own = path.join(root, 'lib', 'core', 'definition.ts');
  const inside = path.relative(root, dir);
  if (existsSync(own) && !inside.startsWith('..') && !path.isAbsolute(inside)) {
    const rel = path
      .relative(dir, path.join(root, 'lib', 'core', 'definition.js'))
      .split(path.sep)
      .join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  }
  return 'migraph/define';
};

/**
 * Renders the template for `from → to` (versions already normalised) as a file in `dir`.
 * Returns the path written.
 */
export const scaffoldMigration = async (dir: string, from: string, to: string): Promise<string> => {
  if (from === to) throw usage(`A migration needs two different versions, got ${from} twice`);
  const file = path.join(dir, `${fileNameOfEdge(from, to)}.ts`);
  if (existsSync(file)) throw usage(`${file} already exists; not overwriting it`);
  const root = packageRoot();
  const template = readFileSync(path.join(root, 'migrations', 'migration_template.ts'), 'utf8');
  const text = template
    .replace(
      /^\/\*\*\n \* Template for a new AgentState migration\.[^\n]*\n/,
      `/**\n * Migration ${from} -> ${to}. Before committing it:\n`,
    )
    .replaceAll('__FROM__', from)
    .replaceAll('__TO__', to)
    .replace(`from 'migraph/define'`, `from '${importFor(dir, root)}'`);
  try {
    await writeFile(file, text, { flag: 'wx' });
  } catch (cause) {
    throw usage(`Cannot write ${file}: ${(cause as Error).message}`, cause);
  }
  return file;
};
