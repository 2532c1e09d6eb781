/**
 * The global options of the command line (`--dir`, `--schemas`, `--load-timeout`,
 * `--verbose`), and the one place they become the {@link ProjectOptions} every command loads
 * its project with: in this process, in `--threads` workers and in `--workers` processes alike.
 *
 * @since 0.2.0
 */
import type { ProjectOptions } from '../node/project.js';

/** The global options, as commander gives them. */
export interface GlobalOptions {
  readonly dir: string;
  readonly schemas?: string;
  readonly verbose?: boolean;
  /** In seconds. */
  readonly loadTimeout?: number;
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
});
