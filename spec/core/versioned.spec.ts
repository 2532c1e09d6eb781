import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { MigrationError, versioned } from '../../lib/index.js';
import { left, right } from '../support/graphs.js';
import { SettingsV1, SettingsV11, SettingsV2 } from '../support/settings.js';

const settings = () =>
  versioned('1.0.0', SettingsV1)
    .to('1.1.0', SettingsV11, {
      up: (s) => ({ ...s, theme: 'light' as const }),
      down: ({ theme: _theme, ...s }) => s,
      description: 'Add a theme',
    })
    .to('2.0.0', SettingsV2, {
      up: ({ title, ...s }) => ({ ...s, name: title }),
      down: ({ name, ...s }) => ({ ...s, title: name }),
    })
    .edge('1.0.0', '2.0.0', {
      up: ({ title, ...s }) => ({ ...s, name: title, theme: 'dark' as const }),
      cost: 3,
    });

describe('versioned', () => {
  it('migrates to the newest declared version by default, the engine writing the version', () => {
    const m = settings().build();
    expect(right(m.migrate({ state_version: '1.0.0', title: 'Home' }))).to.deep.equal({
      state_version: '2.0.0',
      name: 'Home',
      theme: 'light',
    });
  });

  it('goes down where down edges exist, and takes a shortcut when it is cheaper', () => {
    const m = settings().build();
    expect(
      right(m.migrate({ state_version: '2.0.0', name: 'Home', theme: 'dark' }, '1.0.0')),
    ).to.deep.equal({ state_version: '1.0.0', title: 'Home' });
    const shortcut = versioned('1.0.0', SettingsV1)
      .to('1.1.0', SettingsV11, { up: (s) => ({ ...s, theme: 'light' as const }) })
      .to('2.0.0', SettingsV2, { up: ({ title, ...s }) => ({ ...s, name: title }) })
      .edge('1.0.0', '2.0.0', {
        up: ({ title, ...s }) => ({ ...s, name: title, theme: 'dark' as const }),
      })
      .build();
    expect(right(shortcut.migrate({ state_version: '1.0.0', title: 'x' }))).to.deep.include({
      theme: 'dark',
    });
  });

  it('exposes the migrator, with codecs, descriptions and the newest version as current', () => {
    const { migrator, versions } = settings().build();
    expect(versions).to.deep.equal(['1.0.0', '1.1.0', '2.0.0']);
    expect(migrator.targetVersion()).to.equal('2.0.0');
    expect(migrator.hasOwnSchema('1.1.0')).to.equal(true);
    expect(migrator.edges().find((e) => e.to === '1.1.0')?.description).to.equal('Add a theme');
    expect(migrator.toMermaid()).to.contain('Add a theme');
  });

  it('validates with the declared codecs (here only the final state)', () => {
    const m = versioned('1.0.0', SettingsV1)
      .to('1.1.0', SettingsV11, {
        up: (s) => ({ ...s, theme: 'blue' }) as unknown as typeof s & { theme: 'light' },
      })
      .build({ validate: 'final' });
    const error = left(m.migrate({ state_version: '1.0.0', title: 'x' }));
    expect(error).to.be.instanceOf(MigrationError);
    expect(error).to.deep.include({ reason: 'validation_failed' });
  });

  it('runs async steps through migrateAsync', async () => {
    const m = versioned('1.0.0', SettingsV1)
      .to('1.1.0', SettingsV11, {
        up: async (s) => ({ ...s, theme: 'light' as const }),
      })
      .build();
    const result = await m.migrateAsync({ state_version: '1.0.0', title: 'x' });
    expect(E.isRight(result) && result.right.theme).to.equal('light');
  });

  it('refuses a version declared twice', () => {
    const chain = versioned('1.0.0', SettingsV1);
    expect(() =>
      // @ts-expect-error: the compiler rejects it too
      chain.to('1.0.0', SettingsV1, { up: (s) => s }),
    ).to.throw(TypeError, 'declared twice');
  });
});
