// The package as users import it: by name, through its exports map (the built dist/).
import { expect } from 'chai';
import * as root from 'migraph';
import * as define from 'migraph/define';
import * as state from 'migraph/state';

describe('package surface', () => {
  it('imports itself by name', () => {
    expect(root.Migrator).to.be.a('function');
    expect(new root.Migrator().register('1.0.0', '2.0.0', (s) => s).versions()).to.deep.equal([
      '1.0.0',
      '2.0.0',
    ]);
  });

  it('exports every function of the seed-compatible API from the root', () => {
    for (const name of [
      'registerMigration',
      'getRegisteredMigrations',
      'clearMigrationRegistry',
      'migrateState',
      'autoMigrateState',
      'createMigrationBackup',
      'restoreFromBackup',
      'loadMigrationScripts',
      'createTestState',
      'validateMigration',
      'validateMigrationRoundtrip',
      'benchmarkMigrationPerformance',
      'setLogger',
      'compareVersions',
      'isCompatibleVersion',
    ] as const) {
      expect(root[name], name).to.be.a('function');
    }
    expect(new root.StateVersionError('x', { reason: 'no_path' }).name).to.equal(
      'StateVersionError',
    );
    expect(
      new root.MigrationError('x', { reason: 'step_failed', from: 'a', to: 'b', step: 0 }).name,
    ).to.equal('MigrationError');
    expect(new root.MigrationTestError('x').name).to.equal('MigrationTestError');
  });

  it('migraph/define gives migration scripts defineMigration alone, the same function as the root', () => {
    expect(Object.keys(define).sort()).to.deep.equal(['defineMigration', 'isMigrationDefinition']);
    expect(define.defineMigration).to.equal(root.defineMigration);
  });

  it('migraph/state re-exports the very same objects as the root', () => {
    expect(state.migrateState).to.equal(root.migrateState);
    expect(state.autoMigrateState).to.equal(root.autoMigrateState);
    expect(state.StateVersionError).to.equal(root.StateVersionError);
    expect(state.createInitialState).to.equal(root.createInitialState);
    expect(state.validateState).to.equal(root.validateState);
    expect(state.SCHEMA_VERSION).to.equal('1.1.0');
    expect(state.AgentStateV1_0).to.equal(root.AgentStateV1_0);
  });

  it('the built default migrator has the shipped migrations loaded', () => {
    expect(Object.keys(root.getRegisteredMigrations())).to.deep.equal([
      '1.0.0->1.1.0',
      '1.1.0->1.0.0',
    ]);
    const migrated = state.migrateState(state.createInitialState(), '1.0.0');
    expect(migrated.state_version).to.equal('1.0.0');
  });
});
