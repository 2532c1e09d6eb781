// `migraph test`, through the built binary (run `npm run build` first).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { binary, makeProject, repoRoot, runCli, type CliRun } from '../support/cli.js';

/**
 * `runCli`, but a run that has not ended after `limit` ms is killed (its signal is then
 * `SIGKILL`): for commands that used to hang, so that a hang fails the test instead of the
 * suite. The limit only guards against a hang; a passing run takes a fraction of it.
 */
const runCliOrKill = (args: readonly string[], cwd: string, limit: number): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end();
  });

// 1.0.0 has optional tags, 2.0.0 labels. The down drops `tags` when there are no labels: a state
// with `tags: []` comes back without them, one without tags comes back fine.
const seededMistake = {
  'migrations/v1_0_0_to_v2_0_0.mjs': `export default {
  from: '1.0.0',
  to: '2.0.0',
  description: 'Tags become labels',
  up: ({ tags, ...s }) => ({ ...s, labels: tags ?? [] }),
  down: ({ labels, ...s }) => (labels.length > 0 ? { ...s, tags: labels } : s),
};
`,
  'migrations/v2_0_0_to_v3_0_0.mjs': `export default {
  from: '2.0.0',
  to: '3.0.0',
  up: (s) => ({ ...s, archived: false }),
  down: ({ archived, ...s }) => s,
};
`,
  'migrations/schemas.mjs': `import * as t from 'io-ts';
export const codecs = {
  '1.0.0': t.intersection([t.type({ title: t.string }), t.partial({ tags: t.array(t.string) })]),
  '2.0.0': t.type({ title: t.string, labels: t.array(t.string) }),
  '3.0.0': t.type({ title: t.string, labels: t.array(t.string), archived: t.boolean }),
};
`,
};

