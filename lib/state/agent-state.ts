/**
 * AgentState: the persisted state of the multi-agent system, its io-ts codecs per version,
 * its defaults and its validation. Field names are snake_case: these are JSON documents
 * shared with existing readers.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import * as t from 'io-ts';
import { StateVersionError } from '../core/errors.js';
import { currentLogger } from './logger.js';
import { formatValidationErrors } from '../core/report.js';
import { parseVersion } from '../core/version.js';

/** The newest AgentState version shipped. */
export const SCHEMA_VERSION = '1.1.0';

// --- codecs ---------------------------------------------------------------------------------

const Nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/** One chat message. */
export const Message = t.intersection(
  [
    t.type({
      type: t.keyof({
        HumanMessage: null,
        AIMessage: null,
        SystemMessage: null,
        ToolMessage: null,
      }),
      content: t.string,
    }),
    t.partial({ additional_kwargs: t.UnknownRecord, id: Nullable(t.string) }),
  ],
  'Message',
);

const listFields = [
  'subtasks',
  'agent_queue',
  'tool_calls',
  'pending_tools',
  'tool_errors',
  'coordination_rules',
  'decision_points',
  'episodic_memory',
  'agent_messages',
  'help_requests',
  'broadcast_messages',
  'pending_responses',
  'graph_path',
  'pending_tasks',
  'partial_updates',
  'interrupt_before',
  'interrupt_after',
  'error_log',
] as const;

const objectFields = [
  'task_progress',
  'task_metadata',
  'agent_outputs',
  'agent_status',
  'tool_results',
  'tool_permissions',
  'agent_roles',
  'short_term_memory',
  'working_memory',
  'shared_memory',
  'private_memory',
  'checkpoint_metadata',
  'branch_results',
  'channel_values',
  'stream_metadata',
  'subgraph_states',
  'subgraph_configs',
] as const;

const stringOrNullFields = [
  'current_task',
  'current_agent',
  'next_agent',
  'collaboration_prompt',
  'workflow_pattern',
  'interrupt_checkpoint',
  'resume_point',
  'thread_id',
  'checkpoint_id',
  'checkpoint_ts',
  'parent_checkpoint_id',
  'checkpoint_ns',
  'stream_mode',
  'parent_graph_id',
] as const;

const fieldsOf = <K extends string, C extends t.Mixed>(keys: readonly K[], codec: C) =>
  Object.fromEntries(keys.map((k) => [k, codec])) as { [key in K]: C };

const PerformanceMetrics = t.intersection([
  t.type({
    created_at: t.string,
    total_tool_calls: t.number,
    total_messages: t.number,
    total_agents_used: t.number,
  }),
  t.partial({ migration_applied: t.UnknownRecord }),
]);

const DebugFlags = t.type({
  trace_execution: t.boolean,
  log_state_changes: t.boolean,
  validate_permissions: t.boolean,
  record_performance: t.boolean,
});

const V1_0Fields = t.type({
  ...fieldsOf(listFields, t.UnknownArray),
  ...fieldsOf(objectFields, t.UnknownRecord),
  ...fieldsOf(stringOrNullFields, Nullable(t.string)),
  messages: t.array(Message),
  execution_trace: t.array(t.UnknownRecord),
  config: Nullable(t.UnknownRecord),
  pending_human_input: Nullable(t.UnknownRecord),
  should_continue: t.boolean,
  requires_human_approval: t.boolean,
  is_resuming: t.boolean,
  execution_mode: t.string,
  recursion_limit: t.Int,
  state_version: t.string,
  performance_metrics: PerformanceMetrics,
  debug_flags: DebugFlags,
});

/** AgentState 1.0.0. */
export const AgentStateV1_0 = t.exact(V1_0Fields, 'AgentStateV1_0');

/** One entry of `tool_permission_history` (1.1.0). */
export const PermissionHistoryEntry = t.type(
  {
    timestamp: t.string,
    event: t.string,
    changes: t.type({
      added: t.UnknownRecord,
      removed: t.UnknownRecord,
      modified: t.UnknownRecord,
    }),
    reason: t.string,
  },
  'PermissionHistoryEntry',
);

