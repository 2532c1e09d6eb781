// `--validate <mode>`: the project's validation mode, the same in this process and in the
// worker threads of NDJSON files (§19's `--validate final`).
import { expect } from 'chai';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeProject, runCli } from '../support/cli.js';

/**
 * 1.0.0 → 1.1.0 → 2.0.0, where the first step leaves out a field 1.1.0 requires and the
 * second adds what 2.0.0 requires: only the final state is valid.
 */
const files = {
  'migrations/schemas.mjs': `import * as t from 'io-ts';
export const codecs = {
  '1.0.0': t.type({ state_version: t.string, a: t.number }),
  '1.1.0': t.type({ state_version: t.string, a: t.number, b: t.string }),
  '2.0.0': t.type({ state_version: t.string, c: t.number }),
};
`,
  'migrations/v1_0_0_to_v1_1_0.mjs': `export default { from: '1.0.0', to: '1.1.0', up: (s) => ({ ...s }) };\n`,
  'migrations/v1_1_0_to_v2_0_0.mjs': `export default { from: '1.1.0', to: '2.0.0', up: (s) => ({ state_version: s.state_version, c: s.a }) };\n`,
  'states.ndjson': `${[1, 2, 3].map((a) => JSON.stringify({ state_version: '1.0.0', a })).join('\n')}\n`,
};

describe('migraph --validate', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = makeProject(files);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const migrated = (out: string) =>
    readFileSync(path.join(dir, out, 'states.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown);

  it('checks every step by default: the invalid intermediate state is rejected', async () => {
    const run = await runCli(['migrate', 'states.ndjson', '--out', 'each'], dir);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(/1\.1\.0 schema validation failed/);
  });

  for (const threads of ['0', '1']) {
    it(`final checks only the result (--threads ${threads})`, async () => {
      const out = `final-${threads}`;
      const run = await runCli(
        ['--validate', 'final', 'migrate', 'states.ndjson', '--out', out, '--threads', threads],
        dir,
      );
      expect(run.code, run.stderr).to.equal(0);
      expect(migrated(out)).to.deep.equal(
        [1, 2, 3]
          .map((c) => ({ state_version: '2.0.0', c, execution_trace: undefined }))
          .map(({ state_version, c }) => ({ state_version, c })),
      );
    });
  }

  it('final still rejects a result its codec refuses', async () => {
    const bad = makeProject({
      ...files,
      'migrations/v1_1_0_to_v2_0_0.mjs': `export default { from: '1.1.0', to: '2.0.0', up: (s) => ({ state_version: s.state_version }) };\n`,
    });
    try {
      const run = await runCli(
        ['--validate', 'final', 'migrate', 'states.ndjson', '--out', 'o'],
        bad,
      );
      expect(run.code).to.equal(1);
      expect(run.stderr).to.match(/2\.0\.0 schema validation failed/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('refuses a mode it does not know, naming the ones it does (exit 2)', async () => {
    const run = await runCli(['--validate', 'last', 'migrate', 'states.ndjson', '--out', 'x'], dir);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('--validate: expected one of each-step, final, off, got last');
  });
});
