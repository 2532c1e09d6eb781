import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { Migrator, versioned, type AnyState } from '../../lib/index.js';
import { MIGRATOR_OPTIONS } from '../../lib/core/migrator-options.js';
import { closest } from '../../lib/core/options.js';

/** The TypeError `run` throws, with every fragment in its message. */
const typeError = (run: () => unknown, ...fragments: string[]): TypeError => {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'a TypeError').to.be.instanceOf(TypeError);
  for (const fragment of fragments) expect((thrown as Error).message).to.contain(fragment);
  return thrown as TypeError;
};

const linear = () =>
  new Migrator()
    .register('1.0.0', '1.1.0', (s) => ({ ...s, a: 1 }))
    .register('1.1.0', '2.0.0', (s) => ({ ...s, b: 2 }));

describe('options are checked', () => {
  describe('new Migrator()', () => {
    for (const value of ['each_step', 'each', 'always', 'Final', '']) {
      it(`rejects validate: '${value}', naming the allowed values`, () => {
        typeError(
          () => new Migrator({ validate: value as 'off' }),
          'validate',
          `'${value}'`,
          "'each-step', 'final', 'off'",
        );
      });
    }

    it('suggests the closest value of a slip', () => {
      typeError(
        () => new Migrator({ validate: 'each_step' as 'off' }),
        "did you mean 'each-step'?",
      );
      typeError(() => new Migrator({ versionFormat: 'int' as 'integer' }), "'semver', 'integer'");
      typeError(() => new Migrator({ onNewerVersion: 'kept' as 'keep' }), "did you mean 'keep'?");
    });

    it('rejects an unknown key, naming the known keys and the closest', () => {
      typeError(
        () => new Migrator({ versionkey: 'v' } as never),
        'Unknown option versionkey of new Migrator()',
        'versionKey, versionFormat',
        'did you mean versionKey?',
      );
      typeError(() => new Migrator({ color: 'red' } as never), 'Unknown option color');
    });

    it('rejects values of the wrong kind', () => {
      typeError(() => new Migrator({ trace: 'yes' as never }), 'trace', 'a boolean');
      typeError(() => new Migrator({ clock: new Date(0) as never }), 'clock', 'a function');
      typeError(() => new Migrator({ logger: console.log as never }), 'logger', 'debug');
      typeError(() => new Migrator('each-step' as never), 'to be an object');
    });

    it('accepts every documented option, and undefined as absent', () => {
      const m = new Migrator({
        versionKey: 'meta.version',
        versionFormat: 'integer',
        onNewerVersion: 'keep',
        missingVersion: 1,
        currentVersion: 2,
        validate: 'final',
        trace: false,
        clock: () => new Date(0),
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      expect(m.options.validate).to.equal('final');
      expect(new Migrator({ validate: undefined }).options.validate).to.equal('each-step');
    });

    it('a misspelt validate never turns validation off (property)', () => {
      const allowed = ['each-step', 'final', 'off'];
      fc.assert(
        fc.property(
          fc.string().filter((s) => !allowed.includes(s)),
          (value) => {
            typeError(() => new Migrator({ validate: value as 'off' }), 'validate');
          },
        ),
      );
    });

    it('an unknown key is never ignored (property)', () => {
      // The options the constructor takes (its resolved options name some differently).
      const known = Object.keys(MIGRATOR_OPTIONS);
      fc.assert(
        fc.property(
          fc.string({ minLength: 1 }).filter((k) => !known.includes(k) && k !== '__proto__'),
          (key) => {
            typeError(() => new Migrator({ [key]: 1 } as never), 'Unknown option');
          },
        ),
      );
    });
  });

  describe('calls', () => {
    it("plan(…, { direction: 'up' }) is a TypeError, not 'No migration path found'", () => {
      typeError(
        () => linear().plan('1.0.0', '2.0.0', { direction: 'up' as 'forward' }),
        'direction',
        "'any', 'forward', 'reverse'",
      );
      typeError(
        () => linear().plan('1.0.0', '2.0.0', { dirction: 'forward' } as never),
        'did you mean direction?',
      );
      typeError(
        () => linear().alternatives('1.0.0', '2.0.0', { limit: 0 }),
        'limit',
        'positive integer',
      );
      expect(linear().plan('1.0.0', '2.0.0', { direction: 'forward' })._tag).to.equal('Right');
    });

    it('a frozen options object: a bad one throws on every call, a good one is checked once', () => {
      const m = linear();
      const bad = Object.freeze({ consum: true }) as never;
      for (let i = 0; i < 3; i++) {
        typeError(
          () => m.migrate({ state_version: '1.0.0' }, '2.0.0', bad),
          'did you mean consume?',
        );
      }
      const good = Object.freeze({ readOnly: true });
      for (let i = 0; i < 3; i++) {
        expect(m.migrate({ state_version: '1.0.0' }, '2.0.0', good)._tag).to.equal('Right');
      }
    });

    it('migrate, migrateAsync and migrateSyncFirst check their call options', async () => {
      const m = linear();
      typeError(
        () => m.migrate({ state_version: '1.0.0' }, '2.0.0', { consum: true } as never),
        'did you mean consume?',
      );
      typeError(
        () => m.migrateSyncFirst({ state_version: '1.0.0' }, '2.0.0', { consume: 'yes' } as never),
        'a boolean',
      );
      const rejected = await m
        .migrateAsync({ state_version: '1.0.0' }, '2.0.0', { consume: 1 } as never)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(rejected).to.be.instanceOf(TypeError);
      expect(m.migrate({ state_version: '1.0.0' }, '2.0.0', { consume: true })._tag).to.equal(
        'Right',
      );
    });

    it('migrateMany throws at the call, before reading anything', () => {
      let read = 0;
      const states = (function* () {
        read++;
        yield { state_version: '1.0.0' };
      })();
      typeError(
        () => linear().migrateMany(states, '2.0.0', { concurency: 2 } as never),
        'did you mean concurrency?',
      );
      typeError(() => linear().migrateMany([], '2.0.0', { concurrency: 0 }), 'concurrency');
      expect(read).to.equal(0);
    });

    it("register's meta and definitions", () => {
      const up = (s: AnyState) => s;
      typeError(
        () => new Migrator().register('1.0.0', '2.0.0', up, { descripton: 'x' } as never),
        'Unknown option descripton',
        'did you mean description?',
      );
      typeError(
        () => new Migrator().register('1.0.0', '2.0.0', up, { pure: 'yes' } as never),
        'pure',
        'a boolean',
      );
      typeError(
        () => new Migrator().register('1.0.0', '2.0.0', up, { changes: 'x' } as never),
        'changes',
        'array of strings',
      );
      typeError(
        () => new Migrator().register({ from: '1.0.0', to: '2.0.0', up, desc: 'x' } as never),
        'Unknown option desc',
      );
      typeError(
        () =>
          new Migrator().register({ from: '1.0.0', to: '2.0.0', up }, { replac: true } as never),
        'did you mean replace?',
      );
    });

    it('toDot and toMermaid', () => {
      typeError(() => linear().toDot({ titel: 'x' } as never), 'did you mean title?');
      typeError(() => linear().toMermaid({ title: 3 } as never), 'title', 'a string');
    });

    it('versioned(): edges and build', () => {
      const V1 = t.type({ a: t.number });
      const V2 = t.type({ a: t.number, b: t.number });
      const start = versioned('1.0.0', V1);
      typeError(
        () =>
          start.to('2.0.0', V2, {
            up: (s: { a: number }) => ({ ...s, b: 1 }),
            descripton: 'x',
          } as never),
        "to('2.0.0')",
        'did you mean description?',
      );
      const chain = start.to('2.0.0', V2, { up: (s) => ({ ...s, b: 1 }) });
      typeError(() => chain.build({ validate: 'each' as 'off' }), 'build()', "'each-step'");
      typeError(
        () => chain.build({ currentVersion: '1.0.0' } as never),
        'Unknown option currentVersion',
      );
      typeError(
        () =>
          chain.edge('1.0.0', '2.0.0', {
            up: (s: { a: number }) => ({ ...s, b: 1 }),
            cots: 2,
          } as never),
        'did you mean cost?',
      );
    });
  });

  it('closest suggests only near slips', () => {
    expect(closest('versionkey', ['versionKey', 'validate'])).to.equal('versionKey');
    expect(closest('each_step', ['each-step', 'final'])).to.equal('each-step');
    expect(closest('colour', ['versionKey', 'validate'])).to.equal(undefined);
  });
});
