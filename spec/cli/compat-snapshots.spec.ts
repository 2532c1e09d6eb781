// `migraph check --compat --snapshots dir` (§17 with §14): the class of an edge whose older
// version is retired (its codec gone from the schemas module, its snapshot committed) comes
// from the snapshot. In process: the `check` command over a project in a temporary directory.
import { expect } from 'chai';
import { Command } from 'commander';
import * as t from 'io-ts';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { check } from '../../lib/cli/check.js';
import { commandContext, registerCommand } from '../../lib/cli/command.js';
import type { GlobalOptions } from '../../lib/cli/options.js';
import { Migrator } from '../../lib/core/index.js';
import { writeSnapshots } from '../../lib/node/index.js';
import { makeProject } from '../support/cli.js';

const migration = (from: string, to: string, up: string) =>
  `export default { from: '${from}', to: '${to}', up: ${up} };\n`;

/** 1.0.0 -> 1.1.0 adds a required field (FORWARD); 1.1.0 -> 2.0.0 renames title (NONE). */
const codecs = {
  '1.0.0': t.type({ title: t.string }),
  '1.1.0': t.type({ title: t.string, tags: t.array(t.string) }),
  '2.0.0': t.type({ name: t.string, tags: t.array(t.string) }),
};
/** The schemas module after 1.0.0 was retired: its codec is gone. */
const schemasModule = (policy: string) => `import * as t from 'io-ts';
export const codecs = {
  '1.1.0': t.type({ title: t.string, tags: t.array(t.string) }),
  '2.0.0': t.type({ name: t.string, tags: t.array(t.string) }),
};
${policy}`;

/** Runs `migraph check …` in process: its exit code (0 or the CliError's) and what it printed. */
const runCheck = async (dir: string, args: readonly string[]) => {
  const printed: string[] = [];
  const cli = new Command('migraph')
    .option('-d, --dir <dir>', 'migrations directory', './migrations')
    .option('--schemas <module>', 'schemas module')
    .exitOverride();
  registerCommand(
    cli,
    check,
    commandContext(
      () => cli.opts<GlobalOptions>(),
      (text) => printed.push(text),
      (text) => printed.push(`err: ${text}`),
    ),
  );
  try {
    await cli.parseAsync(['--dir', path.join(dir, 'migrations'), 'check', ...args], {
      from: 'user',
    });
    return { code: 0, out: printed.join('') };
  } catch (error) {
    return { code: (error as { exitCode?: number }).exitCode ?? -1, out: printed.join('') };
  }
};

describe('migraph check --compat --snapshots (retired versions)', function () {
  this.timeout(60_000);
  let dir: string;
  let snapshots: string;

  const project = async (policy = '') => {
    dir = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs': migration('1.0.0', '1.1.0', '(s) => ({ ...s, tags: [] })'),
      'migrations/v1_1_0_to_v2_0_0.mjs': migration(
        '1.1.0',
        '2.0.0',
        '({ title, ...s }) => ({ ...s, name: title })',
      ),
      'migrations/schemas.mjs': schemasModule(policy),
    });
    // The snapshots committed while every version still had its codec.
    snapshots = path.join(dir, 'schemas');
    const released = new Migrator()
      .register('1.0.0', '1.1.0', (s) => s)
      .register('1.1.0', '2.0.0', (s) => s);
    for (const [version, codec] of Object.entries(codecs)) released.schema(version, codec);
    await writeSnapshots(released, { dir: snapshots });
  };
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('classifies the edge of a retired version from its snapshot', async () => {
    await project();
    const without = await runCheck(dir, ['--compat']);
    expect(without.out).to.include('compat 1.0.0 -> 1.1.0: unknown (no codec)\n');
    const run = await runCheck(dir, ['--compat', '--snapshots', snapshots]);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).to.include('compat 1.0.0 -> 1.1.0: FORWARD (1.0.0 from its snapshot)\n');
    expect(run.out).to.include('compat 1.1.0 -> 2.0.0: NONE\n');
    expect(run.out).to.include(': 0 error(s)').and.not.include('compat-unknown');
  });

  it("holds the retired version's edge to the policy, and reports a counterexample from the snapshot", async () => {
    await project(`export const compatibility = { default: 'FULL' };\n`);
    const without = await runCheck(dir, ['--json']);
    const unknown = JSON.parse(without.out) as { errors: { code: string; message: string }[] };
    expect(unknown.errors.map((e) => e.code)).to.deep.equal(['compat-unknown', 'compat-policy']);
    const run = await runCheck(dir, ['--json', '--snapshots', snapshots]);
    expect(run.code).to.equal(1);
    const report = JSON.parse(run.out) as {
      errors: { code: string; message: string; versions: string[] }[];
      compatibility: { older: string; class: string; status: string }[];
    };
    expect(report.compatibility.map((e) => [e.older, e.class, e.status])).to.deep.equal([
      ['1.0.0', 'FORWARD', 'violation'],
      ['1.1.0', 'NONE', 'violation'],
    ]);
    const retired = report.errors.find((e) => e.versions[0] === '1.0.0')!;
    expect(retired.message).to.match(
      /^1\.0\.0 -> 1\.1\.0 is FORWARD, below FULL \(policy default\): \{"title":".*"\} is valid at 1\.0\.0, rejected by 1\.1\.0: tags: expected Array<string>, got undefined/,
    );
  });
});
