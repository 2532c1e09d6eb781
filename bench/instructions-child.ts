/**
 * Run under `valgrind --tool=callgrind` by `npm run bench:instructions`: warms one side of a
 * bench figure up (so the optimising compiler has run), then repeats it `count` times. Two
 * runs, with `count` and with 0, give instruction counts that, unlike times, repeat from run
 * to run; their difference is the cost of `count` warm calls.
 * Usage: node dist/bench/instructions-child.js <side> <count>
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentStateV1_0, Migrator, type AnyState } from '../lib/index.js';

const [side = 'hand', countText = '0'] = process.argv.slice(2);
const count = Number(countText);
/** Calls before the counted ones: enough for the optimising compiler to have run. */
const WARM_UP = 3_000;
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = JSON.parse(
  readFileSync(`${root}examples/states/conversation.json`, 'utf8'),
) as AnyState;
const start: AnyState = { ...fixture, state_version: '1.0.0' };
const steps = Array.from({ length: 10 }, (_, i) => (s: AnyState) => ({ ...s, [`field_${i}`]: i }));
const chain = (validate: 'each-step' | 'off', pure: boolean) => {
  const m = new Migrator({ validate });
  steps.forEach((step, i) => m.register(`1.0.${i}`, `1.0.${i + 1}`, step, { pure }));
  return m.schema('*', AgentStateV1_0);
};

const sides: Record<string, () => () => unknown> = {
  hand: () => () => steps.reduce<AnyState>((s, step) => step(s), start),
  off: () => {
    const m = chain('off', false);
    return () => m.migrate(start, '1.0.10');
  },
  pure: () => {
    const m = chain('off', true);
    return () => m.migrate(start, '1.0.10');
  },
  each: () => {
    const m = chain('each-step', false);
    return () => m.migrate(start, '1.0.10');
  },
};
const make = sides[side];
if (make === undefined) throw new Error(`unknown side ${side}`);
const run = make();
for (let i = 0; i < WARM_UP; i++) run();
// A full collection after the warm-up, in both runs: one that fell inside the counted calls
// (its turn comes from what was allocated before) would be counted as theirs.
(globalThis as { gc?: () => void }).gc?.();
for (let i = 0; i < count; i++) run();
