/**
 * `migraph/testing`: checks for migrations. The seed's helpers over any migrator
 * (`validateMigrationWith`, round trips, benchmarks) and property-based round trips with
 * `fast-check`, an optional peer dependency needed by this entry only: arbitraries derived
 * from io-ts codecs (`arbitraryFor`), round trips of every edge and path of a migrator
 * (`testMigrations`, `describeMigrations`), and `assertRoundTrip` for one pair of versions.
 *
 * @example
 * import { describeMigrations, testMigrations } from 'migraph/testing';
 * describeMigrations(m); // in a spec file: one test per edge and path
 * testMigrations(m, { runs: 1000, seed: 42 }).ok; // or a report
 *
 * @packageDocumentation
 */
export {
  validateMigrationWith,
  validateRoundtripWith,
  validateRoundtripWithAsync,
  benchmarkWith,
  differingFields,
  getPath,
  isSameData,
} from './helpers.js';
export type { ValidateMigrationOptions, RoundtripOptions, BenchmarkResult } from './helpers.js';
export { assertRoundTrip, assertRoundTripAsync, sampleStates } from './round-trip.js';
export type { RoundTripPropertyOptions } from './round-trip.js';
export {
  agentStateV1_0Arbitrary,
  AgentStateV1_0Strict,
  AgentStateStrictRules,
} from './agent-state.js';
export type { PercentBrand, PositiveBrand } from './agent-state.js';
export { arbitraryFor, UnsupportedCodecError } from './arbitrary.js';
export { arbitraryForSchema, SnapshotCodec, UnsupportedSchemaError } from './schema-arbitrary.js';
export type { SchemaArbitraryOptions, SnapshotSampleOptions } from './schema-arbitrary.js';
export type { ArbitraryOptions } from './arbitrary.js';
export { compatibilityOf } from './compatibility.js';
export type { CompatibilityOfOptions } from './compatibility.js';
export {
  testMigrations,
  roundTripCases,
  formatRoundTrip,
  formatTestSummary,
} from './test-migrations.js';
export type {
  TestMigrationsOptions,
  MigrationTestReport,
  RoundTripCase,
  RoundTripResult,
  RoundTripFailure,
  FieldDifference,
} from './test-migrations.js';
export { describeMigrations } from './describe-migrations.js';
export type { DescribeMigrationsOptions, TestRunner } from './describe-migrations.js';
