import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import fastJsonPatch from 'fast-json-patch';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Migrator, type AnyState } from '../../lib/index.js';
import { startProgress } from '../../lib/cli/progress.js';
import { makeProject, repoRoot, runCli, type CliRun } from '../support/cli.js';

const definition = (from: string, to: string, description: string, up: string, down?: string) =>
  `export default { from: '${from}', to: '${to}', description: '${description}', up: ${up}${
    down === undefined ? '' : `, down: ${down}`
  } };\n`;

const migrations = {
  'migrations/v1_0_0_to_v1_1_0.mjs': definition(
    '1.0.0',
    '1.1.0',
    'Add tags',
    '(s) => ({ ...s, tags: [] })',
    '({ tags, ...s }) => s',
  ),
  'migrations/v1_1_0_to_v2_0_0.mjs': definition(
    '1.1.0',
    '2.0.0',
    'Rename title to name',
    "({ title, ...s }) => { if (title === 'boom') throw new Error('cannot rename boom'); return { ...s, name: title }; }",
    '({ name, ...s }) => ({ ...s, title: name })',
  ),
  'migrations/v1_0_0_to_v1_2_0.mjs': definition(
    '1.0.0',
    '1.2.0',
    'Add tags early',
    '(s) => ({ ...s, tags: [] })',
  ),
  'migrations/v1_2_0_to_v2_0_0.mjs': definition(
    '1.2.0',
    '2.0.0',
    'Rename',
    '({ title, ...s }) => ({ ...s, name: title })',
  ),
  'migrations/schemas.mjs': `import * as t from 'io-ts';
export const codecs = {
  '1.0.0': t.type({ title: t.string }),
  '1.1.0': t.type({ title: t.string, tags: t.array(t.string) }),
  '1.2.0': t.type({ title: t.string, tags: t.array(t.string) }),
  '2.0.0': t.type({ name: t.string, tags: t.array(t.string) }),
};
export const currentVersion = '2.0.0';
`,
};

/** The same graph built in-process, to compare the CLI's diagrams with the library's. */
const sameGraph = () => {
  const id = (s: AnyState) => s;
  return new Migrator()
    .register('1.0.0', '1.1.0', id, { description: 'Add tags', down: id })
    .register('1.1.0', '2.0.0', id, { description: 'Rename title to name', down: id })
    .register('1.0.0', '1.2.0', id, { description: 'Add tags early' })
    .register('1.2.0', '2.0.0', id, { description: 'Rename' });
};

const state = (title: unknown) => ({ state_version: '1.0.0', title });
const current = (name: string) => ({ state_version: '2.0.0', name, tags: [] });

const expectOneLineErrors = (run: CliRun, lines: number) => {
  const printed = run.stderr.trimEnd().split('\n');
  expect(printed, run.stderr).to.have.length(lines);
  for (const line of printed) expect(line).to.match(/^migraph: /);
  expect(run.stderr).to.not.match(/^\s+at /m);
};

