/**
 * The global options of the command line (`--dir`, `--schemas`, `--load-timeout`,
 * `--verbose`), and the one place they become the {@link ProjectOptions} every command loads
 * its project with: in this process, in `--threads` workers and in `--workers` processes alike.
 *
 * @since 0.1.0
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ValidationMode } from '../core/index.js';
import { defaultMigrationsDir, type ProjectOptions } from '../node/index.js';
import { usage } from './errors.js';

/** The global options, as commander gives them. */
export interface GlobalOptions {
  readonly dir: string;
  readonly schemas?: string;
  readonly verbose?: boolean;
  /** In seconds. */
  readonly loadTimeout?: number;
  readonly validate?: ValidationMode;
}

/**
 * The project options of the global options (`--load-timeout` is in seconds).
 *
 * @example
 * projectOptions({ dir: './migrations', loadTimeout: 5 }) // { dir: './migrations', loadTimeoutMs: 5000 }
 */
export const projectOptions = (options: GlobalOptions): ProjectOptions => ({
  dir: options.dir,
  ...(options.schemas === undefined ? {} : { schemas: options.schemas }),
  ...(options.loadTimeout === undefined ? {} : { loadTimeoutMs: options.loadTimeout * 1000 }),
  ...(options.validate === undefined ? {} : { validate: options.validate }),
});

/** A path as the user would type it from the current directory. */
const shown = (file: string): string => {
  const relative = path.relative(process.cwd(), file);
  return relative === '' ? '.' : relative.startsWith('..') ? file : `./${relative}`;
};

/**
 * Throws a usage error when the project's migrations directory does not exist, saying where
 * it looked, how to point elsewhere (`--dir`), how to scaffold one, and where the AgentState
 * migrations shipped with migraph are.
 *
 * @example
 * requireMigrationsDir({ dir: './migrations' }) // throws in a project without one
 */
export const requireMigrationsDir = (project: ProjectOptions): void => {
  const dir = path.resolve(project.dir);
  if (existsSync(dir) && statSync(dir).isDirectory()) return;
  const shipped = defaultMigrationsDir().replace(/[\\/]$/, '');
  throw usage(
    [
      `No migrations directory at ${dir} (--dir, default ./migrations)`,
      `pass --dir <directory> to use another one, or scaffold a first migration there with: npx migraph new 1.0.0 1.1.0`,
      `(the AgentState migrations shipped with migraph are in ${shown(shipped)}: --dir ${shown(shipped)})`,
    ].join('\n'),
  );
};
