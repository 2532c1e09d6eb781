// The core's promise under hostile input: every Either API returns a Left, never throws,
// never mutates its input and never pollutes Object.prototype (SPEC §2, §5).
import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  compareVersions,
  copyState,
  isCompatibleVersion,
  MigrationError,
  Migrator,
  parseVersion,
  StateVersionError,
  type AnyState,
} from '../../lib/index.js';
import { left, right } from '../support/graphs.js';

const throwingGetter = () =>
  Object.defineProperty({ state_version: '1.0.0' }, 'trap', {
    enumerable: true,
    get() {
      throw new Error('gotcha');
    },
  });

const throwingProxy = () =>
  new Proxy(
    { state_version: '1.0.0' },
    {
      get: () => {
        throw new Error('proxy get');
      },
      ownKeys: () => {
        throw new Error('proxy keys');
      },
      getPrototypeOf: () => {
        throw new Error('proxy proto');
      },
    },
  );

const revokedProxy = () => {
  const { proxy, revoke } = Proxy.revocable({ state_version: '1.0.0' }, {});
  revoke();
  return proxy;
};

const cyclic = () => {
  const a: AnyState = { state_version: '1.0.0' };
  a.self = a;
  return a;
};

/** Hostile values of every kind the fuzz draws from. */
const hostile = fc.oneof(
  fc.constantFrom<() => unknown>(
    throwingGetter,
    throwingProxy,
    revokedProxy,
    cyclic,
    () => ({ state_version: 10n }),
    () => ({ state_version: cyclic() }),
    () => ({ state_version: throwingProxy() }),
    () => ({ state_version: '1.0.0', big: 10n }),
    () => Object.freeze({ state_version: '1.0.0', list: Object.freeze([1]) }),
    () => Object.assign(Object.create(null), { state_version: '1.0.0' }),
    () => JSON.parse('{"state_version":"1.0.0","__proto__":{"polluted":true}}'),
    () => ({ state_version: '1.0.0', when: new Date(0), map: new Map() }),
    () => ({ state_version: 'x'.repeat(100_000) }),
    () => ({ state_version: '\u001b[2J\r\nforged' }),
    () => Symbol('s'),
    () => () => 1,
    () => null,
  ),
  fc
    .anything({ withBigInt: true, withDate: true, withMap: true, withSet: true })
    .map((v) => () => v),
);

const m = new Migrator()
  .register('1.0.0', '1.1.0', (s) => ({ ...s, b: 1 }), { down: ({ b: _b, ...s }) => s })
  .register('1.1.0', '2.0.0', (s) => ({ ...s, c: 1 }))
  .schema('2.0.0', t.type({ c: t.number }));

