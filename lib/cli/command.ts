/**
 * How a `migraph` command is declared: one module per command exports a {@link CliCommand} —
 * its name, `describe` (description, arguments and options, added to a commander command) and
 * `run` — and `main.ts` registers the list in one loop. `run` gets a {@link CommandContext}:
 * the global options, the project options built in one place, the project loader and the
 * output streams.
 *
 * @since 0.1.0
 */
import type { Command } from 'commander';
import * as E from '#fp/Either.js';
import { parseVersion, type Version } from '../core/index.js';
import { loadProblems, loadProject, type Project, type ProjectOptions } from '../node/index.js';
import { failure, usage } from './errors.js';
import { projectOptions, requireMigrationsDir, type GlobalOptions } from './options.js';
import { escapeControl } from './terminal.js';

/** What a command's `run` works with. */
export interface CommandContext {
  /** The global options (`--dir`, `--schemas`, `--load-timeout`, `--verbose`). */
  readonly globals: () => GlobalOptions;
  /** The project options every command loads its project with, built in one place. */
  readonly project: () => ProjectOptions;
  /**
   * Loads the project; a file that failed to load fails the command (a usage error for a
   * missing directory), unless `strict` is false (`check` reports them itself).
   */
  readonly open: (strict?: boolean) => Promise<Project>;
  /** Writes to stdout. */
  readonly out: (text: string) => void;
  /** Writes to stderr (passwords of URLs among the arguments hidden). */
  readonly err: (text: string) => void;
}

/**
 * A command of the CLI. `run` gets the options commander parsed and the arguments (a variadic
 * one as an array), and throws a {@link CliError} to fail with its exit code.
 *
 * @example
 * export const hello: CliCommand = {
 *   name: 'hello',
 *   describe: (command) => command.description('say hello').argument('<name>', 'who'),
 *   run: async (ctx, _options: object, [name]: [string]) => ctx.out(`hello ${name}\n`),
 * }
 */
export interface CliCommand {
  readonly name: string;
  /** Adds the description, arguments and options to the command. */
  readonly describe: (command: Command) => Command;
  // `never` parameters: a command declares the options and arguments it reads.
  readonly run: (context: CommandContext, options: never, args: never) => Promise<void>;
}

/** Adds `declaration` to `cli`, running it with `context`. */
export const registerCommand = (
  cli: Command,
  declaration: CliCommand,
  context: CommandContext,
): void => {
  declaration.describe(cli.command(declaration.name)).action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    await declaration.run(context, command.opts() as never, command.processedArgs as never);
  });
};

/**
 * The context of a run of the CLI: `globals` reads the parsed global options; `open` loads
 * the project they name, printing its warnings to `err`.
 */
export const commandContext = (
  globals: () => GlobalOptions,
  out: (text: string) => void,
  err: (text: string) => void,
): CommandContext => {
  const project = () => projectOptions(globals());
  return {
    globals,
    project,
    out,
    err,
    open: async (strict = true) => {
      const options = project();
      requireMigrationsDir(options);
      const loaded = await loadProject(options);
      if (E.isLeft(loaded)) throw usage(loaded.left.message, loaded.left.cause);
      for (const warning of loaded.right.warnings) {
        err(`migraph: warning: ${escapeControl(warning)}\n`);
      }
      const problems = loadProblems(loaded.right.report);
      if (strict && problems.length > 0) {
        throw failure(problems.map((p) => `cannot load ${p}`).join('\n'));
      }
      return loaded.right;
    },
  };
};

/** A version argument, or a usage error naming the argument. */
export const versionArg = (value: string, name: string): Version => {
  const parsed = parseVersion(value);
  if (E.isLeft(parsed)) throw usage(`${name}: ${parsed.left.message}`);
  return parsed.right;
};