describe('migraph CLI', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = makeProject(migrations);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => path.join(dir, name);
  const write = (name: string, text: string) => writeFileSync(file(name), text);
  const read = (name: string) => readFileSync(file(name), 'utf8');
  const cli = (...args: string[]) => runCli(args, dir);

  describe('plan', () => {
    it('prints the steps, the cost and the equally short alternatives', async () => {
      const run = await cli('plan', '1.0.0', '2.0.0');
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(
        [
          'Plan 1.0.0 -> 2.0.0: 2 steps, cost 2',
          '  1. 1.0.0 -> 1.1.0  up    Add tags',
          '  2. 1.1.0 -> 2.0.0  up    Rename title to name',
          'Why: 2 paths are equally short (cost 2, 2 steps); ties go to the lowest next version at each step. The others:',
          '  1.0.0 -> 1.2.0 -> 2.0.0',
          '',
        ].join('\n'),
      );
    });

    it('says when the path is the only one, honours --direction, and prints JSON', async () => {
      const back = await cli('plan', 'v2.0.0', '1.0.0', '--direction', 'reverse');
      expect(back.code, back.stderr).to.equal(0);
      expect(back.stdout).to.include('  1. 2.0.0 -> 1.1.0  down  Revert: Rename title to name');
      expect(back.stdout).to.include('Why: it is the only path this short.');
      const json = await cli('plan', '1.0.0', '2.0.0', '--json');
      const parsed = JSON.parse(json.stdout) as { plan: { cost: number }; alternatives: unknown[] };
      expect(parsed.plan.cost).to.equal(2);
      expect(parsed.alternatives).to.have.length(1);
    });

    it('exits 1 with one line when there is no path', async () => {
      const run = await cli('plan', '2.0.0', '1.2.0', '--direction', 'reverse');
      expect(run.code).to.equal(1);
      expect(run.stderr).to.equal(
        'migraph: No migration path found from 2.0.0 to 1.2.0 (direction: reverse)\n',
      );
    });
  });

  it('prints a stack trace only with --verbose', async () => {
    const quiet = await cli('plan', '1.0.0', '9.0.0');
    const verbose = await cli('--verbose', 'plan', '1.0.0', '9.0.0');
    expect(quiet.code).to.equal(1);
    expect(verbose.code).to.equal(1);
    expect(quiet.stderr).to.not.match(/^\s+at /m);
    expect(verbose.stderr.startsWith(quiet.stderr)).to.equal(true);
    expect(verbose.stderr).to.match(/^StateVersionError: No migration path found/m);
    expect(verbose.stderr).to.match(/^\s+at /m);
  });

  describe('usage errors exit 2 with one line, no stack trace', () => {
    const cases: [string, string[]][] = [
      ['an unknown command', ['frobnicate']],
      ['a missing argument', ['plan', '1.0.0']],
      ['a malformed version', ['plan', 'one', '2.0.0']],
      ['an unknown option', ['plan', '1.0.0', '2.0.0', '--fast']],
      ['a bad --format', ['graph', '--format', 'png']],
      ['a bad --highlight', ['graph', '--highlight', '1.0.0']],
      ['a missing --dir', ['--dir', 'nowhere', 'plan', '1.0.0', '2.0.0']],
      ['a missing --schemas module', ['--schemas', 'none.mjs', 'check']],
      ['a missing input file', ['migrate', 'absent.json']],
      ['--out with --in-place', ['migrate', 'a.json', '--out', 'x', '--in-place']],
      ['a malformed --to', ['migrate', 'a.json', '--to', 'latest']],
      ['a bad --threads', ['migrate', 'a.json', '--threads', '-1']],
    ];
    for (const [name, args] of cases) {
      it(`for ${name}`, async () => {
        write('a.json', JSON.stringify(state('t')));
        const run = await cli(...args);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.not.match(/^\s+at /m);
        expect(run.stderr.trim()).to.not.equal('');
      });
    }

    it('and --help exits 0', async () => {
      const run = await cli('--help');
      expect(run.code).to.equal(0);
      expect(run.stdout).to.include('Usage: migraph');
      for (const command of ['plan', 'graph', 'migrate', 'check', 'new']) {
        expect(run.stdout).to.include(command);
      }
      const version = await cli('--version');
      expect(version.code).to.equal(0);
      expect(version.stdout).to.equal(
        `${(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version}\n`,
      );
    });
  });

  describe('graph', () => {
    it('prints the same DOT and Mermaid as the library', async () => {
      const m = sameGraph();
      const dot = await cli('graph');
      expect(dot.code, dot.stderr).to.equal(0);
      expect(dot.stdout).to.equal(m.toDot());
      const mermaid = await cli('graph', '--format', 'mermaid', '--highlight', '2.0.0:1.0.0');
      expect(mermaid.stdout).to.equal(m.toMermaid({ highlight: plan(m) }));
    });

    it('writes SVG that parses as XML and contains every version', async () => {
      const run = await cli('graph', '--format', 'svg', '-o', 'out/graph.svg', '--title', 'Docs');
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('');
      const svg = read('out/graph.svg');
      expect(XMLValidator.validate(svg)).to.equal(true);
      for (const v of ['1.0.0', '1.1.0', '1.2.0', '2.0.0']) expect(svg).to.include(`>${v}</text>`);
    });

    it('exits 1 when the highlighted plan does not exist', async () => {
      const run = await cli('graph', '--highlight', '1.2.0:9.0.0');
      expect(run.code).to.equal(1);
      expectOneLineErrors(run, 1);
    });
  });

  describe('migrate', () => {
    it('prints a migrated JSON state, or an array of them, on stdout', async () => {
      write('one.json', JSON.stringify(state('a')));
      write('many.json', JSON.stringify([state('a'), current('b')]));
      const one = await cli('migrate', 'one.json');
      expect(one.code, one.stderr).to.equal(0);
      expect(JSON.parse(one.stdout)).to.deep.equal({ state_version: '2.0.0', tags: [], name: 'a' });
      const many = await cli('migrate', 'many.json', '--to', '1.1.0');
      expect(JSON.parse(many.stdout)).to.deep.equal([
        { state_version: '1.1.0', title: 'a', tags: [] },
        { state_version: '1.1.0', title: 'b', tags: [] },
      ]);
    });

    it('exits 1 naming the file, the item and the problem, one line per failing state', async () => {
      write('bad.json', JSON.stringify([state('boom'), state('ok'), state(42)]));
      const run = await cli('migrate', 'bad.json', '--out', 'out');
      expect(run.code).to.equal(1);
      expectOneLineErrors(run, 2);
      expect(run.stderr).to.include(
        'bad.json[0]: Migration failed at 1.1.0->2.0.0: cannot rename boom',
      );
      expect(run.stderr).to.match(
        /bad\.json\[2\]: The input state is not a valid 1\.0\.0 state: title: expected string, got 42/,
      );
      expect(
        existsSync(file('out/bad.json')),
        'a JSON file with a failure is not written',
      ).to.equal(false);
    });

    it('writes NDJSON to --out, rejected lines with their number and error beside it', async () => {
      const lines = [state('a'), state('boom'), state('c'), current('d')].map((s) =>
        JSON.stringify(s),
      );
      write('states.ndjson', `${lines[0]}\n${lines[1]}\n\n{not json\n${lines[2]}\n${lines[3]}\n`);
      const run = await cli('migrate', 'states.ndjson', '--out', 'out');
      expect(run.code).to.equal(1);
      expectOneLineErrors(run, 2);
      const out = read('out/states.ndjson')
        .trimEnd()
        .split('\n')
        .filter((l) => l !== '') // blank lines are kept as they were
        .map((l) => JSON.parse(l) as AnyState);
      expect(out.map((s) => s.name)).to.deep.equal(['a', 'c', 'd']);
      const rejected = read('out/states.ndjson.rejected.ndjson')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; error: string; input: string });
      expect(rejected.map((r) => r.line)).to.deep.equal([2, 4]);
      expect(rejected[0]!.error).to.equal('Migration failed at 1.1.0->2.0.0: cannot rename boom');
      expect(rejected[1]!.error).to.match(/^not valid JSON/);
      expect(rejected[1]!.input).to.equal('{not json');
      expect(out.length + rejected.length, 'in = out + rejected').to.equal(5);
      expect(run.stdout).to.include(
        '5 state(s) in 1 file(s): 2 migrated, 1 already at the target, 2 failed',
      );
      expect(readdirSync(file('out')).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('gives the same NDJSON output with worker threads', async () => {
      const lines = Array.from({ length: 400 }, (_, i) =>
        JSON.stringify(i % 40 === 3 ? state('boom') : state(`t${i}`)),
      );
      write('many.ndjson', `${lines.join('\n')}\n`);
      const one = await cli('migrate', 'many.ndjson', '--out', 'single', '--threads', '0');
      const two = await cli('migrate', 'many.ndjson', '--out', 'pooled', '--threads', '2');
      expect(two.code).to.equal(1);
      expect(two.stderr).to.equal(one.stderr.replaceAll('single', 'pooled'));
      expect(read('pooled/many.ndjson')).to.equal(read('single/many.ndjson'));
      expect(read('pooled/many.ndjson.rejected.ndjson')).to.equal(
        read('single/many.ndjson.rejected.ndjson'),
      );
      expect(read('pooled/many.ndjson').split('\n')).to.have.length(391);
      const bad = await cli('migrate', 'many.ndjson', '--out', 'x', '--threads', 'many');
      expect(bad.code).to.equal(2);
    });

    it('replaces files --in-place, and leaves a file untouched when a state in it fails', async () => {
      write('good.ndjson', `${JSON.stringify(state('a'))}\n`);
      write('good.json', JSON.stringify(state('b')));
      const ok = await cli('migrate', 'good.ndjson', 'good.json', '--in-place');
      expect(ok.code, ok.stderr).to.equal(0);
      expect(JSON.parse(read('good.ndjson'))).to.deep.include({
        state_version: '2.0.0',
        name: 'a',
      });
      expect(JSON.parse(read('good.json'))).to.deep.include({ state_version: '2.0.0', name: 'b' });

      const ndjson = `${JSON.stringify(state('a'))}\n${JSON.stringify(state('boom'))}\n`;
      const json = JSON.stringify([state('a'), state(7)]);
      write('bad.ndjson', ndjson);
      write('bad.json', json);
      const failed = await cli('migrate', 'bad.ndjson', 'bad.json', '--in-place');
      expect(failed.code).to.equal(1);
      expect(read('bad.ndjson')).to.equal(ndjson);
      expect(read('bad.json')).to.equal(json);
      expect(
        readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('rejected')),
      ).to.deep.equal([]);
    });

    it('prints RFC 6902 patches that turn each input into its output', async () => {
      const inputs = [
        state('a'),
        { state_version: '1.1.0', title: 'b', tags: ['x'] },
        current('c'),
      ];
      write('in.ndjson', inputs.map((s) => `${JSON.stringify(s)}\n`).join(''));
      write('in.json', JSON.stringify(inputs));
      const outputs = (await cli('migrate', 'in.ndjson')).stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as AnyState);
      for (const input of ['in.ndjson', 'in.json']) {
        const run = await cli('migrate', input, '--diff');
        expect(run.code, run.stderr).to.equal(0);
        const patches = run.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as { file: string; patch: fastJsonPatch.Operation[] });
        expect(patches).to.have.length(3);
        patches.forEach((p, i) => {
          expect(p.file).to.equal(input);
          const applied = fastJsonPatch.applyPatch(structuredClone(inputs[i]), p.patch).newDocument;
          expect(applied).to.deep.equal(outputs[i]);
        });
        expect(patches[2]!.patch).to.deep.equal([]);
      }
    });

    it('writes nothing on --dry-run but says what would happen', async () => {
      const text = JSON.stringify([state('a'), current('b'), state('boom')]);
      write('dry.json', text);
      const run = await cli('migrate', 'dry.json', '--dry-run', '--in-place');
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal(
        '3 state(s) in 1 file(s): 1 migrated, 1 already at the target, 1 failed (dry run: nothing written)\n',
      );
      expect(read('dry.json')).to.equal(text);
    });

    it('loads TypeScript migrations and a scaffolded migration without a build', async () => {
      const made = await cli('new', '2.0.0', '2.1.0');
      expect(made.code, made.stderr).to.equal(0);
      expect(made.stdout).to.equal(`Created ${path.join('migrations', 'v2_0_0_to_v2_1_0.ts')}\n`);
      const text = read('migrations/v2_0_0_to_v2_1_0.ts');
      expect(text).to.include("from: '2.0.0'");
      expect(text).to.include("to: '2.1.0'");
      expect(text).to.include("import { defineMigration } from 'migraph/define';");
      expect(text).to.not.include('__FROM__');
      write('x.json', JSON.stringify({ state_version: '2.0.0', name: 'n', tags: [] }));
      const run = await cli('migrate', 'x.json', '--to', '2.1.0');
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.deep.equal({
        state_version: '2.1.0',
        name: 'n',
        tags: [],
        example_field: [],
      });
    });
  });

  describe('new', () => {
    it('scaffolds a script that loads in a CommonJS package too', async () => {
      const cjs = makeProject({ 'migrations/.keep': '' }, 'commonjs');
      try {
        expect((await runCli(['new', '1.0.0', '1.1.0'], cjs)).code).to.equal(0);
        const run = await runCli(['plan', '1.0.0', '1.1.0'], cjs);
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout).to.include('1. 1.0.0 -> 1.1.0  up    Describe the schema change');
      } finally {
        rmSync(cjs, { recursive: true, force: true });
      }
    });

    it('refuses to overwrite an existing migration', async () => {
      const first = await cli('new', '2.0.0', '3.0.0');
      expect(first.code).to.equal(0);
      write('migrations/v2_0_0_to_v3_0_0.ts', '// mine\n');
      const again = await cli('new', '2.0.0', '3.0.0');
      expect(again.code).to.equal(2);
      expectOneLineErrors(again, 1);
      expect(read('migrations/v2_0_0_to_v3_0_0.ts')).to.equal('// mine\n');
    });
  });

  describe('check', () => {
    it('prints warnings and exits 0 on a graph without errors', async () => {
      const run = await cli('check');
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.include('warning missing-down: Migration 1.0.0->1.2.0 has no down');
      expect(run.stdout).to.include(
        'warning ambiguous-path: 2 equally short paths from 1.0.0 to 2.0.0',
      );
      expect(run.stdout).to.match(/4 version\(s\), 6 edge\(s\): 0 error\(s\), \d+ warning\(s\)\n$/);
    });

    it('exits 1 on errors, including files that fail to load', async () => {
      write('migrations/v2_0_0_to_v3_0_0.mjs', 'export default 42;\n');
      write('migrations/v0_9_0_to_v1_0_0.mjs', "throw new Error('broken script');\n");
      const run = await cli('check', '--json');
      expect(run.code).to.equal(1);
      const report = JSON.parse(run.stdout) as {
        ok: boolean;
        errors: { code: string; message: string }[];
      };
      expect(report.ok).to.equal(false);
      expect(report.errors.map((e) => e.code)).to.include.members(['load-failed']);
      expect(report.errors.some((e) => e.message.includes('broken script'))).to.equal(true);
      const plan = await cli('plan', '1.0.0', '2.0.0');
      expect(plan.code, 'other commands refuse a half-loaded graph').to.equal(1);
      expect(plan.stderr).to.include('cannot load');
    });

    it('fails on every file that is not a loadable migration, once each; plan and migrate refuse such a directory', async () => {
      const misnamed = [
        '1.1.0-to-1.2.0.mjs',
        'V1_1_0_to_V1_2_0.mjs',
        'v1_1_0-to-v1_2_0.mjs',
        'v1_1_0_to_v1_2_0.cjs',
        'v1_1_0_to_v1_2_0.mjs.bak',
        'v1_1_0_to_v1_2_0.mts',
      ];
      const direct = definition('1.1.0', '1.2.0', 'Direct', '(s) => s', '(s) => s');
      for (const name of misnamed) write(`migrations/${name}`, direct);
      // Named for 2.0.0 -> 2.1.0, registers 2.0.0 -> 2.2.0 and its down: one mismatch.
      write(
        'migrations/v2_0_0_to_v2_1_0.mjs',
        definition('2.0.0', '2.2.0', 'Misnamed', '(s) => s', '(s) => s'),
      );
      write('migrations/README.md', '# Our migrations\n');
      const run = await cli('check');
      expect(run.code, run.stderr).to.equal(1);
      const errors = run.stdout.split('\n').filter((line) => line.startsWith('error '));
      for (const name of misnamed) {
        expect(
          errors.filter((line) => line.includes(`/${name}:`)),
          name,
        ).to.have.length(1);
      }
      expect(errors.filter((line) => line.includes('file-name-mismatch'))).to.deep.equal([
        'error file-name-mismatch: File v2_0_0_to_v2_1_0.mjs is named for 2.0.0->2.1.0 but registers 2.0.0->2.2.0',
      ]);
      expect(errors.filter((line) => line.includes('README'))).to.deep.equal([]);
      expect(run.stdout).to.include(`: ${misnamed.length + 1} error(s),`);
      expect(errors.find((line) => line.includes('V1_1_0_to_V1_2_0.mjs'))).to.include(
        'rename it v1_1_0_to_v1_2_0.mjs',
      );
      // Without the misnamed edge, 1.1.0 -> 1.2.0 would go back down to 1.0.0.
      for (const args of [
        ['plan', '1.1.0', '1.2.0'],
        ['migrate', 'a.json'],
      ]) {
        write('a.json', JSON.stringify(state('x')));
        const refused = await cli(...args);
        expect(refused.code, args.join(' ')).to.equal(1);
        expect(refused.stdout, args.join(' ')).to.equal('');
        expectOneLineErrors(refused, misnamed.length);
        for (const name of misnamed) expect(refused.stderr).to.include(`${name}: its name`);
      }
    });

    it('checks the repository’s own AgentState migrations clean, through tsx', async () => {
      const run = await runCli(['check'], path.resolve('.'));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('2 version(s), 2 edge(s): 0 error(s), 0 warning(s)\n');
    });
  });
});