describe('migraph test', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = makeProject(seededMistake);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips the repository’s own AgentState migrations, through tsx', async () => {
    const run = await runCli(['test', '--runs', '30', '--seed', '5'], repoRoot);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(
      [
        'ok    edge 1.0.0 -> 1.1.0 -> 1.0.0  (30 runs)',
        '1 edge, 0 paths: 1 passed, 0 failed, 0 skipped (30 runs each, seed 5)',
        '',
      ].join('\n'),
    );
  });

  it('round-trips the ten-version example project: 9 edges and 36 paths', async () => {
    const args = [
      'test',
      '--dir',
      'examples/ten-versions/migrations',
      '--runs',
      '10',
      '--seed',
      '1',
    ];
    const run = await runCli(args, repoRoot);
    expect(run.code, run.stderr).to.equal(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).to.have.length(46);
    expect(lines.slice(0, 45).every((line) => line.startsWith('ok    '))).to.equal(true);
    expect(lines).to.include('ok    path 1.0.0 -> 3.2.0 -> 1.0.0 (18 steps)  (10 runs)');
    expect(lines.at(-1)).to.equal(
      '9 edges, 36 paths: 45 passed, 0 failed, 0 skipped (10 runs each, seed 1)',
    );
  });

  it('finds a down that drops a field for some inputs, with a minimal counterexample, and exits 1', async () => {
    const run = await runCli(['test', '--seed', '7'], dir);
    expect(run.code, run.stderr).to.equal(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(
      /^FAIL {2}edge 1\.0\.0 -> 2\.0\.0 -> 1\.0\.0 {2}\(failed after \d+ runs?, shrunk \d+ times?\)$/,
    );
    expect(lines.slice(1, 4)).to.deep.equal([
      "      Data was not preserved: field 'tags' differs after 1.0.0 -> 2.0.0 -> 1.0.0",
      '      tags: expected [], got (absent)',
      '      counterexample: {"title":"","tags":[],"state_version":"1.0.0"}',
    ]);
    expect(lines.slice(4, 5)).to.deep.equal(['ok    edge 2.0.0 -> 3.0.0 -> 2.0.0  (100 runs)']);
    expect(lines[5]).to.match(
      /^FAIL {2}path 1\.0\.0 -> 3\.0\.0 -> 1\.0\.0 \(4 steps\) {2}\(failed/,
    );
    expect(lines[6]).to.equal(
      "      Data was not preserved: field 'tags' differs after 1.0.0 -> 2.0.0 -> 3.0.0 -> 2.0.0 -> 1.0.0",
    );
    expect(lines.slice(-2)).to.deep.equal([
      '2 edges, 1 path: 1 passed, 2 failed, 0 skipped (100 runs each, seed 7)',
      'Replay with: migraph test --runs 100 --seed 7',
    ]);
    expect(run.stderr).to.equal('');
  });

  it('replays the same run from --seed, and picks and prints a seed without one', async () => {
    const first = await runCli(['test', '--runs', '50'], dir);
    const seed = /seed (-?\d+)\)/.exec(first.stdout)?.[1];
    expect(seed, first.stdout).to.be.a('string');
    const again = await runCli(['test', '--runs', '50', '--seed', seed!], dir);
    expect(again.stdout).to.equal(first.stdout);
  });

  it('prints the report as JSON with --json', async () => {
    const run = await runCli(['test', '--seed', '7', '--json'], dir);
    expect(run.code).to.equal(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      seed: number;
      results: { kind: string; status: string; failure?: { counterexample: unknown } }[];
    };
    expect(report.ok).to.equal(false);
    expect(report.seed).to.equal(7);
    expect(report.results.map((r) => `${r.kind} ${r.status}`)).to.deep.equal([
      'edge failed',
      'edge passed',
      'path failed',
    ]);
    expect(report.results[0]!.failure!.counterexample).to.deep.equal({
      title: '',
      tags: [],
      state_version: '1.0.0',
    });
  });

  it('skips lossy migrations, from definitions and self-registering scripts alike, and says so', async () => {
    const lossy = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs':
        "export default { from: '1.0.0', to: '1.1.0', up: (s) => s, down: (s) => s, lossy: true };\n",
      'migrations/v1_1_0_to_v1_2_0.mjs':
        "import { registerMigration } from 'migraph';\nregisterMigration('1.1.0', '1.2.0', { down: (s) => s, lossy: true })((s) => s);\n",
      'migrations/schemas.mjs':
        "import * as t from 'io-ts';\nexport const codecs = { '1.0.0': t.UnknownRecord, '1.1.0': t.UnknownRecord, '1.2.0': t.UnknownRecord };\n",
    });
    try {
      const run = await runCli(['test', '--seed', '1'], lossy);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout.trimEnd().split('\n')).to.deep.equal([
        'skip  edge 1.0.0 -> 1.1.0 -> 1.0.0  (lossy (meta.lossy): its down cannot restore everything)',
        'skip  edge 1.1.0 -> 1.2.0 -> 1.1.0  (lossy (meta.lossy): its down cannot restore everything)',
        'skip  path 1.0.0 -> 1.2.0 -> 1.0.0 (4 steps)  (crosses the lossy edge 1.0.0 -> 1.1.0)',
        '2 edges, 1 path: 0 passed, 0 failed, 3 skipped (100 runs each, seed 1)',
      ]);
    } finally {
      rmSync(lossy, { recursive: true, force: true });
    }
  });

  it('runs async steps: the guide’s redux-persist migration (async up and down, the version at _persist.version)', async () => {
    const project = makeProject({
      'migrations/v1_0_0_to_v2_0_0.mjs': `export default {
  from: '1.0.0',
  to: '2.0.0',
  up: async (s) => ({ ...s, todos: s.todos.map((text) => ({ text: String(text), done: false })) }),
  down: async (s) => ({ ...s, todos: s.todos.map((t) => (typeof t === 'string' ? t : t.text)) }),
};
`,
      'migrations/schemas.mjs': `import * as t from 'io-ts';
export const versionKey = '_persist.version';
export const codecs = {
  '1.0.0': t.type({ todos: t.array(t.string) }),
  '2.0.0': t.type({ todos: t.array(t.type({ text: t.string, done: t.boolean })) }),
};
`,
    });
    try {
      const run = await runCli(['test', '--runs', '40', '--seed', '3'], project);
      expect(run.stderr).to.equal('');
      expect(run.stdout.trimEnd().split('\n')).to.deep.equal([
        'ok    edge 1.0.0 -> 2.0.0 -> 1.0.0  (40 runs)',
        '1 edge, 0 paths: 1 passed, 0 failed, 0 skipped (40 runs each, seed 3)',
      ]);
      expect(run.code).to.equal(0);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('gives up on a refinement no drawn string passes (isUuid) and on an impossible intersection, naming each codec and where it sits', async () => {
    const project = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs':
        "export default { from: '1.0.0', to: '1.1.0', up: (s) => ({ ...s, tags: [] }), down: ({ tags, ...s }) => s };\n",
      'migrations/v2_0_0_to_v2_1_0.mjs':
        "export default { from: '2.0.0', to: '2.1.0', up: (s) => s, down: (s) => s };\n",
      'migrations/schemas.mjs': `import * as t from 'io-ts';
const isUuid = (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
const Uuid = t.refinement(t.string, isUuid, 'Uuid');
const Impossible = t.intersection([t.type({ a: t.string }), t.type({ a: t.number })], 'Impossible');
export const codecs = {
  '1.0.0': t.type({ user: t.type({ id: Uuid }) }, 'Doc'),
  '1.1.0': t.type({ user: t.type({ id: Uuid }), tags: t.array(t.string) }),
  '2.0.0': Impossible,
  '2.1.0': Impossible,
};
`,
    });
    try {
      const run = await runCliOrKill(['test', '--runs', '5', '--seed', '1'], project, 50_000);
      expect(run.signal, 'killed: migraph test never gave up').to.equal(null);
      expect(run.stdout.trimEnd().split('\n')).to.deep.equal([
        'FAIL  edge 1.0.0 -> 1.1.0 -> 1.0.0  (failed after 0 runs, shrunk 0 times)',
        "      cannot draw 1.0.0 states: Cannot draw a value for the codec 'Uuid' at .user.id of 'Doc': 10000 values in a row were rejected by its predicate; pass an arbitrary as options.overrides['Uuid']",
        'FAIL  edge 2.0.0 -> 2.1.0 -> 2.0.0  (failed after 0 runs, shrunk 0 times)',
        "      cannot draw 2.0.0 states: Cannot draw a value for the codec 'string & number' at .a of 'Impossible': 10000 values in a row were rejected by the intersection (is it satisfiable?); pass an arbitrary as options.overrides['string & number']",
        '2 edges, 0 paths: 0 passed, 2 failed, 0 skipped (5 runs each, seed 1)',
        'Replay with: migraph test --runs 5 --seed 1',
      ]);
      expect(run.code).to.equal(1);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('exits 2 with one line on a bad --runs or --seed', async () => {
    for (const [args, message] of [
      [['--runs', '0'], 'migraph: --runs: expected a positive integer, got 0\n'],
      [['--seed', 'x'], 'migraph: --seed: expected an integer between -2^31 and 2^31, got x\n'],
    ] as const) {
      const run = await runCli(['test', ...args], dir);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.equal(message);
    }
  });
});
