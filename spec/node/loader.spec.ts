import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  agentStateMigrations,
  clearMigrationRegistry,
  defaultMigrator,
  edgeOfFileName,
  fileNameOfEdge,
  getRegisteredMigrations,
  loadMigrationScripts,
  loadMigrationsInto,
  loadProject,
  Migrator,
  setLogger,
} from '../../lib/index.js';
import { silentLogger } from '../../lib/core/logger.js';
import { recordingLogger } from '../support/fixtures.js';

const definition = (from: string, to: string, extra = '') =>
  `export default { from: '${from}', to: '${to}', description: 'd', up: (s) => ({ ...s, via: '${from}->${to}' })${extra} };\n`;

describe('loader', () => {
  let dir: string;
  let outside: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'migraph-loader-'));
    outside = mkdtempSync(path.join(tmpdir(), 'migraph-outside-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
    setLogger(silentLogger);
  });

  const migratorWithLog = () => {
    const { calls, logger } = recordingLogger();
    return { calls, m: new Migrator({ logger }) };
  };

  it('maps file names to edges and back', () => {
    expect(edgeOfFileName('v1_0_0_to_v1_10_2.ts')).to.deep.equal(['1.0.0', '1.10.2']);
    expect(edgeOfFileName('v1_0_0_to_v1_1_0.d.ts')).to.equal(undefined);
    expect(edgeOfFileName('migration_template.ts')).to.equal(undefined);
    expect(fileNameOfEdge('1.1.0', '1.2.0')).to.equal('v1_1_0_to_v1_2_0');
  });

  it('loads every matching file in name order and counts them', async () => {
    writeFileSync(
      path.join(dir, 'v1_0_0_to_v1_1_0.mjs'),
      definition('1.0.0', '1.1.0', ', down: (s) => s'),
    );
    writeFileSync(path.join(dir, 'v1_1_0_to_v2_0_0.js'), definition('1.1.0', '2.0.0'));
    mkdirSync(path.join(dir, 'lib'));
    writeFileSync(path.join(dir, 'lib', 'helpers.mjs'), 'throw new Error("never imported")');
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    const { m, calls } = migratorWithLog();
    const report = await loadMigrationsInto(m, dir);
    expect(report.loaded).to.equal(2);
    expect(report.files.map((f) => [f.file, f.status, f.edges])).to.deep.equal([
      ['v1_0_0_to_v1_1_0.mjs', 'loaded', ['1.0.0->1.1.0', '1.1.0->1.0.0']],
      ['v1_1_0_to_v2_0_0.js', 'loaded', ['1.1.0->2.0.0']],
    ]);
    expect(calls).to.deep.equal([]);
    expect(m.migrateOrThrow({ state_version: '1.0.0' })).to.deep.equal({
      state_version: '2.0.0',
      via: '1.1.0->2.0.0',
    });
    expect(m.edges().map((e) => e.source)).to.deep.equal([
      'v1_0_0_to_v1_1_0.mjs',
      'v1_0_0_to_v1_1_0.mjs',
      'v1_1_0_to_v2_0_0.js',
    ]);
  });

  it('loads a CommonJS-compiled script (exports.default) through the interop wrapper', async () => {
    writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
    writeFileSync(
      path.join(dir, 'v1_0_0_to_v1_1_0.js'),
      'Object.defineProperty(exports, "__esModule", { value: true });\n' +
        "exports.default = { from: '1.0.0', to: '1.1.0', up: (s) => ({ ...s, cjs: true }) };\n",
    );
    const m = new Migrator();
    const report = await loadMigrationsInto(m, dir);
    expect(report.files.map((f) => f.status)).to.deep.equal(['loaded']);
    expect(m.migrateOrThrow({ state_version: '1.0.0' })).to.deep.equal({
      state_version: '1.1.0',
      cjs: true,
    });
  });

  it('gives 0 and one warning for a missing or empty directory', async () => {
    const { m, calls } = migratorWithLog();
    expect((await loadMigrationsInto(m, path.join(dir, 'nope'))).loaded).to.equal(0);
    expect((await loadMigrationsInto(m, dir)).loaded).to.equal(0);
    expect(calls.map((c) => c.level)).to.deep.equal(['warn', 'warn']);
  });

  it('skips a broken file with exactly one logger.error and does not count it', async () => {
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.mjs'), definition('1.0.0', '1.1.0'));
    writeFileSync(path.join(dir, 'v1_1_0_to_v1_2_0.mjs'), 'export default {{{ syntax error');
    writeFileSync(path.join(dir, 'v1_2_0_to_v1_3_0.mjs'), 'throw new Error("fails on import");');
    writeFileSync(path.join(dir, 'v1_3_0_to_v1_4_0.mjs'), 'export const nothing = 1;');
    const { m, calls } = migratorWithLog();
    const report = await loadMigrationsInto(m, dir);
    expect(report.loaded).to.equal(1);
    const errors = calls.filter((c) => c.level === 'error');
    expect(errors).to.have.length(3);
    expect(errors[0]!.message).to.contain('v1_1_0_to_v1_2_0.mjs');
    expect(errors[1]!.message).to.contain('fails on import');
    expect(errors[2]!.message).to.contain(
      'neither exports a migration definition nor registers one',
    );
  });

  it('reports a file whose name does not match the edge it registers', async () => {
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.mjs'), definition('1.0.0', '1.2.0'));
    const { m, calls } = migratorWithLog();
    const report = await loadMigrationsInto(m, dir);
    expect(report.mismatches.map((f) => f.problem)).to.deep.equal([
      'its name says 1.0.0->1.1.0 but it registers 1.0.0->1.2.0',
    ]);
    expect(calls).to.deep.equal([
      {
        level: 'warn',
        message:
          'loadMigrationScripts: v1_0_0_to_v1_1_0.mjs: its name says 1.0.0->1.1.0 but it registers 1.0.0->1.2.0',
      },
    ]);
  });

  it('does not load a symlink that leaves the directory, but loads one that stays inside', async () => {
    writeFileSync(path.join(outside, 'evil.mjs'), definition('1.0.0', '1.1.0'));
    symlinkSync(path.join(outside, 'evil.mjs'), path.join(dir, 'v1_0_0_to_v1_1_0.mjs'));
    mkdirSync(path.join(dir, 'lib'));
    writeFileSync(path.join(dir, 'lib', 'real.mjs'), definition('1.1.0', '1.2.0'));
    symlinkSync(path.join(dir, 'lib', 'real.mjs'), path.join(dir, 'v1_1_0_to_v1_2_0.mjs'));
    const { m, calls } = migratorWithLog();
    const report = await loadMigrationsInto(m, dir);
    expect(report.loaded).to.equal(1);
    expect(report.files.find((f) => f.file === 'v1_0_0_to_v1_1_0.mjs')!.status).to.equal('skipped');
    expect(m.versions()).to.deep.equal(['1.1.0', '1.2.0']);
    expect(calls.some((c) => c.level === 'warn' && c.message.includes('outside'))).to.equal(true);
  });

  it('prefers the compiled .js beside a .ts of the same name', async () => {
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.ts'), 'throw new Error("ts loaded")');
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.mjs'), definition('1.0.0', '1.1.0'));
    const { m, calls } = migratorWithLog();
    expect((await loadMigrationsInto(m, dir)).loaded).to.equal(1);
    expect(calls).to.deep.equal([]);
  });

  it('loading the same directory twice registers nothing twice', async () => {
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.mjs'), definition('1.0.0', '1.1.0'));
    const { m } = migratorWithLog();
    await loadMigrationsInto(m, dir);
    expect((await loadMigrationsInto(m, dir)).loaded).to.equal(1);
    expect(m.edges()).to.have.length(1);
  });

  it('ignores the declaration files and source maps a build writes beside scripts', async () => {
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.js'), definition('1.0.0', '1.1.0'));
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.d.ts'), 'export {};\n');
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.js.map'), '{}');
    const report = await loadMigrationsInto(new Migrator(), dir);
    expect(report.files.map((f) => [f.file, f.status])).to.deep.equal([
      ['v1_0_0_to_v1_1_0.js', 'loaded'],
    ]);
  });

  it('reports every file that is not a loadable migration once, and leaves companions alone', async () => {
    writeFileSync(path.join(dir, 'v1_0_0_to_v1_1_0.mjs'), definition('1.0.0', '1.1.0'));
    const misnamed = {
      'v1_1_0-to-v1_2_0.mjs': 'rename it v1_1_0_to_v1_2_0.mjs',
      'V1_1_0_to_V1_2_0.mjs': 'rename it v1_1_0_to_v1_2_0.mjs',
      '1.1.0-to-1.2.0.mjs': 'rename it v1_1_0_to_v1_2_0.mjs',
      'v1_1_0_to_v1_2_0.cjs': 'rename it v1_1_0_to_v1_2_0.js',
      'v1_1_0_to_v1_2_0.mts': 'rename it v1_1_0_to_v1_2_0.ts',
      'v1_1_0_to_v1_2_0.js.bak': '.js.bak is not a script extension',
      'v1_0_0-beta_1_to_v1_0_0.mjs': 'pre-release versions cannot be named by a file',
      'helpers.mjs': 'it is not a migration script',
      'notes.txt': 'it is not a migration script',
    };
    for (const file of Object.keys(misnamed)) {
      writeFileSync(path.join(dir, file), 'throw new Error("never imported")');
    }
    // Two compiled files for one migration: the .js loads, the .mjs is reported.
    writeFileSync(path.join(dir, 'v1_1_0_to_v2_0_0.js'), definition('1.1.0', '2.0.0'));
    writeFileSync(path.join(dir, 'v1_1_0_to_v2_0_0.mjs'), 'throw new Error("never imported")');
    const companions = [
      '.gitkeep',
      'README.md',
      'package.json',
      'schemas.mjs',
      'migration_template.ts',
      'v1_0_0_to_v1_1_0.d.ts',
      'v1_0_0_to_v1_1_0.mjs.map',
      'given-schemas.mjs',
    ];
    for (const file of companions) writeFileSync(path.join(dir, file), '{}');
    mkdirSync(path.join(dir, 'lib'));
    writeFileSync(path.join(dir, 'lib', 'shared.mjs'), 'throw new Error("never imported")');
    const { m, calls } = migratorWithLog();
    const report = await loadMigrationsInto(m, dir, { ignore: ['given-schemas.mjs'] });
    expect(report.loaded).to.equal(2);
    const skipped = report.files.filter((f) => f.status === 'skipped');
    expect(skipped.map((f) => f.file)).to.deep.equal(
      [...Object.keys(misnamed), 'v1_1_0_to_v2_0_0.mjs'].sort(),
    );
    for (const [file, problem] of Object.entries(misnamed)) {
      expect(skipped.find((f) => f.file === file)!.problem, file).to.include(problem);
    }
    expect(skipped.find((f) => f.file === 'v1_1_0_to_v2_0_0.mjs')!.problem).to.include(
      'v1_1_0_to_v2_0_0.js names the same migration',
    );
    // One warning per reported file, nothing about the companions.
    expect(calls.map((c) => c.level)).to.deep.equal(skipped.map(() => 'warn'));
    for (const f of skipped) {
      expect(calls.filter((c) => c.message.includes(` ${f.file}:`))).to.have.length(1);
    }
    expect(m.versions()).to.deep.equal(['1.0.0', '1.1.0', '2.0.0']);
  });

  it('checks its options', async () => {
    const m = new Migrator();
    for (const [options, message] of [
      [{ ignore: 'schemas.mjs' }, 'option ignore of loadMigrationsInto'],
      [{ timeoutMs: 0 }, 'option timeoutMs of loadMigrationsInto'],
      [{ timeoutMs: Infinity }, 'option timeoutMs of loadMigrationsInto'],
      [{ importModule: 'tsx' }, 'option importModule of loadMigrationsInto'],
      [
        { timeout: 5 },
        'Unknown option timeout of loadMigrationsInto (known: importModule, timeoutMs, ignore); did you mean timeoutMs?',
      ],
      [{ ignore: [3] }, 'Expected option ignore of loadMigrationsInto to be an array of strings'],
    ] as const) {
      let error: unknown;
      try {
        await loadMigrationsInto(m, dir, options as never);
      } catch (caught) {
        error = caught;
      }
      expect(error, message).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.include(message);
    }
  });

  describe('into the default migrator (loadMigrationScripts)', () => {
    afterEach(() => {
      clearMigrationRegistry();
      for (const d of agentStateMigrations) defaultMigrator.register(d);
    });

    it('loads self-registering (seed-style) scripts, also again after the registry is cleared', async () => {
      const registry = pathToFileURL(path.resolve('lib/registry.ts')).href;
      writeFileSync(
        path.join(dir, 'v2_0_0_to_v2_1_0.mjs'),
        `import { registerMigration } from '${registry}';\nregisterMigration('2.0.0', '2.1.0')((s) => ({ ...s, seed: true }));\n`,
      );
      expect(await loadMigrationScripts(dir)).to.equal(1);
      expect(getRegisteredMigrations()).to.have.property('2.0.0->2.1.0');
      clearMigrationRegistry();
      expect(await loadMigrationScripts(dir)).to.equal(1);
      expect(Object.keys(getRegisteredMigrations())).to.deep.equal(['2.0.0->2.1.0']);
    });

    it('loads the package migrations by default', async () => {
      clearMigrationRegistry();
      expect(await loadMigrationScripts()).to.equal(1);
      expect(Object.keys(getRegisteredMigrations())).to.deep.equal([
        '1.0.0->1.1.0',
        '1.1.0->1.0.0',
      ]);
    });

    it('gives every load its own registry: a project may define its own 1.0.0 -> 1.1.0', async () => {
      const registry = pathToFileURL(path.resolve('lib/registry.ts')).href;
      writeFileSync(
        path.join(dir, 'v1_0_0_to_v1_1_0.mjs'),
        `import { registerMigration } from '${registry}';\nregisterMigration('1.0.0', '1.1.0')((s) => ({ ...s, mine: true }));\n`,
      );
      const before = getRegisteredMigrations();
      const project = await loadProject({ dir });
      expect(project._tag).to.equal('Right');
      if (project._tag !== 'Right') return;
      expect(project.right.report.loaded).to.equal(1);
      expect(
        project.right.migrator.migrateOrThrow({ state_version: '1.0.0' }, '1.1.0'),
      ).to.deep.equal({
        state_version: '1.1.0',
        mine: true,
      });
      expect(getRegisteredMigrations()).to.deep.equal(before);
    });

    it('keeps the own description of a self-registered down edge', async () => {
      const registry = pathToFileURL(path.resolve('lib/registry.ts')).href;
      writeFileSync(
        path.join(dir, 'v1_0_0_to_v1_1_0.mjs'),
        `import { registerMigration } from '${registry}';\nregisterMigration('1.0.0', '1.1.0', { description: 'Add tags', downDescription: 'Drop tags', down: (s) => s })((s) => s);\n`,
      );
      const project = await loadProject({ dir });
      if (project._tag !== 'Right') throw project.left;
      expect(project.right.migrator.edges().map((e) => e.description)).to.deep.equal([
        'Add tags',
        'Drop tags',
      ]);
    });

    it('warns about a missing directory through setLogger', async () => {
      const { calls, logger } = recordingLogger();
      setLogger(logger);
      expect(await loadMigrationScripts(path.join(dir, 'absent'))).to.equal(0);
      expect(calls.map((c) => c.level)).to.deep.equal(['warn']);
    });
  });
});
