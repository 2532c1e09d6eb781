/**
 * Batch figures of `npm run bench`: `migrateMany` and NDJSON file throughput with 1 and 2
 * worker threads, and peak memory for inputs 10× apart (measured in fresh child processes).
 */
import * as E from 'fp-ts/lib/Either.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCheck } from '../lib/core/quick-check.js';
import {
  AgentStateV1_1,
  loadProject,
  migrateFile,
  MigrationPool,
  type AnyState,
} from '../lib/index.js';

/** A row of the bench table. */
export interface Row {
  readonly figure: string;
  readonly ratio: string;
  readonly detail: string;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The compiled AgentState migrations (no TypeScript loader needed). */
const agentStateDir = path.join(root, 'dist', 'migrations');
const perSecond = (count: number, ms: number) =>
  `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;

const time = async (f: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await f();
  return performance.now() - started;
};

const drain = async (source: AsyncIterable<unknown>): Promise<number> => {
  let n = 0;
  for await (const _ of source) n++;
  return n;
};

const writeLines = async (file: string, count: number, line: (i: number) => string) => {
  const stream = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    if (!stream.write(`${line(i)}\n`)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
};

export const batchFigures = async (rows: Row[]): Promise<void> => {
  const project = await loadProject({ dir: agentStateDir });
  if (E.isLeft(project)) throw project.left;
  const m = project.right.migrator;
  const fixture = JSON.parse(
    readFileSync(path.join(root, 'examples', 'states', 'minimal.json'), 'utf8'),
  ) as AnyState;
  const N = 20_000;
  const states = Array.from({ length: N }, (_, i) => ({ ...fixture, current_task: `task ${i}` }));

  // In-process: migrateMany against a plain loop over migrate.
  let loop = Infinity;
  let many = Infinity;
  for (let round = 0; round < 4; round++) {
    loop = Math.min(
      loop,
      await time(async () => {
        for (const s of states) m.migrate(s, '1.1.0');
      }),
    );
    many = Math.min(many, await time(() => drain(m.migrateMany(states, '1.1.0'))));
  }
  rows.push({
    figure: 'migrateMany vs a loop of migrate',
    ratio: `${(many / loop).toFixed(2)}×`,
    detail: `${perSecond(N, many)} vs ${perSecond(N, loop)} (${N} AgentStates, in-process, best of 4)`,
  });

  // Worker threads: the same states through a pool of 1 and of 2 (best of 3, alternating).
  const pooled: Record<number, number> = { 1: Infinity, 2: Infinity };
  const pools = {
    1: new MigrationPool({ dir: agentStateDir, threads: 1 }),
    2: new MigrationPool({ dir: agentStateDir, threads: 2 }),
  };
  for (const pool of Object.values(pools))
    await drain(pool.migrateMany(states.slice(0, 4000), '1.1.0'));
  for (let round = 0; round < 3; round++) {
    for (const threads of [1, 2] as const) {
      const t = await time(() =>
        drain(pools[threads].migrateMany(states, '1.1.0', { batchSize: 128 })),
      );
      pooled[threads] = Math.min(pooled[threads]!, t);
    }
  }
  for (const pool of Object.values(pools)) await pool.close();
  rows.push({
    figure: 'migrateMany, 2 workers vs 1',
    ratio: `${(pooled[1]! / pooled[2]!).toFixed(2)}×`,
    detail: `${perSecond(N, pooled[2]!)} vs ${perSecond(N, pooled[1]!)} (best of 3; in-process ${perSecond(N, many)})`,
  });

  // NDJSON files: in-process, 1 worker, 2 workers.
  const dir = mkdtempSync(path.join(tmpdir(), 'migraph-bench-'));
  try {
    const input = path.join(dir, 'agent-states.ndjson');
    await writeLines(input, N, (i) => JSON.stringify(states[i]));
    const file: Record<string, number> = { 0: Infinity, 1: Infinity, 2: Infinity, final: Infinity };
    const runs: [string, number, 'final' | undefined][] = [
      ['0', 0, undefined],
      ['final', 0, 'final'],
      ['1', 1, undefined],
      ['2', 2, undefined],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [name, threads, validate] of runs) {
        const t = await time(async () => {
          const r = await migrateFile(input, path.join(dir, `out-${name}.ndjson`), {
            project: { dir: agentStateDir, ...(validate === undefined ? {} : { validate }) },
            threads,
          });
          if (E.isLeft(r)) throw r.left;
        });
        file[name] = Math.min(file[name]!, t);
      }
    }
    // The floor (SPEC §19): JSON.parse + the bare step + one compiled check of the result at
    // the target + JSON.stringify per line, the file read and written whole.
    const { default: migration } = await import('../migrations/v1_0_0_to_v1_1_0.js');
    const check = compileCheck(AgentStateV1_1);
    if (check === undefined) throw new Error('the AgentState 1.1.0 codec did not compile');
    const ctx = { from: '1.0.0', to: '1.1.0', direction: 'up' as const, now: () => new Date(0) };
    let floor = Infinity;
    for (let round = 0; round < 3; round++) {
      const t = await time(async () => {
        const out = readFileSync(input, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const up = migration.up(JSON.parse(line) as never, ctx) as AnyState;
            const state = { ...up, state_version: '1.1.0' };
            if (!check(state)) throw new Error('the floor produced an invalid state');
            return JSON.stringify(state);
          });
        writeFileSync(path.join(dir, 'out-floor.ndjson'), `${out.join('\n')}\n`);
      });
      floor = Math.min(floor, t);
    }
    rows.push(
      {
        figure: 'NDJSON in one process, --validate final, vs the floor',
        ratio: `${(floor / file.final!).toFixed(2)}×`,
        detail: `${perSecond(N, file.final!)} vs ${perSecond(N, floor)} lines: parse + step + one compiled check + stringify (best of 3; target ≥ 0.7×)`,
      },
      {
        figure: 'NDJSON in one process, default (each-step), vs the floor',
        ratio: `${(floor / file[0]!).toFixed(2)}×`,
        detail: `${perSecond(N, file[0]!)} lines (best of 3; target ≥ 0.5×)`,
      },
    );
    rows.push({
      figure: 'NDJSON file, 2 workers vs 1',
      ratio: `${(file[1]! / file[2]!).toFixed(2)}×`,
      detail: `${perSecond(N, file[2]!)} vs ${perSecond(N, file[1]!)} lines (best of 3; in-process ${perSecond(N, file[0]!)}; includes starting the workers; target ≥ 1.5×)`,
    });

    // Peak RSS: 100k vs 1M lines, each in a fresh process, through a small migration.
    const migrations = path.join(dir, 'migrations');
    execFileSync('mkdir', ['-p', migrations]);
    writeFileSync(
      path.join(migrations, 'v1_0_0_to_v2_0_0.mjs'),
      "export default { from: '1.0.0', to: '2.0.0', up: (s) => ({ ...s, tags: [s.kind], seen: true }) };\n",
    );
    const child = path.join(root, 'dist', 'bench', 'rss-child.js');
    const rss: Record<string, { lines: number; ms: number; maxRssKiB: number }> = {};
    for (const [label, count] of [
      ['100k', 100_000],
      ['1M', 1_000_000],
    ] as const) {
      const big = path.join(dir, `rss-${label}.ndjson`);
      await writeLines(big, count, (i) =>
        JSON.stringify({
          state_version: '1.0.0',
          id: i,
          kind: i % 7 === 0 ? 'a' : 'b',
          note: 'x'.repeat(40),
        }),
      );
      for (const threads of [0, 2]) {
        const out = execFileSync(
          process.execPath,
          [child, big, path.join(dir, `rss-${label}-${threads}.out`), migrations, String(threads)],
          { encoding: 'utf8' },
        );
        rss[`${label}/${threads}`] = JSON.parse(out) as (typeof rss)[string];
      }
      rmSync(big);
    }
    for (const threads of [0, 2]) {
      const small = rss[`100k/${threads}`]!;
      const large = rss[`1M/${threads}`]!;
      rows.push({
        figure: `peak RSS, 1M vs 100k lines (${threads === 0 ? 'in-process' : '2 workers'})`,
        ratio: `${(large.maxRssKiB / small.maxRssKiB).toFixed(2)}×`,
        detail: `${(large.maxRssKiB / 1024).toFixed(0)} MiB vs ${(small.maxRssKiB / 1024).toFixed(0)} MiB; ${perSecond(large.lines, large.ms)} lines`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
