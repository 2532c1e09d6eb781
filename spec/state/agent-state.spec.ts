import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import {
  AgentStateV1_0,
  AgentStateV1_1,
  createInitialState,
  defaultMigrator,
  Migrator,
  SCHEMA_VERSION,
  StateValidationError,
  StateVersionError,
  validateState,
  type AnyState,
} from '../../lib/index.js';
import migration from '../../migrations/v1_0_0_to_v1_1_0.js';
import { agentStateFixtures } from '../support/fixtures.js';

const at = new Date('2026-02-01T00:00:00.000Z');
const fixed = () =>
  new Migrator({ clock: () => at, currentVersion: SCHEMA_VERSION })
    .schema('1.0.0', AgentStateV1_0)
    .schema('1.1.0', AgentStateV1_1)
    .register(migration);
const fixture = (name: string) => agentStateFixtures().find(([f]) => f === `${name}.json`)![1];
const problemsOf = (state: unknown, strict = false): readonly string[] => {
  try {
    validateState(state, { strict });
    return [];
  } catch (error) {
    expect(error).to.be.instanceOf(StateValidationError);
    return (error as StateValidationError).problems;
  }
};

describe('AgentState', () => {
  describe('createInitialState', () => {
    it('is a complete, strictly valid state at SCHEMA_VERSION', () => {
      const state = createInitialState();
      expect(SCHEMA_VERSION).to.equal('1.1.0');
      expect(state.state_version).to.equal(SCHEMA_VERSION);
      expect(validateState(state, { strict: true })).to.equal(true);
      expect(state.execution_trace).to.have.length(1);
      expect(state.execution_trace[0]).to.deep.include({ event: 'state_initialized' });
      expect(state).to.deep.include({
        should_continue: true,
        requires_human_approval: false,
        is_resuming: false,
        execution_mode: 'sequential',
        recursion_limit: 25,
        config: null,
        current_task: null,
        messages: [],
        tool_permission_history: [],
      });
      expect(state.debug_flags).to.deep.equal({
        trace_execution: false,
        log_state_changes: false,
        validate_permissions: true,
        record_performance: true,
      });
    });

    it('turns initial_message into one HumanMessage and counts it', () => {
      const state = createInitialState({
        initial_message: 'hello',
        collaboration_prompt: 'work together',
      });
      expect(state.messages).to.deep.equal([
        { type: 'HumanMessage', content: 'hello', additional_kwargs: {}, id: null },
      ]);
      expect(state.performance_metrics.total_messages).to.equal(1);
      expect(state.collaboration_prompt).to.equal('work together');
    });

    it('gives every call fresh lists and objects', () => {
      const a = createInitialState();
      a.messages.push({ type: 'AIMessage', content: 'x' });
      expect(createInitialState().messages).to.deep.equal([]);
    });
  });

  describe('validateState', () => {
    it('accepts every fixture as 1.0.0, strictly', () => {
      for (const [name, state] of agentStateFixtures())
        expect(validateState(state, { strict: true }), name).to.equal(true);
    });

    it('checks a state against the codec of its own version', () => {
      const v1_0 = fixture('minimal');
      expect(problemsOf({ ...v1_0, state_version: '1.1.0' })).to.deep.equal([
        'tool_permission_history: expected Array<PermissionHistoryEntry>, got undefined',
      ]);
    });

    it('lists every problem in one error', () => {
      const bad = {
        ...fixture('minimal'),
        messages: [{ type: 'Bot', content: 1 }],
        recursion_limit: 2.5,
        debug_flags: {},
      };
      const problems = problemsOf(bad);
      expect(problems).to.include.members([
        'messages[0].type: expected "HumanMessage" | "AIMessage" | "SystemMessage" | "ToolMessage", got "Bot"',
        'messages[0].content: expected string, got 1',
        'recursion_limit: expected Int, got 2.5',
        'debug_flags.trace_execution: expected boolean, got undefined',
      ]);
      expect(() => validateState(bad)).to.throw(
        StateValidationError,
        /^Invalid AgentState 1\.0\.0: /,
      );
    });

    const strictCases: [string, AnyState, string][] = [
      [
        'execution_mode',
        { execution_mode: 'chaos' },
        'execution_mode: expected one of sequential, parallel, supervisor, map_reduce, hierarchical, got "chaos"',
      ],
      ['workflow_pattern', { workflow_pattern: 'zigzag' }, 'workflow_pattern: expected one of'],
      [
        'agent_status',
        { agent_status: { a: 'sleeping' } },
        'agent_status.a: expected one of active',
      ],
      [
        'task_progress',
        { task_progress: { t: 101 } },
        'task_progress.t: expected a number in 0..100, got 101',
      ],
      [
        'task_progress type',
        { task_progress: { t: '50' } },
        'task_progress.t: expected a number in 0..100',
      ],
      [
        'tool_permissions',
        { tool_permissions: { a: ['x', 3] } },
        'tool_permissions.a: expected a list of strings',
      ],
      ['agent_queue', { agent_queue: ['a', 7] }, 'agent_queue[1]: expected string, got 7'],
      [
        'recursion_limit',
        { recursion_limit: 0 },
        'recursion_limit: expected an integer >= 1, got 0',
      ],
    ];
    for (const [rule, change, message] of strictCases) {
      it(`strict mode checks ${rule}`, () => {
        const state = { ...fixture('minimal'), ...change };
        expect(problemsOf(state, false)).to.deep.equal([]);
        expect(problemsOf(state, true).join('\n')).to.contain(message);
      });
    }

    it('allows a null workflow_pattern in strict mode', () => {
      expect(problemsOf({ ...fixture('minimal'), workflow_pattern: null }, true)).to.deep.equal([]);
    });

    it('rejects unknown or malformed versions with StateVersionError', () => {
      expect(() => validateState({ ...fixture('minimal'), state_version: '9.0.0' })).to.throw(
        StateVersionError,
        'Unknown AgentState version 9.0.0',
      );
      expect(() => validateState({ ...fixture('minimal'), state_version: 'x' })).to.throw(
        StateVersionError,
      );
      expect(() => validateState(null)).to.throw(StateValidationError);
    });
  });

  describe('migration 1.0.0 -> 1.1.0', () => {
    it('migrates every fixture, validates as 1.1.0, and comes back intact', () => {
      const m = fixed();
      for (const [name, state] of agentStateFixtures()) {
        const before = structuredClone(state);
        const up = m.migrateOrThrow(state, '1.1.0');
        expect(validateState(up, { strict: true }), name).to.equal(true);
        const down = m.migrateOrThrow(up, '1.0.0');
        expect(validateState(down, { strict: true }), name).to.equal(true);
        const strip = ({ state_version: _v, execution_trace: _t, ...rest }: AnyState) => rest;
        expect(strip(down), name).to.deep.equal(strip(before));
        expect(state, name).to.deep.equal(before);
        expect(down.execution_trace.map((e: AnyState) => e.event)).to.deep.equal([
          'state_initialized',
          'state_migration',
          'state_reverse_migration',
        ]);
      }
    });

    it('records existing permissions as the initial history entry', () => {
      const up = fixed().migrateOrThrow(fixture('team-with-permissions'), '1.1.0');
      expect(up.tool_permissions).to.deep.equal({
        'dev-1': ['code_writer', 'git_tools'],
        'qa-1': ['test_runner'],
      });
      expect(up.tool_permission_history).to.deep.equal([
        {
          timestamp: at.toISOString(),
          event: 'migration_1_0_to_1_1',
          changes: { added: up.tool_permissions, removed: {}, modified: {} },
          reason: 'Initial permissions from migration',
        },
      ]);
    });

    it('grants role-based defaults when there are no permissions, first match wins', () => {
      const up = fixed().migrateOrThrow(fixture('team-without-permissions'), '1.1.0');
      expect(up.tool_permissions).to.deep.equal({
        'dev-1': ['basic_tools', 'code_writer', 'file_manager', 'git_tools'],
        'qa-1': ['basic_tools', 'test_runner', 'bug_tracker'],
        'ops-1': ['basic_tools', 'deployment_tools', 'monitoring_tools'],
        'pm-1': ['basic_tools'],
      });
      expect(up.tool_permission_history).to.deep.equal([]);
      const roles = { a: 'TEST developer', b: 'Tester', c: 'devops QA', d: 42 };
      const mixed = fixed().migrateOrThrow({ ...fixture('minimal'), agent_roles: roles }, '1.1.0');
      expect(mixed.tool_permissions).to.deep.equal({
        a: ['basic_tools', 'code_writer', 'file_manager', 'git_tools'],
        b: ['basic_tools', 'test_runner', 'bug_tracker'],
        c: ['basic_tools', 'test_runner', 'bug_tracker'],
        d: ['basic_tools'],
      });
    });

    it('records migration_applied alongside existing entries, and down removes only its own', () => {
      const state = fixture('minimal');
      state.performance_metrics.migration_applied = { earlier: 'kept' };
      const up = fixed().migrateOrThrow(state, '1.1.0');
      expect(Object.keys(up.performance_metrics.migration_applied)).to.deep.equal([
        'earlier',
        '1_0_to_1_1',
      ]);
      expect(up.performance_metrics.migration_applied['1_0_to_1_1'].applied_at).to.equal(
        at.toISOString(),
      );
      const down = fixed().migrateOrThrow(up, '1.0.0');
      expect(down.performance_metrics.migration_applied).to.deep.equal({ earlier: 'kept' });
      const plain = fixed().migrateOrThrow(
        fixed().migrateOrThrow(fixture('minimal'), '1.1.0'),
        '1.0.0',
      );
      expect(plain.performance_metrics).to.not.have.property('migration_applied');
    });

    it('down keeps permissions added after the upgrade and removes only the granted defaults', () => {
      const up = fixed().migrateOrThrow(fixture('team-without-permissions'), '1.1.0');
      up.tool_permissions['pm-1'] = [...up.tool_permissions['pm-1'], 'roadmap'];
      up.tool_permissions['new-1'] = ['search'];
      const down = fixed().migrateOrThrow(up, '1.0.0');
      expect(down.tool_permissions).to.deep.equal({ 'pm-1': ['roadmap'], 'new-1': ['search'] });
      expect(down).to.not.have.property('tool_permission_history');
    });

    it('is pure: the script does not mutate its argument', () => {
      const state = fixture('conversation');
      const before = structuredClone(state);
      migration.up(state as never, { from: '1.0.0', to: '1.1.0', direction: 'up', now: () => at });
      expect(state).to.deep.equal(before);
    });

    it('is what the default migrator runs', () => {
      expect(defaultMigrator.edges().map((e) => e.fn)).to.deep.equal([
        migration.up,
        migration.down,
      ]);
      expect(E.isRight(defaultMigrator.plan('1.0.0', '1.1.0'))).to.equal(true);
    });
  });
});
