// Options are checked (SPEC §2), at every public entry point that takes an options object: an
// unknown key is a TypeError naming it and the known keys (and the closest, when one is);
// never ignored.
import { expect } from 'chai';
import * as t from 'io-ts';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as fc from 'fast-check';
import { z } from 'zod';
import {
  check,
  compareSnapshots,
  compatibility,
  fromStandardSchema,
  Migrator,
} from '../../lib/core/index.js';
import {
  loadCompleteProject,
  loadProject,
  migrateFile,
  migrateJson,
  migrateJsonFile,
  migrateNdjson,
  MigrationPool,
} from '../../lib/node/index.js';
import { assertRoundTrip, describeMigrations, sampleStates } from '../../lib/testing/index.js';
import { validateRoundtripWith } from '../../lib/testing/helpers.js';
import { persistMigration, persistOptions } from '../../lib/integrations/zustand.js';
import { createMigrate } from '../../lib/integrations/redux-persist.js';
import { checkSnapshots, writeSnapshots } from '../../lib/node/snapshots.js';
import { indexedDbStore } from '../../lib/stores/indexeddb.js';
import { postgresStore } from '../../lib/stores/postgres.js';
import { readMigrated } from '../../lib/stores/read.js';
import { sqliteStore } from '../../lib/stores/sqlite.js';
import { arbitraryFor } from '../../lib/testing/arbitrary.js';
import { compatibilityOf } from '../../lib/testing/compatibility.js';
import { testMigrations } from '../../lib/testing/test-migrations.js';
import { MemoryStorage } from '../support/memory-storage.js';

const m = () =>
  new Migrator()
    .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }), { down: ({ tags: _t, ...s }) => s })
    .schema('1.0.0', t.type({ title: t.string }))
    .schema('1.1.0', t.type({ title: t.string, tags: t.array(t.string) }));
const integer = () =>
  new Migrator({ versionKey: '_persist.version', versionFormat: 'integer' }).register(
    1,
    2,
    (s) => s,
  );
const edge = { from: '1.0.0', to: '1.1.0' };
const scratch = path.join(tmpdir(), `migraph-options-${process.pid}`);
const table = { table: 'agents', column: 'doc' };
const unreachableStore = () =>
  postgresStore({ connectionString: 'postgres://nobody@127.0.0.1:1/none', ...table });

/** Each entry point, called with one misspelt option (beside valid ones), and that option's name. */
const calls: [string, string, () => unknown][] = [
  ['check()', 'ambiguitylimit', () => check(m(), { ambiguitylimit: 3 } as never)],
  ['compatibility()', 'snapshot', () => compatibility(m(), edge, { snapshot: new Map() } as never)],
  ['compatibilityOf()', 'run', () => compatibilityOf(m(), edge, { run: 5 } as never)],
  ['arbitraryFor()', 'maxdepth', () => arbitraryFor(t.string, { maxdepth: 2 } as never)],
  ['testMigrations()', 'feilds', () => testMigrations(m(), { feilds: ['title'] } as never)],
  // Were `out` ignored, the snapshots would go to a scratch folder, not the repository's.
  ['writeSnapshots()', 'out', () => writeSnapshots(m(), { dir: scratch, out: 'schemas' } as never)],
  ['checkSnapshots()', 'retire', () => checkSnapshots(m(), { retire: ['0.9.0'] } as never)],
  [
    'persistOptions()',
    'storge',
    () => persistOptions(integer(), { name: 'app', storge: new MemoryStorage() } as never),
  ],
  [
    'persistMigration()',
    'storgae',
    () => persistMigration(integer(), { name: 'app', storgae: new MemoryStorage() } as never),
  ],
  [
    'createMigrate()',
    'keyprefix',
    () =>
      createMigrate(integer(), {
        storage: new MemoryStorage(),
        key: 'root',
        keyprefix: 'x:',
      } as never),
  ],
  [
    'readMigrated()',
    'writeback',
    () => readMigrated(m(), unreachableStore(), '1', { writeback: true } as never),
  ],
  [
    'postgresStore()',
    'conectionString',
    () => postgresStore({ ...table, conectionString: 'postgres://x' } as never),
  ],
  ['sqliteStore()', 'filename', () => sqliteStore({ ...table, filename: 'x.db' } as never)],
  [
    'indexedDbStore()',
    'objectstore',
    () => indexedDbStore({ name: 'app', objectStore: 'states', objectstore: 'x' } as never),
  ],
  ['compareSnapshots()', 'retire', () => compareSnapshots(m(), new Map(), { retire: [] } as never)],
  ['fromStandardSchema()', 'nmae', () => fromStandardSchema(z.string(), { nmae: 'x' } as never)],
  ['loadProject()', 'schema', () => loadProject({ dir: scratch, schema: 'x.js' } as never)],
  [
    'loadCompleteProject()',
    'loadTimeout',
    () => loadCompleteProject({ dir: scratch, loadTimeout: 1 } as never),
  ],
  ['new MigrationPool()', 'thread', () => new MigrationPool({ dir: scratch, thread: 2 } as never)],
  [
    'migrateFile()',
    'rejectFile',
    () =>
      migrateFile(path.join(scratch, 'in'), path.join(scratch, 'out'), {
        migrator: m(),
        rejectFile: 'r',
      } as never),
  ],
  [
    'migrateNdjson()',
    'chunklines',
    () =>
      migrateNdjson(path.join(scratch, 'in'), { migrator: m(), chunklines: 10 } as never).next(),
  ],
  [
    'migrateJson()',
    'target',
    () => migrateJson(new Uint8Array(), { migrator: m(), target: '1.1.0' } as never),
  ],
  [
    'migrateJsonFile()',
    'target',
    () =>
      migrateJsonFile(path.join(scratch, 'in'), undefined, { migrator: m(), target: 1 } as never),
  ],
  [
    'validateRoundtripWith()',
    'field',
    () =>
      validateRoundtripWith(m(), { state_version: '1.0.0', title: 'x' }, '1.1.0', {
        field: [],
      } as never),
  ],
  [
    'assertRoundTrip()',
    'runs',
    () => assertRoundTrip(m(), '1.0.0', '1.1.0', fc.constant({ title: 'x' }), { runs: 5 } as never),
  ],
  [
    'sampleStates(version)',
    'run',
    () => sampleStates('1.0.0', { snapshots: new Map(), run: 5 } as never),
  ],
  [
    'describeMigrations()',
    'titel',
    () =>
      describeMigrations(m(), {
        titel: 'x',
        runner: { describe: () => undefined, it: () => undefined },
      } as never),
  ],
];

describe('options are checked at every public entry point (§2)', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));
  for (const [where, key, call] of calls) {
    it(`${where} refuses the unknown option ${key}, naming it and the known ones`, async () => {
      let error: unknown;
      try {
        await call();
      } catch (thrown) {
        error = thrown;
      }
      expect(error, `${where} accepted ${key}`).to.be.instanceOf(TypeError);
      const message = (error as Error).message;
      expect(message).to.contain(`Unknown option ${key} of ${where}`);
      expect(message).to.contain('(known: ');
    });
  }
});
