import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeProject, runCli } from '../support/cli.js';

const migration = (from: string, to: string, up: string, down: string) =>
  `export default { from: '${from}', to: '${to}', up: ${up}, down: ${down} };\n`;

/** 1.0.0 → 1.1.0 adds a required field (FORWARD); 1.1.0 → 2.0.0 renames title (NONE). */
const schemas = (policy: string) => `import * as t from 'io-ts';
export const codecs = {
  '1.0.0': t.type({ title: t.string }),
  '1.1.0': t.type({ title: t.string, tags: t.array(t.string) }),
  '2.0.0': t.type({ name: t.string, tags: t.array(t.string) }),
};
${policy}`;

describe('migraph check --compat', function () {
  this.timeout(60_000);
  let dir: string;
  const write = (policy: string) =>
    writeFileSync(path.join(dir, 'migrations', 'schemas.mjs'), schemas(policy));
  beforeEach(() => {
    dir = makeProject({
      'migrations/v1_0_0_to_v1_1_0.mjs': migration(
        '1.0.0',
        '1.1.0',
        '(s) => ({ ...s, tags: [] })',
        '({ tags, ...s }) => s',
      ),
      'migrations/v1_1_0_to_v2_0_0.mjs': migration(
        '1.1.0',
        '2.0.0',
        '({ title, ...s }) => ({ ...s, name: title })',
        '({ name, ...s }) => ({ ...s, title: name })',
      ),
      'migrations/schemas.mjs': schemas(''),
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the class of every edge and the counterexample behind a NONE', async () => {
    const run = await runCli(['check', '--compat'], dir);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('compat 1.0.0 -> 1.1.0: FORWARD\n');
    expect(run.stdout).to.include('compat 1.1.0 -> 2.0.0: NONE\n');
    expect(run.stdout).to.match(
      /counterexample: \{"tags":\[.*\],"title":".*"\} is valid at 1\.1\.0, rejected by 2\.0\.0: name: expected string, got undefined/,
    );
  });

  it('fails on an edge below its policy, naming the policy and the counterexample', async () => {
    write(`export const compatibility = { default: 'FORWARD', '2.x': 'FULL' };\n`);
    const run = await runCli(['check'], dir);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include(
      "error compat-policy: 1.1.0 -> 2.0.0 is NONE, below FULL (policy '2.x'): ",
    );
    expect(run.stdout).to.not.include('compat 1.0.0 -> 1.1.0'); // classes printed with --compat only
    const strict = await runCli(['check'], dir);
    expect(strict.stdout).to.equal(run.stdout);
    write(`export const compatibility = { default: 'BACKWARD' };\n`);
    const backward = await runCli(['check', '--json'], dir);
    expect(backward.code).to.equal(1);
    const report = JSON.parse(backward.stdout) as {
      errors: { code: string; versions: string[] }[];
      compatibility: { older: string; class: string; status: string }[];
    };
    expect(
      report.errors.filter((e) => e.code === 'compat-policy').map((e) => e.versions),
    ).to.deep.equal([
      ['1.0.0', '1.1.0'],
      ['1.1.0', '2.0.0'],
    ]);
    expect(report.compatibility.map((e) => [e.older, e.class, e.status])).to.deep.equal([
      ['1.0.0', 'FORWARD', 'violation'],
      ['1.1.0', 'NONE', 'violation'],
    ]);
  });

  it('passes an approved break and prints its reason; an unneeded approval is a warning', async () => {
    write(`export const compatibility = {
  default: 'FORWARD',
  approved: [
    { from: '1.1.0', to: '2.0.0', reason: 'the 2.0 rename: old builds cannot read 2.x' },
    { from: '1.0.0', to: '1.1.0', reason: 'not needed' },
  ],
};\n`);
    const run = await runCli(['check', '--compat'], dir);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include(
      'approved break 1.1.0 -> 2.0.0 is NONE, below FORWARD (policy default): the 2.0 rename: old builds cannot read 2.x\n',
    );
    expect(run.stdout).to.include(
      'warning compat-unused-approval: the approved break 1.0.0 -> 1.1.0 (not needed) matches no edge below its policy',
    );
  });

  it('refuses a policy it cannot read, naming the entry', async () => {
    write(
      `export const compatibility = { default: 'FORWARD', approved: [{ from: '1.1.0', to: '2.0.0' }] };\n`,
    );
    const run = await runCli(['check'], dir);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('compatibility.approved[0]: an approved break needs a reason');
    write(`export const compatibility = { '2.x': 'FULLY' };\n`);
    const bad = await runCli(['check'], dir);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include(
      "compatibility.'2.x': expected one of FULL, BACKWARD, FORWARD, NONE",
    );
  });

  it('checks --compat-runs', async () => {
    const run = await runCli(['check', '--compat', '--compat-runs', '0'], dir);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('--compat-runs: expected a positive integer, got 0');
  });
});
