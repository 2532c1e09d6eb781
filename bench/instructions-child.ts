/**
 * Run under `valgrind --tool=callgrind` by `npm run bench:instructions`: repeats one side of a
 * bench figure `count` times, so that two runs (and a run with count 0, the start-up) give
 * instruction counts that, unlike times, repeat from run to run.
 * Usage: node dist/bench/instructions-child.js <side> <count>
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentStateV1_0, Migrator, type AnyState } from '../lib/index.js';

const [side = 'hand', countText = '0'] = process.argv.slice(2);
const count = Number(countText);
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
for (let i = 0; i < count; i++) run();
