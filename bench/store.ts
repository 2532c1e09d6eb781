/**
 * `npm run bench:store`: migrating a PostgreSQL table (an embedded server started here).
 * Rows per second of `migraph migrate --store` with 1, 2 and 4 worker processes over 100k
 * AgentState rows, against the floor of one SQL `UPDATE … jsonb_set(…)` making the same
 * change inside the database; and the peak RSS of one worker process over 100k and 1M rows.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from './postgres.js';
import { WORKER_SEMI_SPACE_MIB } from '../lib/stores/process-pool.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'dist', 'lib', 'cli', 'bin.js');
/** The compiled AgentState migration and codecs, re-exported from a directory of their own. */
const agentStateDir = mkdtempSync(path.join(os.tmpdir(), 'migraph-bench-migrations-'));
const compiled = (file: string) => new URL(`../migrations/${file}`, import.meta.url).href;
writeFileSync(
  path.join(agentStateDir, 'v1_0_0_to_v1_1_0.mjs'),
  `export { default } from '${compiled('v1_0_0_to_v1_1_0.js')}';\n`,
);
writeFileSync(
  path.join(agentStateDir, 'schemas.mjs'),
  `export * from '${compiled('schemas.js')}';\n`,
);
const ROWS = 100_000;

interface Row {
  readonly figure: string;
  readonly ratio: string;
  readonly detail: string;
}

const perSecond = (count: number, ms: number) =>
  `${Math.round((count / ms) * 1000).toLocaleString('en')} rows/s`;

