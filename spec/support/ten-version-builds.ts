// The ten-version example (examples/ten-versions) as a series of app releases for rollback
// specs (§17): release k ships the example's versions up to the k-th, each numbered `k.0.0`,
// because zustand and redux-persist store an integer version. The schemas and migrations are
// the example's own; only the labels differ (1.0.0 → 1, 1.1.0 → 2, …, 3.2.0 → 10).
import { Migrator, type MigrationDefinition, type MigratorOptions } from '../../lib/core/index.js';
import { codecs } from '../../examples/ten-versions/migrations/schemas.js';
import m1 from '../../examples/ten-versions/migrations/v1_0_0_to_v1_1_0.js';
import m2 from '../../examples/ten-versions/migrations/v1_1_0_to_v1_2_0.js';
import m3 from '../../examples/ten-versions/migrations/v1_2_0_to_v1_3_0.js';
import m4 from '../../examples/ten-versions/migrations/v1_3_0_to_v2_0_0.js';
import m5 from '../../examples/ten-versions/migrations/v2_0_0_to_v2_1_0.js';
import m6 from '../../examples/ten-versions/migrations/v2_1_0_to_v2_2_0.js';
import m7 from '../../examples/ten-versions/migrations/v2_2_0_to_v3_0_0.js';
import m8 from '../../examples/ten-versions/migrations/v3_0_0_to_v3_1_0.js';
import m9 from '../../examples/ten-versions/migrations/v3_1_0_to_v3_2_0.js';

/** The example's versions, oldest first. */
export const exampleVersions = Object.keys(codecs) as readonly (keyof typeof codecs)[];

const chain = [m1, m2, m3, m4, m5, m6, m7, m8, m9] as unknown as readonly MigrationDefinition[];

/** The release number of an example version (1.0.0 → 1, 3.2.0 → 10). */
export const releaseOf = (version: string): number =>
  exampleVersions.indexOf(version as keyof typeof codecs) + 1;

/** The example version release `k` introduced. */
export const exampleVersionOf = (release: number): string => exampleVersions[release - 1]!;

/**
 * Release `k`: a migrator with the example's first `k` versions (as `1.0.0` … `k.0.0`), their
 * codecs (from release `codecsFrom` on: older ones retired, as when only their snapshots are
 * left) and the migrations between them.
 */
export const release = (
  k: number,
  options: MigratorOptions = {},
  codecsFrom = 1,
): Migrator<object> => {
  const label = (version: string) => `${releaseOf(version)}.0.0`;
  const m = new Migrator<object>(options);
  for (const d of chain) {
    if (releaseOf(d.to) <= k) m.register({ ...d, from: label(d.from), to: label(d.to) });
  }
  for (const v of exampleVersions.slice(codecsFrom - 1, k)) m.schema(label(v), codecs[v]);
  return m;
};

/** A first-release profile as an app stores it (no version field: the store keeps it apart). */
export const firstProfile = (name: string): Record<string, unknown> => ({
  name,
  email: `${name.toLowerCase()}@example.org`,
  theme: 'dark',
  tags: ['a'],
});

/**
 * The state a fresh install of release `k` starts with. zustand merges a hydrated state over
 * it (shallowly), so it has only fields every state of `k` has: an optional one (the example's
 * `tags` and `labels_implicit`) would be added to a newer state on its way back.
 */
export const freshInstall = (k: number): Record<string, unknown> => {
  const at = release(10).migrateOrThrow(
    { state_version: '1.0.0', ...firstProfile('Newcomer') },
    `${k}.0.0`,
  ) as Record<string, unknown>;
  const { state_version: _v, readableFrom: _r, tags: _t, labels_implicit: _l, ...state } = at;
  return state;
};