/** The plan 2.0.0 → 1.0.0 of a migrator, as the CLI's --highlight picks it. */
const plan = (m: Migrator) => {
  const result = m.plan('2.0.0', '1.0.0');
  if (result._tag === 'Left') throw result.left;
  return result.right;
};

describe('progress bar', () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    const fake = {
      isTTY,
      columns: 80,
      write: (s: string) => (written.push(s), true),
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => fake,
      removeListener: () => fake,
    };
    return { written, fake: fake as unknown as NodeJS.WriteStream };
  };

  it('stays silent when stderr is not a terminal', () => {
    const { written, fake } = stream(false);
    let now = 0;
    const progress = startProgress({ total: 100, unit: 'bytes', stream: fake, now: () => now });
    now = 5000;
    progress.update(50);
    progress.stop();
    expect(written).to.deep.equal([]);
  });

  it('appears on a terminal only once the run has taken a second', () => {
    const { written, fake } = stream(true);
    let now = 0;
    const progress = startProgress({ total: 100, unit: 'bytes', stream: fake, now: () => now });
    now = 999;
    progress.update(10);
    expect(written).to.deep.equal([]);
    now = 1000;
    progress.update(50);
    progress.stop();
    expect(written.join('')).to.include('50/100 bytes');
  });
});
