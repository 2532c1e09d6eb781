#!/usr/bin/env node
/**
 * The `migraph` executable (see `lib/cli/main.ts`). Whatever user code does (a step whose
 * promise rejects late, a timer that throws, a script that keeps the event loop busy), the
 * process ends with one `migraph:` line and exit code 1, never a raw stack trace or a hang.
 *
 * @since 0.1.0
 */
import { describeCause } from '../core/index.js';
import { main } from './main.js';
import { hideSecrets, secretsOf } from './secrets.js';
import { escapeControl } from './terminal.js';

/**
 * Exits once what was written to stdout and stderr is flushed, and after a turn of the event
 * loop, so that a rejection nobody handled is reported (and fails the run) first.
 */
let exitCode = 0;
let exiting = false;
const exit = (code: number): void => {
  exitCode = Math.max(exitCode, code);
  if (exiting) return;
  exiting = true;
  setImmediate(() => {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)));
  });
};

/** Passwords of URLs among the arguments (`--store postgres://…`): never printed. */
const secrets = secretsOf(process.argv.slice(2));

const crash = (error: unknown): void => {
  const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
  const line = escapeControl(describeCause(error).split('\n')[0] ?? '');
  process.stderr.write(hideSecrets(`migraph: ${line}\n`, secrets));
  if (verbose && error instanceof Error)
    process.stderr.write(hideSecrets(`${error.stack}\n`, secrets));
  exit(1);
};

process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

let finished = false;
// Nothing left to run, yet the command has not finished: something awaits a promise that
// never settles (a step or a script's top-level await).
process.on('beforeExit', () => {
  if (!finished)
    crash(new Error('stopped: a migration or script awaits a promise that never settles'));
});

// Not awaited at the top level: a module that never settles must not hold this one.
main(process.argv.slice(2)).then((code) => {
  finished = true;
  exit(code);
}, crash);
