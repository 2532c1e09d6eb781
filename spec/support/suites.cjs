// Specs that need more than the TypeScript sources: the built dist/ (the CLI binary, worker
// threads and processes, the package imported by name), PostgreSQL or a browser. Every other
// spec is a unit spec, run by `npm run test:unit` (.mocharc.unit.cjs); spec/suites.spec.ts
// fails when a spec reaches for one of these without being listed here.
const integration = {
  'spec/package/app-examples.spec.ts': 'examples/app import migraph by name (dist/)',
  'spec/node/batch.spec.ts': 'MigrationPool threads and a spawned script run dist/',
  'spec/package/options.spec.ts': 'names MigrationPool (worker threads, dist/), though none starts',
  'spec/integrations/browser.spec.ts': 'a browser (playwright-core)',
  'spec/integrations/rollback-browser.spec.ts': 'a browser (playwright-core)',
  'spec/cli/cli-compat.spec.ts': 'the built binary',
  'spec/cli/cli-consumer.spec.ts': 'the built binary in a consumer project',
  'spec/cli/cli-docs.spec.ts': 'the built binary',
  'spec/cli/cli-safety.spec.ts': 'the built binary',
  'spec/cli/cli-snapshots.spec.ts': 'the built binary',
  'spec/cli/cli-store-safety.spec.ts': 'the built binary and PostgreSQL',
  'spec/cli/cli-store.spec.ts': 'the built binary and PostgreSQL',
  'spec/cli/cli-test.spec.ts': 'the built binary',
  'spec/cli/cli-validate.spec.ts': 'the built binary and worker threads',
  'spec/cli/cli.spec.ts': 'the built binary',
  'spec/package/distribution.spec.ts': 'dist/ as consumers and bundlers see it',
  'spec/node/docs-site.spec.ts': 'a browser (playwright-core)',
  'spec/package/docs.spec.ts': 'the guide compiled against dist/',
  'spec/package/doc-examples.spec.ts': '@example blocks compiled against dist/',
  'spec/node/file-safety.spec.ts': 'a spawned script runs dist/',
  'spec/node/node-safety.spec.ts': 'spawned scripts run dist/',
  'spec/package/package.spec.ts': 'migraph imported by name (dist/)',
  'spec/stores/indexeddb-browser.spec.ts': 'a browser (playwright-core)',
  'spec/stores/postgres-server.spec.ts': 'PostgreSQL',
  'spec/stores/postgres.spec.ts': 'PostgreSQL and the built binary',
  'spec/stores/process-pool.spec.ts': 'PostgreSQL and worker processes',
  'spec/package/readme.spec.ts': 'the README example imports migraph by name (dist/)',
  'spec/package/ten-versions-variants.spec.ts': 'the built binary',
};

module.exports = { integration };
