/**
 * `npm run bench`: speed and memory figures, each a ratio of two things measured side by
 * side in this one run (absolute times on shared machines are noise).
 */
import { Graph } from '@dagrejs/graphlib';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { batchFigures, type Row } from './batch.js';
import { indexedDbFigures } from './indexeddb.js';
import { createMigrate, type MigrationManifest } from 'redux-persist';
import {
  AgentStateV1_0,
  AgentStateV1_1,
  copyState,
  Migrator,
  type AnyState,
} from '../lib/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = JSON.parse(
  readFileSync(`${root}examples/states/conversation.json`, 'utf8'),
) as AnyState;

const rows: Row[] = [];
const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;

/** Mean time per call (ns) of each named task, all measured in one tinybench run. */
const measure = async (
  tasks: Record<string, () => unknown>,
  time = 400,
  iterations = 64,
): Promise<Record<string, number>> => {
  const bench = new Bench({
    time,
    iterations,
    warmupTime: 100,
    warmupIterations: Math.min(iterations, 16),
  });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  return Object.fromEntries(
    bench.tasks.map((t) => [
      t.name,
      (t.result as { latency: { mean: number } }).latency.mean * 1e6,
    ]),
  );
};

// --- executor -------------------------------------------------------------------------------

const STEPS = 10;
const steps = Array.from({ length: STEPS }, (_, i) => (s: AnyState) => ({
  ...s,
  [`field_${i}`]: i,
}));
const chainMigrator = (validate: 'each-step' | 'final' | 'off', trace = true, pure = false) => {
  const m = new Migrator({ validate, trace });
  steps.forEach((step, i) => m.register(`1.0.${i}`, `1.0.${i + 1}`, step, { pure }));
  m.schema('*', AgentStateV1_0);
  return m;
};
const start: AnyState = { ...fixture, state_version: '1.0.0' };
const handWritten = () => steps.reduce<AnyState>((s, step) => step(s), start);
/** redux-persist's own runner over the same ten steps: it copies nothing and checks nothing. */
const reduxPersist = createMigrate(
  Object.fromEntries(steps.map((step, i) => [i + 1, step])) as unknown as MigrationManifest,
);
const persisted = { ...start, _persist: { version: 0, rehydrated: false } };

const executorFigures = async (label: string) => {
  const off = chainMigrator('off');
  const offNoTrace = chainMigrator('off', false);
  const final = chainMigrator('final');
  const each = chainMigrator('each-step');
  const offPure = chainMigrator('off', true, true);
  const eachPure = chainMigrator('each-step', true, true);
  const t = await measure({
    hand: handWritten,
    reduxPersist: () => reduxPersist(persisted, STEPS),
    off: () => off.migrate(start, '1.0.10'),
    offPure: () => offPure.migrate(start, '1.0.10'),
    eachPure: () => eachPure.migrate(start, '1.0.10'),
    offNoTrace: () => offNoTrace.migrate(start, '1.0.10'),
    final: () => final.migrate(start, '1.0.10'),
    each: () => each.migrate(start, '1.0.10'),
    copy: () => copyState(start),
    structuredClone: () => structuredClone(start),
  });
  const r = (a: string, b: string) => (t[a]! / t[b]!).toFixed(2) + '×';
  rows.push(
    {
      figure: `executor overhead, validate 'off' (${label})`,
      ratio: r('off', 'hand'),
      detail: `${us(t.off!)} vs hand-written ${STEPS}-step chain ${us(t.hand!)}: the default, one copy of the input (target ≤ 1.5×)`,
    },
    {
      figure: `executor overhead, validate 'off', pure steps (${label})`,
      ratio: r('offPure', 'hand'),
      detail: `${us(t.offPure!)}: steps declared pure skip the copy (target ≤ 1.1×; redux-persist's createMigrate below)`,
    },
    {
      figure: `  same, trace off (${label})`,
      ratio: r('offNoTrace', 'hand'),
      detail: us(t.offNoTrace!),
    },
    {
      figure: `  redux-persist createMigrate, same steps (${label})`,
      ratio: r('reduxPersist', 'hand'),
      detail: `${us(t.reduxPersist!)}: no copy, no validation, a promise per call`,
    },
    {
      figure: `  purity: the one copy per call (${label})`,
      ratio: r('copy', 'hand'),
      detail: `copyState ${us(t.copy!)}; structuredClone would be ${r('structuredClone', 'hand')} (${us(t.structuredClone!)})`,
    },
    {
      figure: `validation 'final' vs 'off' (${label})`,
      ratio: r('final', 'off'),
      detail: us(t.final!),
    },
    {
      figure: `validation 'each-step' vs 'off' (${label})`,
      ratio: r('each', 'off'),
      detail: `${us(t.each!)} (target ≤ 2×); pure steps: ${r('eachPure', 'offPure')}`,
    },
  );
};

