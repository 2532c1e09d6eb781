import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { Migrator, type AnyState, type MigratorOptions } from '../../lib/index.js';
import { MIGRATOR_OPTIONS } from '../../lib/core/migrator.js';

const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const clock = () => new Date(0);

/**
 * A value for every option, none of them the default. Typed `Required<MigratorOptions>`: a new
 * option fails to compile here until it has a sample, and then must survive `derive`. Versions
 * are written `N.0.0`, which both formats read.
 */
const samples: Required<MigratorOptions> = {
  versionKey: ['meta', 'schema.version'],
  versionFormat: 'integer',
  onNewerVersion: 'keep',
  missingVersion: '1.0.0',
  currentVersion: '2.0.0',
  validate: 'final',
  trace: false,
  clock,
  logger,
  jitless: true,
  stampReadableFrom: () => E.right({ class: 'FULL' }),
  readableFromKey: 'oldestReader',
};

const step = (s: AnyState) => ({ ...s, done: true });

describe('Migrator.derive', () => {
  it('has a sample for every option the constructor takes', () => {
    expect(Object.keys(samples).sort()).to.deep.equal(Object.keys(MIGRATOR_OPTIONS).sort());
  });

  it('keeps every option not changed', () => {
    const m = new Migrator(samples);
    const derived = m.derive();
    for (const key of Object.keys(MIGRATOR_OPTIONS)) {
      const option = key as keyof typeof m.options;
      expect(derived.options[option], key).to.deep.equal(m.options[option]);
    }
    expect(derived.options).to.deep.equal(m.options);
  });

  it('changes each option alone', () => {
    const m = new Migrator();
    for (const key of Object.keys(MIGRATOR_OPTIONS) as (keyof MigratorOptions)[]) {
      const derived = new Migrator(samples).derive({ [key]: undefined });
      const changed = m.derive({ [key]: samples[key] });
      for (const other of Object.keys(MIGRATOR_OPTIONS) as (keyof typeof m.options)[]) {
        if (other === key || (key === 'versionKey' && other === 'versionPath')) continue;
        // The stamp sits beside the version field, at readableFromKey.
        if (other === 'readableFromPath' && ['versionKey', 'readableFromKey'].includes(key)) {
          continue;
        }
        expect(changed.options[other], `${key} changed, ${other} kept`).to.deep.equal(
          m.options[other],
        );
      }
      // An option set to undefined goes back to its default.
      expect(derived.options[key as keyof typeof m.options], key).to.deep.equal(
        m.options[key as keyof typeof m.options],
      );
    }
  });

  it('keeps the migrations and codecs, and checks states as the original does', () => {
    const codec = t.type({ state_version: t.string, done: t.literal(true) });
    const m = new Migrator({ clock })
      .register('1.0.0', '2.0.0', step, { down: (s) => s, description: 'finish', lossy: true })
      .schema('2.0.0', codec)
      .schema('*', t.UnknownRecord);
    const derived = m.derive({ trace: false });
    expect(derived.edges()).to.deep.equal(m.edges());
    expect(derived.codecFor('2.0.0')).to.equal(codec);
    expect(derived.codecFor('1.0.0')).to.equal(t.UnknownRecord);
    expect(derived.migrate({ state_version: '1.0.0' })).to.deep.equal(
      m.migrate({ state_version: '1.0.0' }),
    );
    const broken = new Migrator().register('1.0.0', '2.0.0', (s) => s).schema('2.0.0', codec);
    expect(E.isLeft(broken.derive().migrate({ state_version: '1.0.0' }))).to.equal(true);
  });

  it('gives a copy of its own: registering on either leaves the other alone', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', step);
    const derived = m.derive();
    derived.register('2.0.0', '3.0.0', step).schema('3.0.0', t.UnknownRecord);
    m.register('0.1.0', '1.0.0', step);
    expect(m.versions()).to.deep.equal(['0.1.0', '1.0.0', '2.0.0']);
    expect(derived.versions()).to.deep.equal(['1.0.0', '2.0.0', '3.0.0']);
    expect(m.codecFor('3.0.0')).to.equal(undefined);
    derived.clear();
    expect(m.edges()).to.have.length(2);
  });

  it('reads versions in the derived format', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', step);
    const integer = m.derive({ versionFormat: 'integer', missingVersion: 1 });
    expect(integer.migrate({ state_version: 1 })).to.deep.equal(
      E.right({ state_version: 2, done: true }),
    );
  });

  it('checks its options, naming derive()', () => {
    const m = new Migrator();
    expect(() => m.derive({ validat: 'off' } as never)).to.throw(TypeError, 'derive()');
    expect(() => m.derive({ validate: 'sometimes' } as never)).to.throw(TypeError, 'derive()');
  });
});
