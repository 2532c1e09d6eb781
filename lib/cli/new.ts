/**
 * `migraph new <from> <to>`: scaffolds a migration script into the migrations directory from
 * the package's template (see `scaffold.ts`).
 *
 * @since 0.1.0
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { versionArg, type CliCommand } from './command.js';
import { usage } from './errors.js';
import { scaffoldMigration } from './scaffold.js';

/** `migraph new <from> <to>`. */
export const newMigration: CliCommand = {
  name: 'new',
  describe: (command) =>
    command
      .description('scaffold a migration script from the template')
      .argument('<from>', 'version it migrates from')
      .argument('<to>', 'version it migrates to'),
  run: async (ctx, _options: object, [from, to]: [string, string]) => {
    const [a, b] = [versionArg(from, '<from>'), versionArg(to, '<to>')];
    const pre = [a, b].find((v) => v.includes('-'));
    if (pre !== undefined) {
      throw usage(
        `${pre} is a pre-release version: migration file names (v{M}_{m}_{p}_to_v{M}_{m}_{p}) cannot name it, so the loader would never load the script`,
      );
    }
    const dir = path.resolve(ctx.globals().dir);
    await mkdir(dir, { recursive: true });
    const file = await scaffoldMigration(dir, a, b);
    ctx.out(`Created ${path.relative(process.cwd(), file) || file}\n`);
  },
};
