import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as t from 'io-ts';
import { createBackup } from '../../lib/core/backup.js';
import { migrateFile } from '../../lib/node/batch/file.js';
import { Migrator, StateVersionError, type AnyState } from '../../lib/index.js';
import { left, right } from '../support/graphs.js';

describe('error messages say what happened', () => {
  it('a state without a version field: says the field was absent and missingVersion assumed', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', (s) => s);
    const error = left(m.migrate({ a: 1 }));
    expect(error).to.be.instanceOf(StateVersionError);
    expect(error).to.deep.include({ reason: 'missing_version', version: '0.0.0', to: '2.0.0' });
    expect(error.message).to.equal(
      'No migration path found from 0.0.0 to 2.0.0: version 0.0.0 is not registered ' +
        '(the state has no state_version field, so missingVersion 0.0.0 was assumed)',
    );
    expect((error.cause as StateVersionError).reason).to.equal('unknown_version');
    // A state whose version is given keeps the planner's error as it is.
    expect(left(m.migrate({ state_version: '0.5.0' })).reason).to.equal('unknown_version');
    // Nested keys are named as configured.
    const nested = new Migrator({ versionKey: '_persist.version' }).register(
      '1.0.0',
      '2.0.0',
      (s) => s,
    );
    expect(left(nested.migrate({ a: 1 })).message).to.contain('no _persist.version field');
  });

  it("a failed validation's message and its step field agree", () => {
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, a: 1 }))
      .register('1.1.0', '1.2.0', (s) => ({ ...s, b: 'x' }))
      .register('1.2.0', '2.0.0', (s) => s)
      .schema('1.2.0', t.type({ b: t.number }));
    const error = left(m.migrate({ state_version: '1.0.0' }));
    expect(error).to.deep.include({ reason: 'validation_failed', step: 1 });
    expect(error.message).to.contain('Migration 1.1.0->1.2.0 (step 2 of 3, index 1)');
  });

  it('createBackup(state) works with its defaults; a bad now is a clear TypeError', () => {
    const before = Date.now();
    const backup = right(createBackup({ state_version: '1.0.0', a: 1 }));
    expect(backup._migration_backup.original_version).to.equal('1.0.0');
    expect(Date.parse(backup._migration_backup.timestamp)).to.be.at.least(before - 1000);
    const nested = right(createBackup({ meta: { version: 3 } }, 'meta.version', new Date(0)));
    expect(nested._migration_backup).to.deep.equal({
      timestamp: '1970-01-01T00:00:00.000Z',
      original_version: 3,
    });
    expect(right(createBackup({}))._migration_backup.original_version).to.equal(null);
    expect(() => createBackup({}, 'state_version', (() => new Date()) as never)).to.throw(
      TypeError,
      "Expected createBackup's now to be a valid Date",
    );
    expect(() => createBackup({}, 'state_version', new Date(NaN))).to.throw(TypeError);
  });

  it('an unexpected throw inside migrate is reason internal, with its cause', () => {
    const boom = new Error('logger down');
    const logger = {
      debug: () => {
        throw boom;
      },
      info() {},
      warn() {},
      error() {},
    };
    const m = new Migrator({ logger }).register('1.0.0', '2.0.0', (s: AnyState) => s);
    const error = left(m.migrate({ state_version: '1.0.0' }));
    expect(error).to.deep.include({ reason: 'internal' });
    expect(error.cause).to.equal(boom);
    expect(error.message).to.equal('Unexpected error while migrating: logger down');
  });

  describe('migrateFile to a folder that does not exist', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'migraph-messages-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('is an io error naming the missing folder, not locked', async () => {
      const input = path.join(dir, 'in.ndjson');
      writeFileSync(input, '{"state_version":"1.0.0"}\n');
      const m = new Migrator().register('1.0.0', '2.0.0', (s) => s);
      const output = path.join(dir, 'missing', 'out.ndjson');
      const result = await migrateFile(input, output, { migrator: m });
      const error = left(result);
      expect(error.reason).to.equal('io');
      expect(error.message).to.contain(
        `the output folder ${path.join(dir, 'missing')} does not exist`,
      );
      expect(existsSync(path.join(dir, 'missing'))).to.equal(false);
      writeFileSync(path.join(dir, 'file'), '');
      const underFile = left(
        await migrateFile(input, path.join(dir, 'file', 'out.ndjson'), { migrator: m }),
      );
      expect(underFile.reason).to.equal('io');
      expect(underFile.message).to.contain('is not a folder');
    });
  });
});