/** AgentState 1.1.0: 1.0.0 plus `tool_permission_history`. */
export const AgentStateV1_1 = t.exact(
  t.intersection([
    V1_0Fields,
    t.type({ tool_permission_history: t.array(PermissionHistoryEntry) }),
  ]),
  'AgentStateV1_1',
);

/** An AgentState at 1.0.0. */
export type AgentStateV1_0 = t.TypeOf<typeof AgentStateV1_0>;
/** An AgentState at 1.1.0. */
export type AgentStateV1_1 = t.TypeOf<typeof AgentStateV1_1>;
/** An AgentState at {@link SCHEMA_VERSION}. */
export type AgentState = AgentStateV1_1;

/** The codec of every shipped AgentState version. */
export const agentStateCodecs: Readonly<Record<string, t.Decoder<unknown, unknown>>> =
  Object.freeze({
    '1.0.0': AgentStateV1_0,
    '1.1.0': AgentStateV1_1,
  });

// --- defaults -------------------------------------------------------------------------------

/** Options of {@link createInitialState}; any other key overrides the field of that name. */
export interface InitialStateOptions {
  readonly collaboration_prompt?: string | null;
  readonly initial_message?: string;
  readonly [field: string]: unknown;
}

const emptyFields = (keys: readonly string[], make: () => unknown) =>
  Object.fromEntries(keys.map((k) => [k, make()]));

/**
 * A complete AgentState at {@link SCHEMA_VERSION} with every default; `initial_message`
 * becomes the first message. Unknown override keys are ignored with a warning.
 *
 * @example
 * createInitialState({ initial_message: 'Plan the release', current_task: 'release' })
 * @since 0.1.0
 */
