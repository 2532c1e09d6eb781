/**
 * `migraph graph`: the version graph as DOT, Mermaid or SVG, optionally with a plan drawn in
 * bold (`--highlight from:to`), on stdout or written atomically to a file.
 *
 * @since 0.1.0
 */
import { Option } from 'commander';
import * as E from '#fp/Either.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Plan } from '../core/index.js';
import { renderSvg, writeFileAtomic } from '../node/index.js';
import { versionArg, type CliCommand, type CommandContext } from './command.js';
import { failure, usage } from './errors.js';

/** Options of `migraph graph`, as commander gives them. */
interface GraphOptions {
  readonly format: 'dot' | 'mermaid' | 'svg';
  readonly highlight?: string;
  readonly title?: string;
  readonly output?: string;
}

/** Writes `text` to stdout, or atomically to `file` (its folder created). */
const writeOutput = async (ctx: CommandContext, file: string | undefined, text: string) => {
  if (file === undefined) {
    ctx.out(text);
    return;
  }
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, text);
};

/** `migraph graph [--format dot|mermaid|svg] [--highlight from:to] [--title t] [-o file]`. */
export const graph: CliCommand = {
  name: 'graph',
  describe: (command) =>
    command
      .description('draw the version graph')
      .addOption(
        new Option('-f, --format <format>', 'output format')
          .choices(['dot', 'mermaid', 'svg'])
          .default('dot'),
      )
      .option('--highlight <from:to>', 'draw the plan between two versions in bold')
      .option('--title <title>', 'a title above the graph')
      .option('-o, --output <file>', 'write to a file (atomically) instead of stdout'),
  run: async (ctx, options: GraphOptions) => {
    const { migrator } = await ctx.open();
    let highlight: Plan | undefined;
    if (options.highlight !== undefined) {
      const parts = options.highlight.split(':');
      if (parts.length !== 2) {
        throw usage(`--highlight: expected <from>:<to>, got ${options.highlight}`);
      }
      const plan = migrator.plan(
        versionArg(parts[0]!, '--highlight'),
        versionArg(parts[1]!, '--highlight'),
      );
      if (E.isLeft(plan)) throw failure(`--highlight: ${plan.left.message}`, plan.left);
      highlight = plan.right;
    }
    const diagram = {
      ...(highlight ? { highlight } : {}),
      ...(options.title ? { title: options.title } : {}),
    };
    let text: string;
    if (options.format === 'mermaid') text = migrator.toMermaid(diagram);
    else if (options.format === 'dot') text = migrator.toDot(diagram);
    else {
      const svg = await renderSvg(migrator.toDot(diagram));
      if (E.isLeft(svg)) throw failure(svg.left.message, svg.left);
      text = svg.right;
    }
    await writeOutput(ctx, options.output, text);
  },
};
