import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCompleteProject, loadProblems, loadProject, ProjectError } from '../../lib/index.js';
import { makeProject } from '../support/cli.js';
import { right } from '../support/graphs.js';

const MIGRATION =
  "export default { from: '1.0.0', to: '1.1.0', up: (s) => ({ ...s, tags: [] }) };\n";
const SCHEMAS = `import * as t from 'io-ts';
export const codecs = { '1.1.0': t.type({ tags: t.array(t.string) }) };
export const currentVersion = '1.1.0';
export const versionKey = 'v';
`;

describe('loadProject', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = makeProject({ 'migrations/v1_0_0_to_v1_1_0.mjs': MIGRATION });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => path.join(dir, name);

  it('loads the migrations and the schemas module found beside them', async () => {
    writeFileSync(at('migrations/schemas.mjs'), SCHEMAS);
    const { migrator, schemasFile, report } = right(await loadProject({ dir: at('migrations') }));
    expect(schemasFile).to.equal(at('migrations/schemas.mjs'));
    expect(loadProblems(report)).to.deep.equal([]);
    expect(migrator.options).to.include({ currentVersion: '1.1.0', versionKey: 'v' });
    expect(migrator.migrateOrThrow({ v: '1.0.0' })).to.deep.equal({ v: '1.1.0', tags: [] });
    const bad = migrator.migrate({ v: '1.1.0', tags: [1] }, '1.1.0');
    expect(E.isLeft(bad) && bad.left.reason, 'already at the target: validated').to.equal(
      'invalid_input',
    );
  });

  it('reads a TypeScript schemas module given by path, also from a CommonJS package', async () => {
    const cjs = makeProject({ 'migrations/v1_0_0_to_v1_1_0.mjs': MIGRATION }, 'commonjs');
    try {
      mkdirSync(path.join(cjs, 'config'));
      writeFileSync(path.join(cjs, 'config/schemas.ts'), SCHEMAS.replace("'v'", "'version'"));
      const project = await loadProject({
        dir: path.join(cjs, 'migrations'),
        schemas: path.join(cjs, 'config/schemas.ts'),
      });
      expect(right(project).migrator.options).to.include({ versionKey: 'version' });
    } finally {
      rmSync(cjs, { recursive: true, force: true });
    }
  });

  it('is a Left for a missing directory, a missing or a malformed schemas module', async () => {
    writeFileSync(at('bad-schemas.mjs'), "export const codecs = 'nope';\n");
    writeFileSync(at('throws.mjs'), "throw new Error('boom');\n");
    const results = await Promise.all([
      loadProject({ dir: at('nowhere') }),
      loadProject({ dir: at('migrations'), schemas: at('absent.mjs') }),
      loadProject({ dir: at('migrations'), schemas: at('bad-schemas.mjs') }),
      loadProject({ dir: at('migrations'), schemas: at('throws.mjs') }),
    ]);
    const messages = results.map((r) => {
      expect(E.isLeft(r) && r.left).to.be.instanceOf(ProjectError);
      return (r as E.Left<ProjectError>).left.message;
    });
    expect(messages[0]).to.equal(`No migrations directory at ${at('nowhere')}`);
    expect(messages[1]).to.equal(`No schemas module at ${at('absent.mjs')}`);
    expect(messages[2]).to.include('exports codecs, but not as a record by version');
    expect(messages[3]).to.include('boom');
  });

  it('loadCompleteProject refuses a directory where a migration file fails to load', async () => {
    expect(right(await loadCompleteProject({ dir: at('migrations') })).versions()).to.deep.equal([
      '1.0.0',
      '1.1.0',
    ]);
    writeFileSync(at('migrations/v1_1_0_to_v1_2_0.mjs'), "throw new Error('broken script');\n");
    const result = await loadCompleteProject({ dir: at('migrations') });
    expect(E.isLeft(result) && result.left).to.be.instanceOf(ProjectError);
    expect((result as E.Left<ProjectError>).left.message).to.match(
      /^Cannot load .*v1_1_0_to_v1_2_0\.mjs: broken script$/,
    );
  });
});