// --- the AgentState migration: with and without the copy ----------------------------------

const purityFigures = async () => {
  const m = new Migrator({ validate: 'off', currentVersion: '1.1.0' })
    .schema('1.0.0', AgentStateV1_0)
    .schema('1.1.0', AgentStateV1_1);
  const { default: migration } = await import('../migrations/v1_0_0_to_v1_1_0.js');
  m.register(migration);
  const ctx = { from: '1.0.0', to: '1.1.0', direction: 'up' as const, now: () => new Date() };
  const fixtures = [
    'minimal',
    'team-with-permissions',
    'team-without-permissions',
    'conversation',
  ].map((f) => JSON.parse(readFileSync(`${root}examples/states/${f}.json`, 'utf8')) as AnyState);
  const t = await measure({
    bare: () =>
      fixtures.map((s) => ({
        ...(migration.up(s as never, ctx) as AnyState),
        state_version: '1.1.0',
      })),
    migrate: () => fixtures.map((s) => m.migrate(s)),
    copies: () => fixtures.map((s) => copyState(s)),
  });
  rows.push({
    figure: 'AgentState 1.0.0→1.1.0, migrate vs bare up() (4 fixtures)',
    ratio: (t.migrate! / t.bare!).toFixed(2) + '×',
    detail: `${us(t.migrate!)} vs ${us(t.bare!)}; of which the purity copy ${us(t.copies!)} (${((100 * t.copies!) / t.migrate!).toFixed(0)}%)`,
  });
};

// --- planner --------------------------------------------------------------------------------

const V = 10_000;
const randomEdges = () => {
  let seed = 42;
  // mulberry32: a small deterministic PRNG, so every run benchmarks the same graph.
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const edges: [string, string][] = [];
  const v = (i: number) => `${Math.floor(i / 100)}.${i % 100}.0`;
  for (let i = 0; i + 1 < V; i++) edges.push([v(i), v(i + 1)]);
  const unique = new Map(edges.map((e) => [`${e[0]}>${e[1]}`, e]));
  while (unique.size < 3 * V) {
    const a = Math.floor(rand() * V);
    const b = Math.min(V - 1, a + 1 + Math.floor(rand() * 50));
    const e: [string, string] = rand() < 0.5 ? [v(a), v(b)] : [v(b), v(a)];
    if (a !== b) unique.set(`${e[0]}>${e[1]}`, e);
  }
  return { edges: [...unique.values()], v };
};

