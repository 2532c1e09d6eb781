/**
 * `migraph plan <from> <to>`: the planned steps, their cost, and why this path (the other
 * paths of equal length, when there is a tie).
 *
 * @since 0.1.0
 */
import type { Plan } from '../core/planner.js';

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
