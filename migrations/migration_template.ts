/**
 * Template for a new AgentState migration. Copy it (or run `migraph new <from> <to>`), then:
 *
 * 1. Name the file `v{M}_{m}_{p}_to_v{M}_{m}_{p}.ts` after the edge it registers, e.g.
 *    `v1_1_0_to_v1_2_0.ts` for 1.1.0 → 1.2.0. The loader checks that the name and the
 *    `from`/`to` below agree.
 * 2. Write `up` as a pure transform: build and return a new state (spread what you keep).
 *    Do not touch `state_version` or `execution_trace`: the engine sets the version after each
 *    step and appends a trace event carrying the `changes` below.
 * 3. Give every new field a sensible default, and keep existing data: a migration that drops
 *    data should move it somewhere the next version can read.
 * 4. Write `down` so that `down(up(s))` gives `s` back (but for `state_version` and
 *    `execution_trace`). If `up` invents data (defaults), record what it invented in the new
 *    state so `down` can remove exactly that. Test the pair with `validateMigrationRoundtrip`
 *    or the property-based `assertRoundTrip`.
 * 5. Add an io-ts codec for the new version to the schemas module (for AgentState:
 *    `agent-state.ts`, and raise `SCHEMA_VERSION` there).
 * 6. Use `context.now()` for timestamps, never `new Date()`, so runs are reproducible.
 */
import { defineMigration } from 'migraph/define';

export default defineMigration({
  from: '__FROM__',
  to: '__TO__',
  description: 'Describe the schema change in one line',
  changes: ['added_example_field'],

  up: (state, _context) => ({
    ...state,
    example_field: state.example_field ?? [],
  }),

  down: ({ example_field: _removed, ...state }) => state,
});
