/**
 * `migraph snapshot`: writes each version's canonical JSON Schema to `<out>/<version>.json`,
 * to be committed like a lock file (`check --snapshots` then finds drift).
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import path from 'node:path';
import { writeSnapshots } from '../node/index.js';
import type { CliCommand } from './command.js';
import { failure } from './errors.js';

/** `migraph snapshot [-o dir]`. */
export const snapshot: CliCommand = {
  name: 'snapshot',
  describe: (command) =>
    command
      .description(
        "write each version's canonical JSON Schema to <out>/<version>.json (commit them like a lock file)",
      )
      .option('-o, --out <dir>', 'the snapshot directory', 'schemas'),
  run: async (ctx, options: { out: string }) => {
    const project = await ctx.open();
    const written = await writeSnapshots(project.migrator, { dir: options.out });
    if (E.isLeft(written)) throw failure(written.left.message);
    const { written: changed, unchanged } = written.right;
    for (const version of changed) ctx.out(`wrote ${path.join(options.out, `${version}.json`)}\n`);
    ctx.out(`${changed.length} snapshot(s) written, ${unchanged.length} unchanged\n`);
  },
};
