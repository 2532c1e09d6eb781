/**
 * fast-check arbitraries of AgentState documents, derived from the io-ts codecs with
 * {@link arbitraryFor}: the 1.0.0 codec intersected with the rules strict validation adds.
 *
 * @since 0.1.0
 */
import type fc from 'fast-check';
import * as t from 'io-ts';
import type { AnyState } from '../core/definition.js';
import {
  AGENT_STATUSES,
  AgentStateV1_0,
  EXECUTION_MODES,
  WORKFLOW_PATTERNS,
} from '../state/agent-state.js';
import { arbitraryFor } from './arbitrary.js';

const oneOf = (values: readonly string[], name: string) =>
  t.keyof(Object.fromEntries(values.map((v) => [v, null])), name);

/** The brand of `task_progress` values in strict AgentState: percentages, 0 to 100. */
export interface PercentBrand {
  readonly Percent: unique symbol;
}
/** The brand of `recursion_limit` in strict AgentState: an integer of at least 1. */
export interface PositiveBrand {
  readonly Positive: unique symbol;
}

/** A number in 0..100. */
const Percent = t.brand(
  t.number,
  (n): n is t.Branded<number, PercentBrand> => n >= 0 && n <= 100,
  'Percent',
);

/** An integer of at least 1. */
const PositiveInt = t.brand(t.Int, (n): n is t.Branded<t.Int, PositiveBrand> => n >= 1, 'Positive');

/**
 * The rules `validateState(state, { strict: true })` adds to the codec, as a codec: allowed
 * execution modes, workflow patterns and agent statuses, progress in 0..100, permissions as
 * lists of strings, queue items as strings, `recursion_limit` ≥ 1.
 *
 * @since 0.1.0
 */
export const AgentStateStrictRules = t.type(
  {
    execution_mode: oneOf(EXECUTION_MODES, 'ExecutionMode'),
    workflow_pattern: t.union([oneOf(WORKFLOW_PATTERNS, 'WorkflowPattern'), t.null]),
    agent_status: t.record(t.string, oneOf(AGENT_STATUSES, 'AgentStatus')),
    task_progress: t.record(t.string, Percent),
    tool_permissions: t.record(t.string, t.array(t.string)),
    agent_queue: t.array(t.string),
    recursion_limit: PositiveInt,
  },
  'AgentStateStrictRules',
);

/**
 * AgentState 1.0.0 as strict validation accepts it: `AgentStateV1_0` and
 * {@link AgentStateStrictRules}.
 *
 * @since 0.1.0
 */
export const AgentStateV1_0Strict = t.intersection(
  [AgentStateV1_0, AgentStateStrictRules],
  'AgentStateV1_0Strict',
);

/**
 * AgentState 1.0.0 documents that satisfy `AgentStateV1_0` and strict validation, derived from
 * {@link AgentStateV1_0Strict} by `arbitraryFor`: every field varies, optional ones
 * (`performance_metrics.migration_applied`, a message's `id`) are sometimes absent, and
 * `state_version` is `'1.0.0'`.
 *
 * @example
 * fc.assert(fc.property(agentStateV1_0Arbitrary(), (s) => validateState(s, { strict: true })))
 * @since 0.1.0
 */
export const agentStateV1_0Arbitrary = (): fc.Arbitrary<AnyState> =>
  arbitraryFor(AgentStateV1_0Strict).map((state) => ({ ...state, state_version: '1.0.0' }));
