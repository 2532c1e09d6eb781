/**
 * `describeMigrations`: the round trips of {@link testMigrations} as tests of the caller's own
 * runner (mocha, vitest, jest), one per edge and per path, through `describe` and `it`.
 *
 * @since 0.1.0
 */
import { MigrationTestError } from '../core/errors.js';
import type { Migrator } from '../core/migrator.js';
import {
  formatRoundTrip,
  resolveTestOptions,
  roundTripCases,
  roundTripTitle,
  runRoundTrip,
  type TestMigrationsOptions,
  withSnapshots,
} from './test-migrations.js';
import { checkOptions } from '../core/options.js';

/**
 * What describeMigrations needs of a test runner: mocha's, vitest's or jest's `describe`, and
 * an `it` that awaits a test returning a promise (each round trip is async).
 */
export interface TestRunner {
  readonly describe: (title: string, body: () => void) => unknown;
  readonly it: ((title: string, body: () => Promise<void>) => unknown) & {
    readonly skip?: (title: string, body: () => Promise<void>) => unknown;
  };
}

/** Options of {@link describeMigrations}. */
export interface DescribeMigrationsOptions extends Omit<TestMigrationsOptions, 'onResult'> {
  /** Title of the suite (default `'migrations round-trip'`). */
  readonly title?: string;
  /** The runner's `describe` and `it` (default: the globals, as mocha and jest define them). */
  readonly runner?: TestRunner;
}

const globalRunner = (): TestRunner => {
  const g = globalThis as { describe?: unknown; it?: unknown };
  if (typeof g.describe !== 'function' || typeof g.it !== 'function') {
    throw new TypeError(
      "describeMigrations needs a test runner's describe and it: call it from a mocha or jest spec file, or pass options.runner (vitest: { describe, it } from 'vitest')",
    );
  }
  return { describe: g.describe as TestRunner['describe'], it: g.it as TestRunner['it'] };
};

/**
 * Registers one test per round trip of `m` (see {@link testMigrations}) in the caller's test
 * runner: a suite with a test per edge with a `down` and per multi-step path between versions
 * with codecs; edges that cannot be tested (no `down`, lossy, no codec) are registered as
 * skipped, with the reason in their title. Each test is async (steps may be), and a failing
 * one rejects with a `MigrationTestError` carrying the shrunk counterexample, the route and
 * the differing fields; its message gives the seed.
 *
 * @example
 * // spec/migrations.spec.ts
 * import { describeMigrations } from 'migraph/testing';
 * describeMigrations(migrator, { runs: 200 });
 * @since 0.1.0
 */
export const describeMigrations = (
  migrator: Migrator,
  options: DescribeMigrationsOptions = {},
): void => {
  checkOptions('describeMigrations()', options, {
    runs: 'any',
    seed: 'any',
    fields: 'any',
    arbitraries: 'any',
    arbitrary: 'any',
    snapshots: 'any',
    title: 'any',
    runner: 'any',
  });
  const runner = options.runner ?? globalRunner();
  const resolved = resolveTestOptions(migrator, options);
  const m = withSnapshots(migrator, options.snapshots);
  const cases = roundTripCases(m, options);
  runner.describe(options.title ?? 'migrations round-trip', () => {
    for (const c of cases) {
      const title = roundTripTitle(c);
      if (c.skip !== undefined) {
        (runner.it.skip ?? runner.it)(`${title} (${c.skip})`, async () => {});
        continue;
      }
      runner.it(title, async () => {
        const result = await runRoundTrip(m, c, resolved);
        if (result.status === 'failed') {
          throw new MigrationTestError(
            `${formatRoundTrip(result)}\n      replay with seed ${resolved.seed}`,
            {
              from: c.from,
              to: c.to,
              path: c.route,
              fields: result.failure?.differences.map((d) => d.field) ?? [],
              counterexample: result.failure?.counterexample,
            },
          );
        }
      });
    }
  });
};