const run = (args: readonly string[]): Promise<{ ms: number; stdout: string }> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(
      process.execPath,
      args,
      { encoding: 'utf8', maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${args.join(' ')}: ${stderr}`, { cause: error }));
        else resolve({ ms: performance.now() - started, stdout });
      },
    );
  });

const server = await startPostgres(['shared_buffers=256MB', 'max_wal_size=4GB']);
const rows: Row[] = [];
try {
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = server.url('bench');
  const db = new pg.Client({ connectionString: url });
  db.on('error', () => undefined);
  await db.connect();

  // --- 100k AgentState rows: 1, 2, 4 worker processes vs one UPDATE ----------------------
  const fixture = readFileSync(path.join(root, 'examples', 'states', 'minimal.json'), 'utf8');
  await db.query(`CREATE TABLE template (id int PRIMARY KEY, doc jsonb NOT NULL);
    INSERT INTO template SELECT i, jsonb_set($$${fixture}$$::jsonb, '{current_task}', to_jsonb('task ' || i))
    FROM generate_series(1, ${ROWS}) AS i`);
  const fresh = async () => {
    await db.query(`DROP TABLE IF EXISTS agents; DROP TABLE IF EXISTS migraph_rejected;
      CREATE TABLE agents (id int PRIMARY KEY, doc jsonb NOT NULL);
      INSERT INTO agents SELECT * FROM template`);
    await db.query('VACUUM ANALYZE agents');
  };
  const migrated = async () =>
    Number(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM agents WHERE doc->>'state_version' = '1.1.0'`,
        )
      ).rows[0].n,
    );

  // The same change as the AgentState 1.0.0 → 1.1.0 migration on these rows (no permissions,
  // no roles): version, history, what was applied, and the trace event.
  await fresh();
  const floorStarted = performance.now();
  await db.query(`UPDATE agents SET doc = jsonb_set(jsonb_set(jsonb_set(jsonb_set(doc,
      '{state_version}', '"1.1.0"'),
      '{tool_permission_history}', '[]'),
      '{performance_metrics,migration_applied}', jsonb_build_object('1_0_to_1_1', jsonb_build_object(
        'applied_at', to_jsonb(now()), 'granted_permissions', '{}'::jsonb, 'created_migration_applied', true))),
      '{execution_trace}', (doc->'execution_trace') || jsonb_build_array(jsonb_build_object(
        'event', 'state_migration', 'timestamp', to_jsonb(now()),
        'details', jsonb_build_object('from_version', '1.0.0', 'to_version', '1.1.0', 'changes',
          '["added_tool_permission_history","default_tool_permissions_by_role","recorded_migration_applied"]'::jsonb))))`);
  const floorMs = performance.now() - floorStarted;
  if ((await migrated()) !== ROWS) throw new Error('the floor UPDATE did not migrate every row');

  // Each configuration twice, alternating (best of 2), each on a fresh table after a
  // checkpoint, so no run pays for the one before. `1+gc`: one worker in this process given
  // the young generation worker processes get (`--max-semi-space-size`), the fair baseline.
  const configs: [string, number, readonly string[]][] = [
    ['1', 1, []],
    ['2', 2, []],
    ['4', 4, []],
    ['1+gc', 1, [`--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`]],
  ];
  const timings: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    for (const [name, workers, flags] of configs) {
      await fresh();
      await db.query('CHECKPOINT');
      const { ms } = await run([
        ...flags,
        bin,
        '--dir',
        agentStateDir,
        'migrate',
        '--store',
        url,
        '--table',
        'agents',
        '--column',
        'doc',
        '--workers',
        String(workers),
        '--batch-size',
        '500',
      ]);
      if ((await migrated()) !== ROWS)
        throw new Error(`${name} worker(s) did not migrate every row`);
      timings[name] = Math.min(timings[name] ?? Infinity, ms);
    }
  }
  for (const workers of [1, 2, 4]) {
    rows.push({
      figure: `store: ${workers} worker${workers === 1 ? ' (in this process)' : ' processes'} vs one SQL UPDATE`,
      ratio: `${(timings[workers]! / floorMs).toFixed(2)}×`,
      detail: `${perSecond(ROWS, timings[workers]!)} vs ${perSecond(ROWS, floorMs)} (${ROWS / 1000}k AgentState rows, batches of 500, process start included; best of 2)`,
    });
  }
  rows.push(
    {
      figure: 'store: 2 worker processes vs 1 worker',
      ratio: `${(timings[1]! / timings[2]!).toFixed(2)}×`,
      detail: `4 workers: ${(timings[1]! / timings[4]!).toFixed(2)}× (${os.cpus().length} cores shared with PostgreSQL; start-up included; target ≥ 1.6× for 2)`,
    },
    {
      figure: "  same, 1 worker with the workers' young generation",
      ratio: `${(timings['1+gc']! / timings[2]!).toFixed(2)}×`,
      detail: `1 worker ${perSecond(ROWS, timings['1+gc']!)} with --max-semi-space-size=${WORKER_SEMI_SPACE_MIB} (${(timings[1]! / timings['1+gc']!).toFixed(2)}× faster than without)`,
    },
  );

  // --- SQLite has one writer: more than one worker process is refused, with the reason ----
  const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'migraph-bench-sqlite-'));
  try {
    const file = path.join(sqliteDir, 'states.db');
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(file);
    sqlite.exec(`CREATE TABLE agents (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)`);
    sqlite.prepare('INSERT INTO agents VALUES (1, ?)').run(fixture);
    sqlite.close();
    const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          bin,
          '--dir',
          agentStateDir,
          'migrate',
          '--store',
          `sqlite:${file}`,
          '--table',
          'agents',
          '--column',
          'doc',
          '--workers',
          '2',
        ],
        { encoding: 'utf8' },
        (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
      );
    });
    rows.push({
      figure: 'store: SQLite with --workers 2',
      ratio: refused.code === 2 ? 'refused' : `exit ${refused.code}`,
      detail: refused.stderr.trim().split('\n')[0] ?? '',
    });
  } finally {
    rmSync(sqliteDir, { recursive: true, force: true });
  }

  // --- peak RSS of one worker: 100k vs 1M small rows --------------------------------------
  const child = path.join(root, 'dist', 'bench', 'store-rss-child.js');
  const rss: Record<string, { rows: number; ms: number; maxRssKiB: number }> = {};
  for (const [label, count] of [
    ['100k', 100_000],
    ['1M', 1_000_000],
  ] as const) {
    await db.query(`DROP TABLE IF EXISTS small; DROP TABLE IF EXISTS migraph_rejected;
      CREATE TABLE small (id int PRIMARY KEY, doc jsonb NOT NULL);
      INSERT INTO small SELECT i, jsonb_build_object('state_version', '1.0.0', 'id', i,
        'kind', CASE WHEN i % 7 = 0 THEN 'a' ELSE 'b' END, 'note', repeat('x', 40))
      FROM generate_series(1, ${count}) AS i`);
    await db.query('VACUUM ANALYZE small');
    const { stdout } = await run([child, url, 'small']);
    rss[label] = JSON.parse(stdout) as (typeof rss)[string];
    if (rss[label]!.rows !== count)
      throw new Error(`the RSS child migrated ${rss[label]!.rows} rows`);
  }
  const [small, large] = [rss['100k']!, rss['1M']!];
  rows.push({
    figure: 'store: peak RSS of a worker, 1M vs 100k rows',
    ratio: `${(large.maxRssKiB / small.maxRssKiB).toFixed(2)}×`,
    detail: `${(large.maxRssKiB / 1024).toFixed(0)} MiB vs ${(small.maxRssKiB / 1024).toFixed(0)} MiB; ${perSecond(large.rows, large.ms)} (small rows, in-process)`,
  });
  await db.end();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await server.stop();
  rmSync(agentStateDir, { recursive: true, force: true });
}

const width = Math.max(...rows.map((r) => r.figure.length));
console.log(
  `migraph store bench — node ${process.version}, PostgreSQL 17 (embedded), ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}`,
);
console.log(`${'figure'.padEnd(width)}  ${'ratio'.padStart(8)}  detail`);
for (const r of rows) console.log(`${r.figure.padEnd(width)}  ${r.ratio.padStart(8)}  ${r.detail}`);
