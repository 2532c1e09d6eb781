/**
 * The `migraph` command line: `plan`, `graph`, `migrate`, `census`, `check`, `snapshot`, `test`,
 * `docs` and `new` over a migrations directory, each declared in a module of its own (see
 * `command.ts`) and registered from one list. Exit codes: 0 ok, 1 a migration, validation or
 * check failed, 2 bad usage. Problems go to stderr, one line each; stack traces only with
 * `--verbose`.
 *
 * @since 0.1.0
 */
import { Command, CommanderError } from 'commander';
import { describeCause, type ValidationMode } from '../core/index.js';
import { census } from './census.js';
import { check } from './check.js';
import { commandContext, registerCommand, type CliCommand } from './command.js';
import { docs } from './docs.js';
import { CliError, EXIT, usage } from './errors.js';
import { graph } from './graph.js';
import { migrate } from './migrate.js';
import { newMigration } from './new.js';
import type { GlobalOptions } from './options.js';
import { packageVersion } from './package.js';
import { plan } from './plan.js';
import { hideSecrets, secretsOf } from './secrets.js';
import { snapshot } from './snapshot.js';
import { escapeControl } from './terminal.js';
import { test } from './test.js';

/** The values of `--validate`. */
const VALIDATION_MODES: readonly ValidationMode[] = ['each-step', 'final', 'off'];

/** The commands, in the order `--help` lists them. */
const COMMANDS: readonly CliCommand[] = [
  plan,
  graph,
  migrate,
  census,
  check,
  snapshot,
  test,
  docs,
  newMigration,
];

const out = (text: string) => process.stdout.write(text);
/** The passwords of URLs among the arguments of the running command: never printed. */
let secrets: readonly string[] = [];
const err = (text: string) => process.stderr.write(hideSecrets(text, secrets));

const program = (): Command => {
  const cli = new Command('migraph')
    .description('Plan and run migrations of versioned JSON states through a version graph.')
    .version(packageVersion())
    .option('-d, --dir <dir>', 'migrations directory', './migrations')
    .option('--schemas <module>', 'module exporting codecs (default: <dir>/schemas.{js,mjs,ts})')
    .option('-v, --verbose', 'print stack traces with errors')
    .option(
      '--load-timeout <seconds>',
      'how long a migration script or schemas module may take to load (default 30)',
      (v: string) => {
        const seconds = Number(v);
        if (!(seconds > 0 && Number.isFinite(seconds))) {
          throw usage(`--load-timeout: expected a positive number of seconds, got ${v}`);
        }
        return seconds;
      },
    )
    .option(
      '--validate <mode>',
      "when states are checked against their version's codec: each-step (default), final, off",
      (v: string) => {
        if (!VALIDATION_MODES.includes(v as ValidationMode)) {
          throw usage(`--validate: expected one of ${VALIDATION_MODES.join(', ')}, got ${v}`);
        }
        return v as ValidationMode;
      },
    )
    .showHelpAfterError('(run migraph --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });
  const context = commandContext(() => cli.opts<GlobalOptions>(), out, err);
  for (const command of COMMANDS) registerCommand(cli, command, context);
  return cli;
};

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code.
 *
 * @example
 * process.exitCode = await main(['plan', '1.0.0', '1.1.0'])
 * @since 0.1.0
 */
export const main = async (argv: readonly string[]): Promise<number> => {
  secrets = secretsOf(argv);
  const cli = program();
  try {
    await cli.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return EXIT.ok;
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const verbose = cli.opts<GlobalOptions>().verbose === true;
    if (error instanceof CliError) {
      if (error.message !== '') {
        for (const line of error.message.split('\n')) err(`migraph: ${escapeControl(line)}\n`);
      }
      if (verbose) err(`${String((error.cause as Error | undefined)?.stack ?? error.stack)}\n`);
      return error.exitCode;
    }
    const message = describeCause(error);
    err(`migraph: ${escapeControl(message.split('\n')[0] ?? '')}\n`);
    if (verbose && error instanceof Error) err(`${error.stack}\n`);
    else err('migraph: (run again with --verbose for details)\n');
    return EXIT.failure;
  }
};
