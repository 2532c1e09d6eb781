// Specs that need more than the TypeScript sources: the built dist/ (the CLI binary, worker
// threads and processes, the package imported by name), PostgreSQL or a browser. Every other
// spec is a unit spec, run by `npm run test:unit` (.mocharc.unit.cjs); spec/suites.spec.ts
// fails when a spec reaches for one of these without being listed here.
const integration = {
  'spec/app-examples.spec.ts': 'examples/app import migraph by name (dist/)',
  'spec/batch.spec.ts': 'MigrationPool threads and a spawned script run dist/',
  'spec/browser.spec.ts': 'a browser (playwright-core)',
  'spec/cli-compat.spec.ts': 'the built binary',
  'spec/cli-consumer.spec.ts': 'the built binary in a consumer project',
  'spec/cli-docs.spec.ts': 'the built binary',
  'spec/cli-safety.spec.ts': 'the built binary',
  'spec/cli-snapshots.spec.ts': 'the built binary',
  'spec/cli-store-safety.spec.ts': 'the built binary and PostgreSQL',
  'spec/cli-store.spec.ts': 'the built binary and PostgreSQL',
  'spec/cli-test.spec.ts': 'the built binary',
  'spec/cli.spec.ts': 'the built binary',
  'spec/distribution.spec.ts': 'dist/ as consumers and bundlers see it',
  'spec/docs-site.spec.ts': 'a browser (playwright-core)',
  'spec/docs.spec.ts': 'the guide compiled against dist/',
  'spec/doc-examples.spec.ts': '@example blocks compiled against dist/',
  'spec/file-safety.spec.ts': 'a spawned script runs dist/',
  'spec/node-safety.spec.ts': 'spawned scripts run dist/',
  'spec/package.spec.ts': 'migraph imported by name (dist/)',
  'spec/postgres-server.spec.ts': 'PostgreSQL',
  'spec/postgres.spec.ts': 'PostgreSQL and the built binary',
  'spec/process-pool.spec.ts': 'PostgreSQL and worker processes',
  'spec/readme.spec.ts': 'the README example imports migraph by name (dist/)',
  'spec/ten-versions-variants.spec.ts': 'the built binary',
};

module.exports = { integration };
