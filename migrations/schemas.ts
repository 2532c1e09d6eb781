/**
 * The schemas of this migrations directory, for the `migraph` CLI: codecs by version, the
 * current version, and arbitraries: `migraph check` samples them to test each migration's
 * output against the next version's codec, and `migraph test` draws 1.0.0 states from them
 * (strictly valid ones, where the bare codec would allow any execution mode).
 *
 * @since 0.1.0
 */
import { agentStateV1_0Arbitrary } from '../lib/testing/agent-state.js';
import { agentStateCodecs, SCHEMA_VERSION } from '../lib/state/agent-state.js';

export const codecs = agentStateCodecs;
export const currentVersion = SCHEMA_VERSION;
export const arbitraries = { '1.0.0': agentStateV1_0Arbitrary() };
