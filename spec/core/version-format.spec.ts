import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { Migrator, StateVersionError, type AnyState } from '../../lib/index.js';
import { left, right } from '../support/graphs.js';

describe('version formats', () => {
  describe('versionKey as a path', () => {
    const m = new Migrator({ versionKey: '_persist.version' })
      .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }), {
        down: ({ tags: _tags, ...s }) => s,
      })
      .register('1.1.0', '2.0.0', (s) => ({ ...s, name: 'x' }));

    it('reads and writes a nested version field, without touching the input', () => {
      const state = { _persist: { version: '1.0.0', rehydrated: true }, todos: [1] };
      const out = right(m.migrate(state, '2.0.0'));
      expect(out).to.deep.equal({
        _persist: { version: '2.0.0', rehydrated: true },
        todos: [1],
        tags: [],
        name: 'x',
      });
      expect(state._persist.version).to.equal('1.0.0');
    });

    it('does not write into a nested object a step shares with something else', () => {
      const shared = { version: '1.0.0', rehydrated: true };
      const sharing = new Migrator({ versionKey: '_persist.version' }).register(
        '1.0.0',
        '2.0.0',
        (s) => ({ ...s, _persist: shared }),
      );
      right(sharing.migrate({ _persist: { version: '1.0.0' } }));
      expect(shared.version).to.equal('1.0.0');
    });

    it('treats a missing parent as a missing version', () => {
      const missing = new Migrator({
        versionKey: '_persist.version',
        missingVersion: '1.0.0',
      }).register('1.0.0', '2.0.0', (s) => ({ ...s, b: 1 }));
      expect(right(missing.migrate({ a: 1 }))).to.deep.equal({
        a: 1,
        b: 1,
        _persist: { version: '2.0.0' },
      });
    });

    it('takes an array of keys for a key that contains a dot', () => {
      const dotted = new Migrator({ versionKey: ['meta', 'schema.version'] }).register(
        '1.0.0',
        '2.0.0',
        (s) => s,
      );
      expect(dotted.options.versionPath).to.deep.equal(['meta', 'schema.version']);
      expect(right(dotted.versionOf({ meta: { 'schema.version': '1.0.0' } }))).to.equal('1.0.0');
    });

    it('rejects an empty key', () => {
      expect(() => new Migrator({ versionKey: 'a..b' })).to.throw(TypeError, 'versionKey');
    });
  });

  describe("versionFormat: 'integer'", () => {
    const m = new Migrator({ versionFormat: 'integer', versionKey: 'version' })
      .register(1, 2, (s) => ({ ...s, two: true }), { down: ({ two: _two, ...s }) => s })
      .register('2', '3', (s) => ({ ...s, three: true }));

    it('reads 1 and "1" as 1.0.0 and writes the version back in the form it was read', () => {
      expect(right(m.migrate({ version: 1 }, 3))).to.deep.equal({
        version: 3,
        two: true,
        three: true,
      });
      expect(right(m.migrate({ version: '1' }, '3'))).to.deep.include({ version: '3' });
      expect(right(m.migrate({ version: 2 }, 1))).to.deep.equal({ version: 1 });
    });

    it('plans as semver and lists normalised versions', () => {
      expect(m.versions()).to.deep.equal(['1.0.0', '2.0.0', '3.0.0']);
      expect(right(m.plan(1, 3)).steps.map((s) => s.to)).to.deep.equal(['2.0.0', '3.0.0']);
    });

    it('rejects versions that are not integers', () => {
      for (const bad of [1.5, -1, '1.5', '1.1.0', 'v1', Number.NaN]) {
        const error = left(m.migrate({ version: bad }, 3));
        expect(error, String(bad)).to.be.instanceOf(StateVersionError);
        expect(error).to.deep.include({ reason: 'invalid_version' });
      }
    });
  });

  describe('onNewerVersion', () => {
    const build = (onNewerVersion?: 'error' | 'keep') =>
      new Migrator(onNewerVersion ? { onNewerVersion } : {})
        .register('1.0.0', '1.1.0', (s) => ({ ...s, b: 1 }))
        .register('1.1.0', '2.0.0', (s) => s);

    it("gives a 'newer_version' StateVersionError by default, the state untouched", () => {
      const state: AnyState = { state_version: '3.0.0', data: [1] };
      const error = left(build().migrate(state));
      expect(error).to.be.instanceOf(StateVersionError);
      expect(error).to.deep.include({ reason: 'newer_version', version: '3.0.0' });
      expect(error.message).to.contain('newer than every known version');
      expect(state).to.deep.equal({ state_version: '3.0.0', data: [1] });
    });

    it("returns it as it is with 'keep'", () => {
      const state = { state_version: '3.0.0', data: [1] };
      expect(right(build('keep').migrate(state))).to.deep.equal(state);
    });

    it('still reports an unknown version between known ones as unknown', () => {
      const error = left(build('keep').migrate({ state_version: '1.5.0' }));
      expect(error).to.deep.include({ reason: 'unknown_version' });
    });

    it('is a Left for migrateAsync too', async () => {
      expect(E.isLeft(await build().migrateAsync({ state_version: '9.0.0' }))).to.equal(true);
    });
  });
});