export const createInitialState = (
  options: InitialStateOptions = {},
  now: Date = new Date(),
): AgentState => {
  const { collaboration_prompt = null, initial_message, ...overrides } = options;
  const timestamp = now.toISOString();
  const state: AgentState = {
    ...(emptyFields(listFields, () => []) as { [k in (typeof listFields)[number]]: unknown[] }),
    ...(emptyFields(objectFields, () => ({})) as {
      [k in (typeof objectFields)[number]]: Record<string, unknown>;
    }),
    ...(emptyFields(stringOrNullFields, () => null) as {
      [k in (typeof stringOrNullFields)[number]]: null;
    }),
    collaboration_prompt,
    messages:
      initial_message === undefined
        ? []
        : [{ type: 'HumanMessage', content: initial_message, additional_kwargs: {}, id: null }],
    config: null,
    pending_human_input: null,
    should_continue: true,
    requires_human_approval: false,
    is_resuming: false,
    execution_mode: 'sequential',
    recursion_limit: 25 as t.Int,
    state_version: SCHEMA_VERSION,
    execution_trace: [{ event: 'state_initialized', timestamp, details: 'Initial state created' }],
    performance_metrics: {
      created_at: timestamp,
      total_tool_calls: 0,
      total_messages: initial_message === undefined ? 0 : 1,
      total_agents_used: 0,
    },
    debug_flags: {
      trace_execution: false,
      log_state_changes: false,
      validate_permissions: true,
      record_performance: true,
    },
    tool_permission_history: [],
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (Object.prototype.hasOwnProperty.call(state, key)) {
      Object.defineProperty(state, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else {
      currentLogger().warn(`createInitialState: ignoring unknown field '${key}'`);
    }
  }
  return state;
};

// --- validation -----------------------------------------------------------------------------

/** Raised by {@link validateState}; lists every problem found. */
export class StateValidationError extends Error {
  override readonly name = 'StateValidationError' as const;
  /** The version the state was checked against. */
  readonly version: string;
  /** One readable line per problem. */
  readonly problems: readonly string[];

  constructor(
    message: string,
    details: { readonly version: string; readonly problems: readonly string[] },
  ) {
    super(message);
    this.version = details.version;
    this.problems = details.problems;
  }
}

/** The error listing every problem of a state checked against `version`. */
const invalidState = (version: string, problems: readonly string[]): StateValidationError =>
  new StateValidationError(`Invalid AgentState ${version}: ${problems.join('; ')}`, {
    version,
    problems,
  });

/** Values strict validation allows for `execution_mode`. */
export const EXECUTION_MODES: readonly string[] = [
  'sequential',
  'parallel',
  'supervisor',
  'map_reduce',
  'hierarchical',
];
/** Values strict validation allows for `workflow_pattern` (when set). */
export const WORKFLOW_PATTERNS: readonly string[] = [
  'sequential',
  'parallel',
  'pipeline',
  'map_reduce',
  'supervisor',
  'hierarchical',
  'reactive',
  'conditional',
  'loop',
  'custom',
];
/** Values strict validation allows in `agent_status`. */
export const AGENT_STATUSES: readonly string[] = [
  'active',
  'idle',
  'busy',
  'error',
  'paused',
  'completed',
  'initializing',
  'waiting',
  'processing',
  'stopped',
];

type Rule = (state: Record<string, unknown>) => string[];

const oneOf =
  (field: string, allowed: readonly string[], optional = false): Rule =>
  (state) => {
    const value = state[field];
    if (optional && value === null) return [];
    return allowed.includes(value as string)
      ? []
      : [`${field}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`];
  };

const eachValue =
  (field: string, expected: string, ok: (value: unknown) => boolean): Rule =>
  (state) => {
    const record = state[field];
    if (typeof record !== 'object' || record === null) return [];
    return Object.entries(record)
      .filter(([, value]) => !ok(value))
      .map(([key, value]) => `${field}.${key}: expected ${expected}, got ${JSON.stringify(value)}`);
  };

/** The rules strict validation adds to the codec. */
const strictRules: readonly Rule[] = [
  oneOf('execution_mode', EXECUTION_MODES),
  oneOf('workflow_pattern', WORKFLOW_PATTERNS, true),
  eachValue('agent_status', `one of ${AGENT_STATUSES.join(', ')}`, (v) =>
    AGENT_STATUSES.includes(v as string),
  ),
  eachValue(
    'task_progress',
    'a number in 0..100',
    (v) => typeof v === 'number' && v >= 0 && v <= 100,
  ),
  eachValue(
    'tool_permissions',
    'a list of strings',
    (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  ),
  (state) =>
    Array.isArray(state.agent_queue)
      ? state.agent_queue.flatMap((item, i) =>
          typeof item === 'string'
            ? []
            : [`agent_queue[${i}]: expected string, got ${JSON.stringify(item)}`],
        )
      : [],
  (state) =>
    typeof state.recursion_limit === 'number' && state.recursion_limit < 1
      ? [`recursion_limit: expected an integer >= 1, got ${state.recursion_limit}`]
      : [],
];

/** Options of {@link validateState}. */
export interface ValidateStateOptions {
  /** Also apply the value rules (allowed modes, statuses, ranges). Default `false`. */
  readonly strict?: boolean;
}

/**
 * Checks an AgentState against the codec of its own `state_version` (and, when `strict`, the
 * value rules). Returns `true`, or throws a {@link StateValidationError} listing every problem
 * (a `StateVersionError` when the version is missing, malformed or not an AgentState version).
 * Fields the schema does not know are reported as warnings through the logger.
 *
 * @example
 * validateState(createInitialState(), { strict: true }) // true
 * @since 0.1.0
 */
export const validateState = (state: unknown, options: ValidateStateOptions = {}): true => {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw invalidState('(unknown)', [
      `(root): expected an AgentState object, got ${JSON.stringify(state)}`,
    ]);
  }
  const record = state as Record<string, unknown>;
  const version = parseVersion(record.state_version);
  if (E.isLeft(version)) {
    throw new StateVersionError(`Invalid state_version: ${version.left.message}`, {
      reason: 'invalid_version',
      version: version.left.version,
    });
  }
  const codec = agentStateCodecs[version.right];
  if (codec === undefined) {
    throw new StateVersionError(
      `Unknown AgentState version ${version.right} (known: ${Object.keys(agentStateCodecs).join(', ')})`,
      { reason: 'unknown_version', version: version.right },
    );
  }
  const decoded = codec.decode(state);
  const problems = E.isLeft(decoded) ? formatValidationErrors(decoded.left) : [];
  if (options.strict) problems.push(...strictRules.flatMap((rule) => rule(record)));
  if (problems.length > 0) throw invalidState(version.right, problems);
  const known = new Set(E.isRight(decoded) ? Object.keys(decoded.right as object) : []);
  const unknown = Object.keys(record).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    currentLogger().warn(
      `validateState: fields not in AgentState ${version.right}: ${unknown.join(', ')}`,
    );
  }
  return true;
};