describe('hostile input', () => {
  it('no Either API throws, mutates or pollutes, whatever the value (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom('2.0.0', '1.0.0', 10n, {}, 'v9'),
        async (make, to) => {
          const value = make();
          const snapshot = E.isRight(safeCopy(value)) ? safeCopy(value) : undefined;
          expect(() => m.migrate(value, to as string)).to.not.throw();
          expect(
            E.isLeft(m.migrate(value, to as string)) || E.isRight(m.migrate(value, to as string)),
          ).to.equal(true);
          const later = await m.migrateAsync(value, to as string);
          expect(later._tag).to.be.oneOf(['Left', 'Right']);
          expect(() => m.plan(value as string, to as string)).to.not.throw();
          expect(() => parseVersion(value)).to.not.throw();
          expect(() => isCompatibleVersion(value as string, '1.0.0')).to.not.throw();
          expect(() => m.versionOf(value)).to.not.throw();
          if (snapshot !== undefined) expect(safeCopy(value)).to.deep.equal(snapshot);
          expect(({} as AnyState).polluted).to.equal(undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a throwing getter or proxy trap is a not_json Left naming the field', () => {
    const error = left(m.migrate(throwingGetter()));
    expect(error).to.be.instanceOf(StateVersionError);
    expect(error).to.deep.include({ reason: 'not_json', path: 'trap' });
    expect(error.message).to.contain('gotcha');
    expect(left(m.migrate(throwingProxy()))).to.be.instanceOf(StateVersionError);
    expect(left(m.migrate(revokedProxy()))).to.be.instanceOf(StateVersionError);
  });

  it('BigInt, cyclic and huge version values give a short message, not a throw', () => {
    expect(left(m.migrate({ state_version: 10n })).message).to.contain('10n');
    expect(left(m.migrate({ state_version: cyclic() }))).to.deep.include({
      reason: 'invalid_version',
    });
    expect(left(parseVersion(10n)).message).to.contain('10n');
    expect(left(m.migrate({ state_version: 'x'.repeat(10_000_000) })).message.length).to.be.below(
      300,
    );
    expect(() => compareVersions('1.0.0', '1.0.0')).to.not.throw();
  });

  it('a step returning a proxy is copied, never written through; a version key that throws on write is a Left', () => {
    let writes = 0;
    const proxied = new Migrator().register(
      '1.0.0',
      '2.0.0',
      () =>
        new Proxy(
          { kept: 1 },
          {
            set: () => {
              writes++;
              throw new Error('read-only');
            },
            defineProperty: () => {
              writes++;
              throw new Error('read-only');
            },
          },
        ),
    );
    expect(right(proxied.migrate({ state_version: '1.0.0' }))).to.deep.equal({
      kept: 1,
      state_version: '2.0.0',
    });
    expect(writes).to.equal(0);
    // The step's own argument (the run's state) with a setter that throws: the write fails.
    const setter = new Migrator().register('1.0.0', '2.0.0', (s) =>
      Object.defineProperty(s, 'state_version', {
        enumerable: true,
        set() {
          throw new Error('no version for you');
        },
      }),
    );
    const error = left(setter.migrate({ state_version: '1.0.0' }));
    expect(error).to.deep.include({ reason: 'invalid_output' });
    expect(error.message).to.contain('no version for you');
  });

  it('a codec whose decode throws, and an error whose toString throws, are Lefts', () => {
    const throwingCodec = new t.Type<unknown>(
      'Throws',
      (_u): _u is unknown => true,
      () => {
        throw new Error('decoder exploded');
      },
      (a) => a,
    );
    const codecd = new Migrator()
      .register('1.0.0', '2.0.0', (s) => s)
      .schema('2.0.0', throwingCodec);
    expect(left(codecd.migrate({ state_version: '1.0.0' })).message).to.contain('decoder exploded');
    const nasty = {
      toString() {
        throw new Error('nope');
      },
    };
    const thrower = new Migrator().register('1.0.0', '2.0.0', () => {
      throw nasty;
    });
    expect(left(thrower.migrate({ state_version: '1.0.0' }))).to.deep.include({
      reason: 'step_failed',
    });
  });

  it('copies a graph of shared sub-objects once each, never exponentially', () => {
    let node: AnyState = { leaf: true };
    for (let i = 0; i < 40; i++) node = { left: node, right: node };
    const out = right(m.migrate({ state_version: '1.0.0', node }, '1.1.0'));
    let depth = 0;
    for (let at = out.node; at.left; at = at.left) depth++;
    expect(depth).to.equal(40);
    expect(out.node).to.not.equal(node);
  });

  it('refuses an array of length 2^32 - 1 instead of walking it', () => {
    const huge: unknown[] = [];
    huge.length = 2 ** 32 - 1;
    const error = left(copyState({ huge }));
    expect(error).to.deep.include({ reason: 'not_json', path: 'huge' });
  });

  describe('validation of states not produced by a step', () => {
    const typed = new Migrator({ validate: 'each-step' })
      .register('1.0.0', '2.0.0', (s) => ({ ...s, n: s.n + 1 }))
      .schema('1.0.0', t.type({ n: t.number }))
      .schema('2.0.0', t.type({ n: t.number }));

    it('reports an invalid input as such, not as a failure of the first step', () => {
      const error = left(typed.migrate({ state_version: '1.0.0', n: 'one' }, '2.0.0'));
      expect(error).to.be.instanceOf(MigrationError);
      expect(error).to.deep.include({ reason: 'invalid_input', step: -1, from: '1.0.0' });
      expect(error.message).to.contain('not a valid 1.0.0 state');
    });

    it('validates a state already at the target and returns a copy', () => {
      expect(left(typed.migrate({ state_version: '2.0.0', n: 'x' }, '2.0.0'))).to.deep.include({
        reason: 'invalid_input',
      });
      const final = new Migrator({ validate: 'final' })
        .register('1.0.0', '2.0.0', (s) => s)
        .schema('2.0.0', t.type({ n: t.number }));
      expect(E.isLeft(final.migrate({ state_version: '2.0.0' }, '2.0.0'))).to.equal(true);
      const state = { state_version: '2.0.0', n: 1 };
      const out = right(typed.migrate(state, '2.0.0'));
      expect(out).to.deep.equal(state);
      expect(out).to.not.equal(state);
    });

    it('returns a cyclic state at the target as a Left, not a Right', () => {
      const a: AnyState = { state_version: '2.0.0', n: 1 };
      a.self = a;
      expect(left(typed.migrate(a, '2.0.0'))).to.deep.include({ reason: 'not_json' });
    });
  });

  it('never appends trace events to an array a step shares with others', () => {
    const SHARED: unknown[] = [];
    const sharing = new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, execution_trace: SHARED }))
      .register('1.1.0', '2.0.0', (s) => s);
    const out = right(sharing.migrate({ state_version: '1.0.0', execution_trace: [] }));
    right(sharing.migrate({ state_version: '1.0.0', execution_trace: [] }));
    expect(SHARED).to.deep.equal([]);
    expect(out.execution_trace).to.have.length(2);
  });
});

/** A JSON snapshot where one can be taken (to check nothing was mutated). */
const safeCopy = (value: unknown): E.Either<unknown, unknown> => {
  try {
    return E.right(JSON.parse(JSON.stringify(value) ?? 'null'));
  } catch (error) {
    return E.left(error);
  }
};

describe('errors as JSON', () => {
  it('keep their name, message, fields and cause text, not the backup', () => {
    const error = left(new Migrator().migrate({ state_version: 'banana' }));
    const json = JSON.parse(JSON.stringify(Object.assign(error, { backup: { big: 1 } })));
    expect(json).to.deep.include({
      name: 'StateVersionError',
      reason: 'invalid_version',
      version: 'banana',
    });
    expect(json.message).to.contain("Expected a semver version, got 'banana'");
    expect(json).to.not.have.property('backup');
    const failed = left(
      new Migrator()
        .register('1.0.0', '2.0.0', () => {
          throw new Error('boom');
        })
        .migrate({ state_version: '1.0.0' }),
    );
    expect(JSON.parse(JSON.stringify(failed))).to.deep.include({
      name: 'MigrationError',
      reason: 'step_failed',
      step: 0,
      cause: 'boom',
    });
  });
});
