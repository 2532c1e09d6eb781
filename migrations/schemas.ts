/**
 * The schemas of this migrations directory, for the `migraph` CLI: codecs by version, the
 * current version, and arbitraries: `migraph check` samples them to test each migration's
 * output against the next version's codec, and `migraph test` draws 1.0.0 states from them
 * (strictly valid ones, where the bare codec would allow any execution mode). The arbitraries
 * are built by a function that imports fast-check's side only when `check` or `test` calls it,
 * so this module (and every other command) loads without fast-check, an optional peer.
 *
 * @since 0.1.0
 */
import { agentStateCodecs, SCHEMA_VERSION } from '../lib/state/agent-state.js';

export const codecs = agentStateCodecs;
export const currentVersion = SCHEMA_VERSION;
/** AgentState 1.0.0 arbitraries, built on the call (fast-check is imported then, not before). */
export const arbitraries = async () => {
  const { agentStateV1_0Arbitrary } = await import('../lib/testing/agent-state.js');
  return { '1.0.0': agentStateV1_0Arbitrary() };
};
