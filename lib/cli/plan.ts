/**
 * `migraph plan <from> <to>`: the planned steps, their cost, and why this path (the other
 * paths of equal length, when there is a tie).
 *
 * @since 0.1.0
 */
import { Option } from 'commander';
import * as E from '#fp/Either.js';
import type { Plan, PlanDirection } from '../core/index.js';
import { versionArg, type CliCommand } from './command.js';
import { failure } from './errors.js';

const route = (plan: Plan): string => [plan.from, ...plan.steps.map((s) => s.to)].join(' -> ');

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The text `migraph plan` prints for a picked plan and its equally short alternatives
 * (`plans[0]` is the picked plan; `limited` when the list was cut at its limit).
 */
export const formatPlan = (plans: readonly Plan[], limited: boolean): string => {
  const [plan, ...others] = plans;
  if (plan === undefined) return '';
  const lines = [
    `Plan ${plan.from} -> ${plan.to}: ${plural(plan.steps.length, 'step')}, cost ${plan.cost}`,
  ];
  const width = Math.max(0, ...plan.steps.map((s) => `${s.from} -> ${s.to}`.length));
  plan.steps.forEach((s, i) => {
    const edge = `${s.from} -> ${s.to}`.padEnd(width);
    lines.push(`  ${i + 1}. ${edge}  ${s.direction.padEnd(4)}  ${s.description ?? ''}`.trimEnd());
  });
  if (plan.steps.length === 0) {
    lines.push('Why: the state is already at the target version.');
  } else if (others.length === 0) {
    lines.push('Why: it is the only path this short.');
  } else {
    const count = limited ? `at least ${plans.length}` : `${plans.length}`;
    lines.push(
      `Why: ${count} paths are equally short (cost ${plan.cost}, ${plural(plan.steps.length, 'step')}); ties go to the lowest next version at each step. The others:`,
      ...others.map((other) => `  ${route(other)}`),
    );
  }
  return `${lines.join('\n')}\n`;
};

/** Most alternatives shown. */
const LIMIT = 10;

/** `migraph plan <from> <to> [--direction any|forward|reverse] [--json]`. */
export const plan: CliCommand = {
  name: 'plan',
  describe: (command) =>
    command
      .description('show the shortest path between two versions, and why it was chosen')
      .argument('<from>', 'version to start from')
      .argument('<to>', 'version to reach')
      .addOption(
        new Option('--direction <direction>', 'which edges may be used')
          .choices(['any', 'forward', 'reverse'])
          .default('any'),
      )
      .option('--json', 'print the plan and its alternatives as JSON'),
  run: async (
    ctx,
    options: { direction: PlanDirection; json?: boolean },
    [from, to]: [string, string],
  ) => {
    const [a, b] = [versionArg(from, '<from>'), versionArg(to, '<to>')];
    const { migrator } = await ctx.open();
    const plans = migrator.alternatives(a, b, { direction: options.direction, limit: LIMIT + 1 });
    if (E.isLeft(plans)) throw failure(plans.left.message, plans.left);
    const shown = plans.right.slice(0, LIMIT);
    ctx.out(
      options.json === true
        ? `${JSON.stringify({ plan: shown[0], alternatives: shown.slice(1) }, null, 2)}\n`
        : formatPlan(shown, plans.right.length > LIMIT),
    );
  },
};
