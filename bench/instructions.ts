/**
 * `npm run bench:instructions`: instruction counts (valgrind's callgrind) of the executor
 * figures whose time ratios sit within the machine's noise. Each side runs in its own process,
 * warmed up, then `count` more times; the count of a run with only the warm-up (start-up,
 * loading, compiling) is taken off, and the rest divided by `count`; each count is the median
 * of three runs, since a collection that happens to fall in one run moves it by tens of
 * thousands of instructions per call. Needs `valgrind` on the PATH.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./instructions-child.js', import.meta.url));
const COUNT = 2_000;

/** Instructions callgrind counted for one process (`Collected : N` on its stderr). */
const instructions = (side: string, count: number): number => {
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      process.execPath,
      // One thread for the compiler and the collector, fixed seeds: the counts then repeat
      // (to within about 0.1% between identical runs; without these flags, up to 2x).
      '--single-threaded',
      '--predictable',
      '--hash-seed=1',
      '--random-seed=1',
      '--expose-gc',
      // The memory reducer collects on timers once a full collection has run: under valgrind,
      // where a call takes a millisecond or more, how many it ran would depend on the machine.
      '--no-memory-reducer',
      child,
      side,
      String(count),
    ],
    { encoding: 'utf8' },
  );
  const collected = /Collected\s*:\s*(\d+)/.exec(run.stderr ?? '');
  if (run.status !== 0 || collected === null) {
    throw new Error(`valgrind failed for ${side}: ${run.error?.message ?? run.stderr}`);
  }
  return Number(collected[1]);
};

/** Runs of each count per side: the median drops a run in which a one-off collection fell. */
const REPEATS = 3;

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const perCall = (side: string): number => {
  const counted = Array.from({ length: REPEATS }, () => instructions(side, COUNT));
  const base = Array.from({ length: REPEATS }, () => instructions(side, 0));
  return (median(counted) - median(base)) / COUNT;
};

const hand = perCall('hand');
const rows: [string, number, string][] = [
  ['hand-written 10-step chain', hand, ''],
  ["executor, validate 'off'", perCall('off'), 'hand'],
  ["executor, validate 'off', pure steps", perCall('pure'), 'hand'],
  ["executor, validate 'each-step'", perCall('each'), "executor, validate 'off'"],
];
const byName = new Map(rows.map(([name, count]) => [name, count]));
console.log(
  `instructions per call (valgrind --tool=callgrind, ${COUNT} warm calls, median of ${REPEATS} runs)`,
);
for (const [name, count, against] of rows) {
  const base = against === 'hand' ? hand : byName.get(against);
  const ratio =
    base === undefined
      ? ''
      : `  ${(count / base).toFixed(2)}× ${against === 'hand' ? 'the chain' : against}`;
  console.log(`${name.padEnd(40)} ${Math.round(count).toLocaleString('en').padStart(12)}${ratio}`);
}