const plannerFigures = async () => {
  const { edges, v } = randomEdges();
  const identity = (s: AnyState) => s;
  const build = () => edges.reduce((m, [a, b]) => m.register(a, b, identity), new Migrator());
  const rawGraphlib = () => {
    const g = new Graph({ directed: true });
    for (const [a, b] of edges) g.setEdge(a, b, identity);
    return g;
  };
  // Plain adjacency arrays and an early-exit BFS: the reference a cold plan is held to.
  const ids = new Map<string, number>();
  for (const [a, b] of edges) for (const x of [a, b]) if (!ids.has(x)) ids.set(x, ids.size);
  const adj: number[][] = Array.from({ length: ids.size }, () => []);
  for (const [a, b] of edges) adj[ids.get(a)!]!.push(ids.get(b)!);
  const bfs = (s: number, goal: number) => {
    const prev = new Int32Array(ids.size).fill(-1);
    prev[s] = s;
    const queue = [s];
    for (let h = 0; h < queue.length; h++) {
      const u = queue[h]!;
      if (u === goal) break;
      for (const w of adj[u]!) {
        if (prev[w] === -1) {
          prev[w] = u;
          queue.push(w);
        }
      }
    }
    const path = [];
    for (let at = goal; at !== s; at = prev[at]!) path.push(at);
    return path;
  };
  const built = build();
  let k = 0;
  const compileStart = performance.now();
  built.versions();
  const compileMs = performance.now() - compileStart;
  const pairs = Array.from(
    { length: 64 },
    (_, i) => [v((i * 7919) % V), v((i * 104729 + 5000) % V)] as const,
  );
  const builds = await measure({ build, rawGraphlib }, 0, 6);
  const t = await measure(
    {
      // A new target each time: one full backwards search per plan (the route cache holds 64).
      cold: () => built.plan(v((k * 7919) % V), v(k++ % V)),
      bfs: () => {
        const [a, b] = pairs[k++ % pairs.length]!;
        bfs(ids.get(a)!, ids.get(b)!);
      },
      cached: () => built.plan(pairs[0]![0], pairs[0]![1]),
    },
    800,
  );
  const coldPlan = t.cold!;
  rows.push(
    {
      figure: `planner build, ${V} versions / ${edges.length} edges`,
      ratio: (builds.build! / builds.rawGraphlib!).toFixed(2) + '×',
      detail: `${(builds.build! / 1e6).toFixed(1)} ms vs raw graphlib setEdge ${(builds.rawGraphlib! / 1e6).toFixed(1)} ms (target ≤ 2×)`,
    },
    {
      figure: 'planner cold plan vs early-exit BFS on arrays',
      ratio: (coldPlan / t.bfs!).toFixed(2) + '×',
      detail: `${(coldPlan / 1e6).toFixed(3)} ms vs ${(t.bfs! / 1e6).toFixed(3)} ms (one-off compile after the last registration: ${compileMs.toFixed(1)} ms)`,
    },
    {
      figure: 'planner cold vs cached plan',
      ratio: (coldPlan / t.cached!).toFixed(0) + '×',
      detail: `cached ${us(t.cached!)} (target ≥ 100×)`,
    },
  );
  return built;
};

// --- run ------------------------------------------------------------------------------------

await executorFigures('fresh process');
const fresh = rows.find((r) => r.figure.startsWith("executor overhead, validate 'off' ("));
await purityFigures();
const keep = await plannerFigures();
await executorFigures('after the 10k graph');
const after = rows.filter((r) => r.figure.startsWith("executor overhead, validate 'off' (")).at(-1);
if (fresh !== undefined && after !== undefined) {
  rows.push({
    figure: 'executor after the 10k graph vs fresh process',
    ratio: `${(Number.parseFloat(after.ratio) / Number.parseFloat(fresh.ratio)).toFixed(2)}×`,
    detail: 'ratio of the two off/hand figures above (target ≤ 1.1×)',
  });
}
await batchFigures(rows);
await indexedDbFigures(rows);
console.log(`(kept ${keep.versions().length} versions alive through the last measurements)`);

const width = Math.max(...rows.map((r) => r.figure.length));
console.log(
  `migraph bench — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, ${os.platform()}`,
);
console.log(`${'figure'.padEnd(width)}  ${'ratio'.padStart(8)}  detail`);
for (const r of rows) console.log(`${r.figure.padEnd(width)}  ${r.ratio.padStart(8)}  ${r.detail}`);
