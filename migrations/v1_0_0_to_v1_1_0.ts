/**
 * AgentState 1.0.0 → 1.1.0: add `tool_permission_history`.
 *
 * Up creates the history; when the state already has permissions it records them as the
 * initial entry, and when it has none it grants every agent of `agent_roles` default tools by
 * role. It records what it granted under `performance_metrics.migration_applied['1_0_to_1_1']`
 * so that down removes exactly that: `down(up(s))` equals `s` but for `state_version` and
 * `execution_trace`.
 */
import { defineMigration } from '../lib/core/definition.js';
import type { AgentStateV1_0, AgentStateV1_1 } from '../lib/state/agent-state.js';

/** Key of this migration in `performance_metrics.migration_applied`. */
export const MIGRATION_KEY = '1_0_to_1_1';

/** Tools every agent gets when a 1.0.0 state has no permissions at all. */
export const BASIC_TOOLS = ['basic_tools'] as const;

/** Extra tools by role, first match wins; roles are matched case-insensitively. */
export const ROLE_TOOLS: readonly (readonly [
  match: readonly string[],
  tools: readonly string[],
])[] = [
  [['developer'], ['code_writer', 'file_manager', 'git_tools']],
  [
    ['qa', 'test'],
    ['test_runner', 'bug_tracker'],
  ],
  [['devops'], ['deployment_tools', 'monitoring_tools']],
];

/** What up recorded in `migration_applied`, so down can undo it. */
interface AppliedRecord {
  readonly applied_at: string;
  /** Permissions up granted as defaults (agent → tools); empty when the state had its own. */
  readonly granted_permissions: Record<string, string[]>;
  /** Whether up created `migration_applied` (so down drops it again when it is left empty). */
  readonly created_migration_applied: boolean;
}

/** The default tools of an agent with this role. */
export const defaultToolsFor = (role: unknown): string[] => {
  const name = typeof role === 'string' ? role.toLowerCase() : '';
  const match = ROLE_TOOLS.find(([needles]) => needles.some((needle) => name.includes(needle)));
  return [...BASIC_TOOLS, ...(match?.[1] ?? [])];
};

const isEmpty = (record: object): boolean => Object.keys(record).length === 0;

export default defineMigration<AgentStateV1_0, AgentStateV1_1>({
  from: '1.0.0',
  to: '1.1.0',
  description: 'Add tool permission history',
  downDescription: 'Remove tool permission history and the default permissions it granted',
  changes: [
    'added_tool_permission_history',
    'default_tool_permissions_by_role',
    'recorded_migration_applied',
  ],

  up: (state, { now }) => {
    const timestamp = now().toISOString();
    const own = state.tool_permissions;
    const granted: Record<string, string[]> = isEmpty(own)
      ? Object.fromEntries(
          Object.entries(state.agent_roles).map(([agent, role]) => [agent, defaultToolsFor(role)]),
        )
      : {};
    const applied: AppliedRecord = {
      applied_at: timestamp,
      granted_permissions: granted,
      created_migration_applied: state.performance_metrics.migration_applied === undefined,
    };
    return {
      ...state,
      tool_permissions: isEmpty(own) ? structuredClone(granted) : own,
      tool_permission_history: isEmpty(own)
        ? []
        : [
            {
              timestamp,
              event: 'migration_1_0_to_1_1',
              changes: { added: structuredClone(own), removed: {}, modified: {} },
              reason: 'Initial permissions from migration',
            },
          ],
      performance_metrics: {
        ...state.performance_metrics,
        migration_applied: {
          ...state.performance_metrics.migration_applied,
          [MIGRATION_KEY]: applied,
        },
      },
    };
  },

  down: (state) => {
    const { tool_permission_history: _history, ...rest } = state;
    const { migration_applied = {}, ...metrics } = state.performance_metrics;
    const { [MIGRATION_KEY]: record, ...otherApplied } = migration_applied as Record<
      string,
      unknown
    >;
    const applied = record as AppliedRecord | undefined;
    const granted = applied?.granted_permissions ?? {};
    const dropApplied = isEmpty(otherApplied) && applied?.created_migration_applied !== false;
    // Entries and Maps, not indexing: agent ids are data and may be '__proto__'.
    const grantedTools = new Map(Object.entries(granted));
    const tool_permissions = Object.fromEntries(
      Object.entries(state.tool_permissions).flatMap(([agent, tools]) => {
        const added = grantedTools.get(agent);
        if (added === undefined || !Array.isArray(tools)) return [[agent, tools]];
        const kept = tools.filter((tool) => !added.includes(tool));
        return kept.length === 0 ? [] : [[agent, kept]];
      }),
    );
    return {
      ...rest,
      tool_permissions,
      performance_metrics: dropApplied ? metrics : { ...metrics, migration_applied: otherApplied },
    };
  },
});
