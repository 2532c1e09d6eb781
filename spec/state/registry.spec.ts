import { expect } from 'chai';
import { silentLogger } from '../../lib/core/logger.js';
import {
  agentStateMigrations,
  autoMigrateState,
  benchmarkMigrationPerformance,
  clearMigrationRegistry,
  createInitialState,
  createMigrationBackup,
  createTestState,
  defaultMigrator,
  getRegisteredMigrations,
  MigrationError,
  MigrationTestError,
  migrateState,
  registerMigration,
  restoreFromBackup,
  setLogger,
  StateVersionError,
  validateMigration,
  validateMigrationRoundtrip,
  type AnyState,
} from '../../lib/index.js';
import { agentStateFixtures, recordingLogger } from '../support/fixtures.js';

const state1_0 = () =>
  agentStateFixtures().find(([f]) => f === 'team-without-permissions.json')![1];

/** Runs `body` on an empty default registry with a throw-away edge set, then restores the shipped one. */
const withCleanRegistry = (body: () => void | Promise<void>) => async () => {
  clearMigrationRegistry();
  try {
    await body();
  } finally {
    clearMigrationRegistry();
    for (const definition of agentStateMigrations) defaultMigrator.register(definition);
  }
};

describe('registry (seed-compatible module API)', () => {
  afterEach(() => setLogger(silentLogger));

  describe('registerMigration', () => {
    it(
      'registers a function and returns it unchanged',
      withCleanRegistry(() => {
        const fn = (s: AnyState) => ({ ...s, x: 1 });
        expect(registerMigration('1.1.0', '1.2.0')(fn)).to.equal(fn);
        expect(getRegisteredMigrations()).to.deep.equal({ '1.1.0->1.2.0': fn });
      }),
    );

    it(
      'works as a standard decorator on a class method',
      withCleanRegistry(() => {
        class Migrations {
          @registerMigration('1.1.0', '1.2.0')
          static addTags(state: AnyState) {
            return { ...state, tags: [] };
          }
        }
        expect(getRegisteredMigrations()['1.1.0->1.2.0']).to.equal(Migrations.addTags);
        const out = migrateState(createInitialState(), '1.2.0');
        expect(out.state_version).to.equal('1.2.0');
        expect(out.tags).to.deep.equal([]);
      }),
    );
  });

  describe('getRegisteredMigrations', () => {
    it('returns a fresh object with the registered function objects', () => {
      const a = getRegisteredMigrations();
      const b = getRegisteredMigrations();
      expect(a).to.not.equal(b);
      expect(Object.keys(a)).to.deep.equal(['1.0.0->1.1.0', '1.1.0->1.0.0']);
      expect(a['1.0.0->1.1.0']).to.equal(b['1.0.0->1.1.0']);
      delete a['1.0.0->1.1.0'];
      expect(getRegisteredMigrations()).to.have.property('1.0.0->1.1.0');
    });
  });

  describe('clearMigrationRegistry', () => {
    it(
      'removes every migration but keeps the AgentState codecs',
      withCleanRegistry(() => {
        expect(getRegisteredMigrations()).to.deep.equal({});
        registerMigration('1.0.0', '1.1.0')((s) => ({ ...s, tool_permission_history: 'wrong' }));
        expect(() => migrateState(state1_0(), '1.1.0')).to.throw(
          MigrationError,
          'validation failed',
        );
      }),
    );
  });

  describe('migrateState', () => {
    it('migrates to the target version', () => {
      expect(migrateState(state1_0(), '1.1.0').state_version).to.equal('1.1.0');
    });

    it('returns a state already at the target unchanged, as a copy', () => {
      const state = state1_0();
      const out = migrateState(state, '1.0.0');
      expect(out).to.deep.equal(state);
      expect(out).to.not.equal(state);
    });

    it('throws StateVersionError "No migration path found from X to Y"', () => {
      expect(() => migrateState({ state_version: '0.5.0' }, '1.1.0')).to.throw(
        StateVersionError,
        'No migration path found from 0.5.0 to 1.1.0',
      );
    });

    it(
      'throws MigrationError "Migration failed at X->Y: <cause>" when a step throws',
      withCleanRegistry(() => {
        registerMigration(
          '1.0.0',
          '1.1.0',
        )(() => {
          throw new Error('disk on fire');
        });
        expect(() => migrateState(state1_0(), '1.1.0')).to.throw(
          MigrationError,
          'Migration failed at 1.0.0->1.1.0: disk on fire',
        );
      }),
    );

    it(
      'throws MigrationError containing "validation failed" when the output is invalid',
      withCleanRegistry(() => {
        registerMigration('1.0.0', '1.1.0')((s) => s);
        expect(() => migrateState(state1_0(), '1.1.0'))
          .to.throw(MigrationError, 'validation failed')
          .with.property('validationErrors')
          .that.deep.equals([
            'tool_permission_history: expected Array<PermissionHistoryEntry>, got undefined',
          ]);
      }),
    );
  });

  describe('autoMigrateState', () => {
    it('migrates to SCHEMA_VERSION by default', () => {
      expect(autoMigrateState(state1_0()).state_version).to.equal('1.1.0');
    });

    it(
      'leaves the caller state untouched on failure and attaches the backup',
      withCleanRegistry(() => {
        registerMigration(
          '1.0.0',
          '1.1.0',
        )((s) => {
          s.agent_roles.intruder = 'x';
          throw new Error('nope');
        });
        const state = state1_0();
        const before = structuredClone(state);
        try {
          autoMigrateState(state);
          expect.fail('should have thrown');
        } catch (error) {
          expect(error).to.be.instanceOf(MigrationError);
          const { _migration_backup, ...backup } = (error as MigrationError).backup as AnyState;
          expect(backup).to.deep.equal(before);
          expect(_migration_backup.original_version).to.equal('1.0.0');
        }
        expect(state).to.deep.equal(before);
      }),
    );

    it('attaches the backup to a StateVersionError too', () => {
      const error = (() => {
        try {
          autoMigrateState({ state_version: '0.1.0' });
        } catch (e) {
          return e as StateVersionError;
        }
      })();
      expect(error).to.be.instanceOf(StateVersionError);
      expect(error!.backup).to.deep.include({ state_version: '0.1.0' });
    });
  });

  describe('backups', () => {
    it('createMigrationBackup deep-copies and adds _migration_backup', () => {
      const state = state1_0();
      const backup = createMigrationBackup(state);
      expect(backup._migration_backup.original_version).to.equal('1.0.0');
      expect(new Date(backup._migration_backup.timestamp).toString()).to.not.equal('Invalid Date');
      expect(backup.agent_roles).to.deep.equal(state.agent_roles);
      expect(backup.agent_roles).to.not.equal(state.agent_roles);
    });

    it('restoreFromBackup deep-copies without _migration_backup', () => {
      const state = state1_0();
      const backup = createMigrationBackup(state);
      const restored = restoreFromBackup(backup);
      expect(restored).to.deep.equal(state);
      expect(restored.agent_roles).to.not.equal(backup.agent_roles);
    });

    it('restoreFromBackup warns through the logger when the field is absent', () => {
      const { calls, logger } = recordingLogger();
      setLogger(logger);
      expect(restoreFromBackup({ a: 1 })).to.deep.equal({ a: 1 });
      expect(calls).to.have.length(1);
      expect(calls[0]).to.deep.include({ level: 'warn' });
    });
  });

  describe('createTestState', () => {
    it('is an initial state at the version with the test fields and trace event', () => {
      const state = createTestState('1.0.0', { current_agent: 'dev-1' });
      expect(state).to.deep.include({
        state_version: '1.0.0',
        current_task: 'test_task',
        agent_outputs: { test_agent: 'test_output' },
        current_agent: 'dev-1',
      });
      expect(state).to.not.have.property('tool_permission_history');
      expect(state.execution_trace.map((e: AnyState) => e.event)).to.deep.equal([
        'state_initialized',
        'test_state_created',
      ]);
    });

    it('lets overrides win', () => {
      expect(createTestState('1.1.0', { current_task: 'mine' }).current_task).to.equal('mine');
    });
  });

  describe('validateMigration', () => {
    it('returns true when the expected changes are produced', () => {
      expect(
        validateMigration('1.0.0', '1.1.0', { expectedChanges: { tool_permission_history: [] } }),
      ).to.equal(true);
    });

    it('accepts dotted field paths and custom test data', () => {
      const testData = state1_0();
      expect(
        validateMigration('1.0.0', '1.1.0', {
          testData,
          expectedChanges: { 'tool_permissions.pm-1': ['basic_tools'] },
        }),
      ).to.equal(true);
    });

    it('throws MigrationTestError naming a field that did not change as expected', () => {
      expect(() =>
        validateMigration('1.0.0', '1.1.0', {
          expectedChanges: { tool_permission_history: ['x'] },
        }),
      ).to.throw(
        MigrationTestError,
        "did not produce expected change for field 'tool_permission_history'",
      );
    });

    it('throws "Migration validation failed: …" when the migration fails', () => {
      expect(() => validateMigration('1.0.0', '9.0.0')).to.throw(
        MigrationTestError,
        /^Migration validation failed: No migration path/,
      );
    });
  });

  describe('validateMigrationRoundtrip', () => {
    it('passes for every shipped fixture', () => {
      for (const [, state] of agentStateFixtures())
        expect(validateMigrationRoundtrip(state, '1.1.0')).to.equal(true);
    });

    it(
      'names the field that was not preserved',
      withCleanRegistry(() => {
        registerMigration('1.0.0', '1.1.0', {
          down: ({ tool_permission_history: _h, ...s }) => ({ ...s, agent_roles: {} }),
        })((s) => ({ ...s, tool_permission_history: [] }));
        expect(() => validateMigrationRoundtrip(state1_0(), '1.1.0'))
          .to.throw(MigrationTestError, 'Data was not preserved')
          .with.property('fields')
          .that.deep.equals(['agent_roles']);
      }),
    );

    it('compares only the given fields', () => {
      expect(
        validateMigrationRoundtrip(state1_0(), '1.1.0', {
          fields: ['agent_roles', 'performance_metrics.total_messages'],
        }),
      ).to.equal(true);
    });
  });

  describe('benchmarkMigrationPerformance', () => {
    it('reports consistent timing figures', () => {
      const r = benchmarkMigrationPerformance(state1_0(), '1.1.0', 20);
      expect(r.iterations).to.equal(20);
      expect(r.minMs).to.be.at.most(r.p50Ms);
      expect(r.p50Ms).to.be.at.most(r.p95Ms);
      expect(r.p95Ms).to.be.at.most(r.maxMs);
      expect(r.meanMs).to.be.closeTo(r.totalMs / 20, 1e-9);
      expect(r.opsPerSecond).to.be.greaterThan(0);
    });

    it('throws MigrationTestError when the migration fails or iterations is bad', () => {
      expect(() => benchmarkMigrationPerformance(state1_0(), '7.0.0')).to.throw(MigrationTestError);
      expect(() => benchmarkMigrationPerformance(state1_0(), '1.1.0', 0)).to.throw(
        MigrationTestError,
      );
    });
  });

  it('createInitialState warns through setLogger about unknown overrides', () => {
    const { calls, logger } = recordingLogger();
    setLogger(logger);
    const state = createInitialState({ bogus: 1, current_task: 't' });
    expect(state).to.not.have.property('bogus');
    expect(state.current_task).to.equal('t');
    expect(calls).to.deep.equal([
      { level: 'warn', message: "createInitialState: ignoring unknown field 'bogus'" },
    ]);
  });
});
