/**
 * fast-check arbitraries of AgentState documents, for property-based tests of migrations.
 *
 * @since 0.1.0
 */
import fc from 'fast-check';
import type { AnyState } from '../core/definition.js';
import { createInitialState } from '../state/agent-state.js';

const agentId = fc.constantFrom(
  'dev-1',
  'qa-1',
  'ops-1',
  'pm-1',
  'agent_x',
  '__proto__',
  'constructor',
);
const role = fc.oneof(
  fc.constantFrom(
    'Senior Developer',
    'QA Engineer',
    'Test automation',
    'DevOps',
    'Product Manager',
    '',
  ),
  fc.string(),
);
const text = fc.string({ maxLength: 40 });
const nullableText = fc.option(text, { nil: null });

const message = fc.record(
  {
    type: fc.constantFrom('HumanMessage', 'AIMessage', 'SystemMessage', 'ToolMessage'),
    content: fc.string({ unit: 'grapheme', maxLength: 60 }),
    additional_kwargs: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 3,
    }),
    id: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  },
  { requiredKeys: ['type', 'content'] },
);

/**
 * AgentState 1.0.0 documents that satisfy `AgentStateV1_0` (and strict validation), with
 * varied messages, roles, permissions (sometimes none), progress, memories and metrics.
 *
 * @example
 * fc.assert(fc.property(agentStateV1_0Arbitrary(), (s) => validateState(s, { strict: true })))
 * @since 0.1.0
 */
export const agentStateV1_0Arbitrary = (): fc.Arbitrary<AnyState> =>
  fc
    .record({
      messages: fc.array(message, { maxLength: 6 }),
      current_task: nullableText,
      agent_roles: fc.dictionary(agentId, role, { maxKeys: 4 }),
      tool_permissions: fc.oneof(
        fc.constant({}),
        fc.dictionary(agentId, fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }), {
          maxKeys: 4,
        }),
      ),
      task_progress: fc.dictionary(
        fc.string({ maxLength: 6 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        { maxKeys: 3 },
      ),
      agent_status: fc.dictionary(
        agentId,
        fc.constantFrom('active', 'idle', 'busy', 'waiting', 'completed'),
        { maxKeys: 3 },
      ),
      agent_queue: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
      shared_memory: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
        maxKeys: 4,
      }),
      execution_mode: fc.constantFrom(
        'sequential',
        'parallel',
        'supervisor',
        'map_reduce',
        'hierarchical',
      ),
      workflow_pattern: fc.option(fc.constantFrom('pipeline', 'supervisor', 'loop', 'custom'), {
        nil: null,
      }),
      recursion_limit: fc.integer({ min: 1, max: 500 }),
      config: fc.option(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        { nil: null },
      ),
      total_tool_calls: fc.nat(1000),
      migration_applied: fc.option(
        fc.dictionary(fc.constantFrom('0_9_to_1_0', 'other'), fc.string({ maxLength: 8 }), {
          maxKeys: 2,
        }),
        { nil: undefined },
      ),
    })
    .map(({ total_tool_calls, migration_applied, ...fields }) => {
      const { tool_permission_history: _history, ...base } = createInitialState(
        {},
        new Date('2026-01-05T10:00:00.000Z'),
      ) as AnyState;
      return {
        ...base,
        ...fields,
        state_version: '1.0.0',
        performance_metrics: {
          ...base.performance_metrics,
          total_tool_calls,
          total_messages: fields.messages.length,
          ...(migration_applied === undefined ? {} : { migration_applied }),
        },
      };
    });
