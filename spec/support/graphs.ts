// Named fixture graphs and the one plan assertion the planner specs share.
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { Migrator, type AnyState, type Plan, type PlanDirection } from '../../lib/index.js';

/** A step that adds one marker field, so a run shows which steps executed in which order. */
export const mark =
  (to: string) =>
  (s: AnyState): AnyState => ({ ...s, path: [...((s.path as string[] | undefined) ?? []), to] });

export type EdgeSpec = readonly [
  from: string,
  to: string,
  cost?: number,
  reversible?: boolean,
  lossy?: boolean,
];

/** A migrator with one marking step per edge. */
export const graphOf = (edges: readonly EdgeSpec[], options = {}): Migrator =>
  edges.reduce(
    (m, [from, to, cost, reversible, lossy]) =>
      m.register(from, to, mark(to), {
        ...(cost === undefined ? {} : { cost }),
        ...(reversible ? { down: mark(from) } : {}),
        ...(lossy ? { lossy } : {}),
      }),
    new Migrator({ trace: false, ...options }),
  );

export const fixtures = {
  empty: [] as EdgeSpec[],
  linear: [
    ['1.0.0', '1.1.0'],
    ['1.1.0', '1.2.0'],
    ['1.2.0', '2.0.0'],
  ] as EdgeSpec[],
  diamond: [
    ['1.0.0', '1.1.0'],
    ['1.0.0', '1.2.0'],
    ['1.1.0', '2.0.0'],
    ['1.2.0', '2.0.0'],
  ] as EdgeSpec[],
  disconnected: [
    ['1.0.0', '1.1.0'],
    ['3.0.0', '3.1.0'],
  ] as EdgeSpec[],
  withReverse: [
    ['1.0.0', '1.1.0', 1, true],
    ['1.1.0', '1.2.0', 1, true],
    ['1.2.0', '2.0.0', 1, true],
  ] as EdgeSpec[],
  weighted: [
    ['1.0.0', '2.0.0', 10],
    ['1.0.0', '1.1.0', 2],
    ['1.1.0', '1.2.0', 2],
    ['1.2.0', '2.0.0', 2],
  ] as EdgeSpec[],
};

/**
 * Checks that a plan chains registered edges from `from` to `to`, respects the direction,
 * and sums its cost; and, when given, that its cost and length are the expected optimum.
 */
export const assertPlan = (
  m: Migrator,
  plan: Plan,
  from: string,
  to: string,
  expected?: { cost: number; steps: number; direction?: PlanDirection },
): void => {
  expect(plan.from).to.equal(from);
  expect(plan.to).to.equal(to);
  const edges = new Map(m.edges().map((e) => [`${e.from}>${e.to}`, e]));
  let at = from;
  let cost = 0;
  for (const step of plan.steps) {
    expect(step.from).to.equal(at);
    const edge = edges.get(`${step.from}>${step.to}`);
    expect(edge, `edge ${step.from}->${step.to} is registered`).to.not.equal(undefined);
    expect(step.direction).to.equal(edge!.direction);
    if (expected?.direction === 'forward') expect(step.direction).to.equal('up');
    if (expected?.direction === 'reverse') expect(step.direction).to.equal('down');
    cost += edge!.cost;
    at = step.to;
  }
  expect(at).to.equal(to);
  expect(plan.cost).to.be.closeTo(cost, 1e-9);
  if (expected) {
    expect(plan.cost).to.be.closeTo(expected.cost, 1e-9);
    expect(plan.steps.length).to.equal(expected.steps);
  }
};

/** The `Right` of an Either, failing the test on a `Left`. */
export const right = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) throw new Error(`expected Right, got Left: ${String(result.left)}`);
  return result.right;
};

/** The `Left` of an Either, failing the test on a `Right`. */
export const left = <L>(result: E.Either<L, unknown>): L => {
  if (E.isRight(result))
    throw new Error(`expected Left, got Right: ${JSON.stringify(result.right)}`);
  return result.left;
};
