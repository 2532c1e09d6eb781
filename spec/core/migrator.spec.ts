import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  defineMigration,
  MigrationError,
  Migrator,
  StateVersionError,
  type AnyState,
} from '../../lib/index.js';
import { fixtures, graphOf, left, mark, right } from '../support/graphs.js';

const epoch = () => new Date(0);
const add =
  (field: string, value: unknown) =>
  (s: AnyState): AnyState => ({ ...s, [field]: value });

describe('Migrator', () => {
  describe('options', () => {
    it('has the documented defaults', () => {
      const { versionKey, missingVersion, currentVersion, validate, trace } = new Migrator()
        .options;
      expect({ versionKey, missingVersion, currentVersion, validate, trace }).to.deep.equal({
        versionKey: 'state_version',
        missingVersion: '0.0.0',
        currentVersion: undefined,
        validate: 'each-step',
        trace: true,
      });
    });

    it('rejects an invalid currentVersion or missingVersion at construction', () => {
      expect(() => new Migrator({ currentVersion: 'x' })).to.throw(StateVersionError);
      expect(() => new Migrator({ missingVersion: '1' })).to.throw(StateVersionError);
    });

    it('uses a custom versionKey', () => {
      const m = new Migrator({ versionKey: 'v' }).register('1.0.0', '2.0.0', add('b', 1));
      expect(right(m.migrate({ v: '1.0.0' }))).to.deep.equal({ v: '2.0.0', b: 1 });
    });

    it('assumes missingVersion when the version key is absent', () => {
      const m = new Migrator({ missingVersion: '1.0.0' }).register('1.0.0', '2.0.0', add('b', 1));
      expect(right(m.migrate({ a: 1 }))).to.deep.equal({ a: 1, b: 1, state_version: '2.0.0' });
      const error = left(new Migrator().register('1.0.0', '2.0.0', add('b', 1)).migrate({ a: 1 }));
      expect(error.message).to.contain('version 0.0.0 is not registered');
    });

    it('targets currentVersion by default, else the highest version', () => {
      const edges = fixtures.linear;
      expect(right(graphOf(edges).migrate({ state_version: '1.0.0' })).state_version).to.equal(
        '2.0.0',
      );
      const pinned = graphOf(edges, { currentVersion: '1.1.0' });
      expect(right(pinned.migrate({ state_version: '1.0.0' })).state_version).to.equal('1.1.0');
      expect(left(new Migrator().migrate({ state_version: '1.0.0' })).message).to.contain(
        'No target version',
      );
    });

    it('reports through the logger', () => {
      const seen: string[] = [];
      const logger = {
        debug: (msg: string) => seen.push(msg),
        info: () => {},
        warn: () => {},
        error: () => {},
      };
      new Migrator({ logger })
        .register('1.0.0', '2.0.0', add('b', 1))
        .migrate({ state_version: '1.0.0' });
      expect(seen).to.deep.equal(['migraph: 1.0.0 -> 2.0.0 in 1 step(s)']);
    });
  });

  describe('register', () => {
    it('normalises a leading v and lists versions semver-ascending', () => {
      const m = new Migrator()
        .register('v1.10.0', 'v2.0.0', mark('2'))
        .register('1.9.0', '1.10.0', mark('1'));
      expect(m.versions()).to.deep.equal(['1.9.0', '1.10.0', '2.0.0']);
    });

    it('adds the reverse edge for down, with the same cost and a description of its own', () => {
      const up = add('a', 1);
      const down = add('a', 0);
      const m = new Migrator().register('1.0.0', '1.1.0', up, {
        down,
        description: 'A',
        changes: ['a'],
        cost: 3,
      });
      expect(
        m.edges().map(({ from, to, direction, description, cost, origin, fn }) => ({
          from,
          to,
          direction,
          description,
          cost,
          origin,
          fn,
        })),
      ).to.deep.equal([
        {
          from: '1.0.0',
          to: '1.1.0',
          direction: 'up',
          description: 'A',
          cost: 3,
          origin: 'up',
          fn: up,
        },
        {
          from: '1.1.0',
          to: '1.0.0',
          direction: 'down',
          description: 'Revert: A',
          cost: 3,
          origin: 'down',
          fn: down,
        },
      ]);
    });

    it('treats registering the same function twice as a no-op', () => {
      const up = add('a', 1);
      const m = new Migrator().register('1.0.0', '1.1.0', up).register('1.0.0', '1.1.0', up);
      expect(m.edges()).to.have.length(1);
    });

    it('throws on a different function for an existing edge unless replace is set', () => {
      const m = new Migrator().register('1.0.0', '1.1.0', add('a', 1));
      expect(() => m.register('1.0.0', '1.1.0', add('a', 2))).to.throw(
        StateVersionError,
        /already registered for 1\.0\.0->1\.1\.0/,
      );
      m.register('1.0.0', '1.1.0', add('a', 2), { replace: true });
      expect(right(m.migrate({ state_version: '1.0.0' }))).to.deep.equal({
        state_version: '1.1.0',
        a: 2,
      });
    });

    it('checks a down against an existing reverse edge before changing anything', () => {
      const m = new Migrator().register('1.1.0', '1.0.0', add('a', 0));
      expect(() => m.register('1.0.0', '1.1.0', add('a', 1), { down: add('a', -1) })).to.throw(
        StateVersionError,
      );
      expect(m.edges()).to.have.length(1);
    });

    it('throws on a self-loop, an invalid version and a bad cost', () => {
      expect(() => new Migrator().register('1.0.0', 'v1.0.0', mark('x'))).to.throw(
        StateVersionError,
        'itself',
      );
      expect(() => new Migrator().register('1.0', '1.1.0', mark('x'))).to.throw(
        StateVersionError,
        "got '1.0'",
      );
      for (const cost of [0, -1, NaN, Infinity]) {
        expect(() => new Migrator().register('1.0.0', '1.1.0', mark('x'), { cost })).to.throw(
          StateVersionError,
          'positive finite cost',
        );
      }
    });

    it('accepts a migration definition', () => {
      const m = new Migrator().register(
        defineMigration({
          from: '1.0.0',
          to: '1.1.0',
          up: add('a', 1),
          down: add('a', 0),
          description: 'd',
        }),
      );
      expect(m.edges().map((e) => `${e.from}>${e.to}`)).to.deep.equal([
        '1.0.0>1.1.0',
        '1.1.0>1.0.0',
      ]);
    });

    it('clear removes migrations but keeps codecs', () => {
      const codec = t.type({});
      const m = new Migrator().register('1.0.0', '1.1.0', add('a', 1)).schema('1.1.0', codec);
      m.clear();
      expect(m.versions()).to.deep.equal([]);
      expect(m.codecFor('1.1.0')).to.equal(codec);
    });
  });

  describe('schema', () => {
    it('falls back to the * codec', () => {
      const own = t.type({ a: t.number });
      const fallback = t.type({});
      const m = new Migrator().schema('v1.0.0', own).schema('*', fallback);
      expect(m.codecFor('1.0.0')).to.equal(own);
      expect(m.codecFor('2.0.0')).to.equal(fallback);
      expect(m.hasOwnSchema('2.0.0')).to.equal(false);
    });
  });

  describe('migrate', () => {
    describe('consume', () => {
      const mutating = () =>
        new Migrator({ clock: epoch, trace: false })
          .register('1.0.0', '2.0.0', (s: AnyState) => {
            s.touched = true;
            return s;
          })
          .schema('2.0.0', t.type({ state_version: t.literal('2.0.0'), touched: t.boolean }));

      it('works on the given state instead of a copy, which the caller hands over', () => {
        const input: AnyState = { state_version: '1.0.0', nested: { a: 1 } };
        const result = right(mutating().migrate(input, '2.0.0', { consume: true }));
        expect(result).to.deep.equal({ state_version: '2.0.0', nested: { a: 1 }, touched: true });
        expect(result.nested).to.equal(input.nested);
        expect(input).to.have.property('touched', true);
      });

      it('returns a state already at the target as the same object, and copies without it', () => {
        const m = mutating();
        const at = { state_version: '2.0.0', touched: false };
        expect(right(m.migrate(at, '2.0.0', { consume: true }))).to.equal(at);
        expect(right(m.migrate(at, '2.0.0'))).to.not.equal(at);
        const input: AnyState = { state_version: '1.0.0' };
        right(m.migrate(input, '2.0.0'));
        expect(input).to.deep.equal({ state_version: '1.0.0' });
      });

      it('still validates and refuses as without it', async () => {
        const m = mutating();
        expect(
          left(m.migrate({ state_version: '1.0.0' }, '3.0.0', { consume: true })),
        ).to.be.instanceOf(StateVersionError);
        const bad = new Migrator()
          .register('1.0.0', '2.0.0', add('touched', 'no'))
          .schema('2.0.0', t.type({ touched: t.boolean }));
        expect(
          left(bad.migrate({ state_version: '1.0.0' }, '2.0.0', { consume: true })),
        ).to.deep.include({
          reason: 'validation_failed',
        });
        const later = await m.migrateAsync({ state_version: '1.0.0' }, '2.0.0', { consume: true });
        expect(E.isRight(later) && later.right).to.deep.include({ touched: true });
      });
    });

    const codecs = {
      '1.1.0': t.type({ state_version: t.literal('1.1.0'), b: t.number }),
      '1.2.0': t.type({ state_version: t.literal('1.2.0'), b: t.number, c: t.string }),
      '2.0.0': t.type({ state_version: t.literal('2.0.0'), c: t.string }),
    };
    const chain = (validate: 'each-step' | 'final' | 'off', middle = add('c', 'x')) =>
      new Migrator({ validate, clock: epoch })
        .register('1.0.0', '1.1.0', add('b', 1))
        .register('1.1.0', '1.2.0', middle)
        .register('1.2.0', '2.0.0', ({ b: _b, ...s }) => s)
        .schema('1.1.0', codecs['1.1.0'])
        .schema('1.2.0', codecs['1.2.0'])
        .schema('2.0.0', codecs['2.0.0']);

    it('runs a multi-step plan and sets the version after each step', () => {
      const seen: string[] = [];
      const m = new Migrator()
        .register('1.0.0', '1.1.0', (s) => (seen.push(s.state_version), s))
        .register('1.1.0', '2.0.0', (s) => (seen.push(s.state_version), s));
      expect(right(m.migrate({ state_version: '1.0.0' }))).to.deep.equal({
        state_version: '2.0.0',
      });
      expect(seen).to.deep.equal(['1.0.0', '1.1.0']);
    });

    for (const mode of ['each-step', 'final', 'off'] as const) {
      it(`migrates a valid chain with validate: '${mode}'`, () => {
        expect(right(chain(mode).migrate({ state_version: '1.0.0' }))).to.deep.equal({
          state_version: '2.0.0',
          c: 'x',
        });
      });
    }

    it("'each-step' catches an invalid intermediate state, naming the step and the field", () => {
      const error = left(chain('each-step', add('c', 42)).migrate({ state_version: '1.0.0' }));
      expect(error).to.be.instanceOf(MigrationError);
      expect(error).to.deep.include({
        reason: 'validation_failed',
        from: '1.1.0',
        to: '1.2.0',
        step: 1,
      });
      expect((error as MigrationError).validationErrors).to.deep.equal([
        'c: expected string, got 42',
      ]);
      expect(error.message).to.contain('validation failed');
    });

    it("'final' only checks the result, 'off' checks nothing", () => {
      // b: 'x' breaks the 1.2.0 codec, but the last step drops b, so the final state is valid.
      const invalidMiddle = (s: AnyState) => ({ ...s, b: 'x', c: 'x' });
      expect(
        left(chain('each-step', invalidMiddle).migrate({ state_version: '1.0.0' })),
      ).to.deep.include({ step: 1 });
      expect(
        right(chain('final', invalidMiddle).migrate({ state_version: '1.0.0' })),
      ).to.deep.equal({
        state_version: '2.0.0',
        c: 'x',
      });
      const final = left(chain('final', add('c', 42)).migrate({ state_version: '1.0.0' }, '1.2.0'));
      expect(final).to.deep.include({ reason: 'validation_failed', step: 1 });
      expect(
        right(chain('off', add('c', 42)).migrate({ state_version: '1.0.0' }, '1.2.0')),
      ).to.deep.equal({
        state_version: '1.2.0',
        b: 1,
        c: 42,
      });
    });

    it('keeps fields a codec does not mention', () => {
      const m = chain('each-step');
      expect(right(m.migrate({ state_version: '1.0.0', extra: { kept: true } }))).to.deep.include({
        extra: { kept: true },
      });
    });

    it('appends trace events per step, with the clock, changes and direction', () => {
      const m = new Migrator({ clock: epoch }).register('1.0.0', '1.1.0', add('b', 1), {
        down: ({ b: _b, ...s }) => s,
        changes: ['added_b'],
      });
      const up = right(
        m.migrate({ state_version: '1.0.0', execution_trace: [{ event: 'state_initialized' }] }),
      );
      expect(up.execution_trace).to.deep.equal([
        { event: 'state_initialized' },
        {
          event: 'state_migration',
          timestamp: '1970-01-01T00:00:00.000Z',
          details: { from_version: '1.0.0', to_version: '1.1.0', changes: ['added_b'] },
        },
      ]);
      const down = right(m.migrate(up, '1.0.0'));
      expect(down.execution_trace[2]).to.deep.include({ event: 'state_reverse_migration' });
      expect(up.execution_trace).to.have.length(2);
    });

    it('adds no trace when the state has no trace array or tracing is off', () => {
      const m = new Migrator({ trace: false }).register('1.0.0', '1.1.0', add('b', 1));
      expect(
        right(m.migrate({ state_version: '1.0.0', execution_trace: [] })).execution_trace,
      ).to.deep.equal([]);
      const n = new Migrator().register('1.0.0', '1.1.0', add('b', 1));
      expect(right(n.migrate({ state_version: '1.0.0' }))).to.deep.equal({
        state_version: '1.1.0',
        b: 1,
      });
    });

    it('returns a state already at the target as a copy', () => {
      const state = { state_version: '1.0.0', list: [1] };
      const out = right(graphOf(fixtures.linear).migrate(state, '1.0.0'));
      expect(out).to.deep.equal(state);
      expect(out).to.not.equal(state);
      expect(out.list).to.not.equal(state.list);
    });

    it('accepts steps that return an Either', () => {
      const m = new Migrator()
        .register('1.0.0', '1.1.0', (s) => E.right({ ...s, ok: true }))
        .register('1.1.0', '2.0.0', () => E.left(new Error('refused')));
      expect(right(m.migrate({ state_version: '1.0.0' }, '1.1.0'))).to.deep.equal({
        state_version: '1.1.0',
        ok: true,
      });
      const error = left(m.migrate({ state_version: '1.0.0' }, '2.0.0'));
      expect(error.message).to.equal('Migration failed at 1.1.0->2.0.0: refused');
      expect(error.cause).to.be.instanceOf(Error);
    });

    it('migrateOrThrow returns the Right and throws the Left', () => {
      const m = graphOf(fixtures.linear);
      expect(m.migrateOrThrow({ state_version: '1.0.0' }).state_version).to.equal('2.0.0');
      expect(() => m.migrateOrThrow({ state_version: '0.1.0' })).to.throw(
        StateVersionError,
        'No migration path found',
      );
    });

    it('versionOf reads and normalises the version', () => {
      expect(new Migrator().versionOf({ state_version: 'v1.2.3' })).to.deep.equal(E.right('1.2.3'));
      expect(new Migrator().versionOf({})).to.deep.equal(E.right('0.0.0'));
    });
  });
});
