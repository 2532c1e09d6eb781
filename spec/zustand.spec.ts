// migraph/zustand against the real zustand 5: a vanilla store with `persist` over a storage.
import { expect } from 'chai';
import { createStore } from 'zustand/vanilla';
import { createJSONStorage, persist } from 'zustand/middleware';
import { Migrator, MigrationError, StateVersionError } from '../lib/index.js';
import { persistMigration, type StoredMigrationError } from '../lib/integrations/zustand.js';

/** A synchronous string storage, as `localStorage` is. */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

interface Settings {
  title?: string;
  name?: string;
  theme?: string;
  count: number;
}

/** Settings: v1 `title`; v2 adds `theme`; v3 renames `title` to `name`. Every edge has a down. */
const settingsMigrator = (options: { failAt3?: boolean; onNewerVersion?: 'error' | 'keep' } = {}) =>
  new Migrator<Settings>({
    versionFormat: 'integer',
    versionKey: 'version',
    ...(options.onNewerVersion ? { onNewerVersion: options.onNewerVersion } : {}),
  })
    .register(1, 2, (s) => ({ ...s, theme: 'light' }), { down: ({ theme: _t, ...s }) => s })
    .register(
      2,
      3,
      ({ title, ...s }) => {
        if (options.failAt3) throw new Error('cannot rename');
        return { ...s, name: title };
      },
      { down: ({ name, ...s }) => ({ ...s, title: name }) },
    );

const storeOver = (storage: MemoryStorage, m: Migrator<Settings>) => {
  const errors: unknown[] = [];
  const store = createStore<Settings>()(
    persist(() => ({ count: 0 }), {
      name: 'settings',
      storage: createJSONStorage(() => storage),
      ...persistMigration(m, { storage, name: 'settings' }),
      onRehydrateStorage: () => (_state, error) => {
        if (error !== undefined) errors.push(error);
      },
    }),
  );
  return { store, errors };
};

/** zustand hydrates when the store is created; async migrations settle within a few ticks. */
const hydrated = () => new Promise((resolve) => setTimeout(resolve, 10));

const stored = (storage: MemoryStorage) => JSON.parse(storage.getItem('settings')!);

describe('migraph/zustand', () => {
  it('gives zustand the current version as an integer', () => {
    expect(persistMigration(settingsMigrator()).version).to.equal(3);
  });

  it('migrates a version-1 state in storage to the newest version, in the store and the storage', async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', JSON.stringify({ state: { title: 'Home', count: 4 }, version: 1 }));
    const { store, errors } = storeOver(storage, settingsMigrator());
    await hydrated();
    expect(errors).to.deep.equal([]);
    expect(store.getState()).to.deep.equal({ count: 4, theme: 'light', name: 'Home' });
    expect(stored(storage)).to.deep.equal({
      state: { count: 4, theme: 'light', name: 'Home' },
      version: 3,
    });
  });

  it('migrates down when the app is older than the stored state and down edges exist', async () => {
    const storage = new MemoryStorage();
    storage.setItem(
      'settings',
      JSON.stringify({ state: { name: 'Home', theme: 'dark', count: 1 }, version: 3 }),
    );
    const older = new Migrator<Settings>({ versionFormat: 'integer', currentVersion: 1 })
      .register(1, 2, (s) => ({ ...s, theme: 'light' }), { down: ({ theme: _t, ...s }) => s })
      .register(2, 3, ({ title, ...s }) => ({ ...s, name: title }), {
        down: ({ name, ...s }) => ({ ...s, title: name }),
      });
    const { store, errors } = storeOver(storage, older);
    await hydrated();
    expect(errors).to.deep.equal([]);
    expect(store.getState()).to.deep.equal({ count: 1, title: 'Home' });
    expect(stored(storage).version).to.equal(1);
  });

  it('on a failing migration, backs up the raw stored value before zustand can overwrite it', async () => {
    const storage = new MemoryStorage();
    const raw = JSON.stringify({ state: { title: 'Precious', count: 9 }, version: 1 });
    storage.setItem('settings', raw);
    const { store, errors } = storeOver(storage, settingsMigrator({ failAt3: true }));
    await hydrated();
    expect(errors).to.have.length(1);
    const error = errors[0] as StoredMigrationError;
    expect(error).to.be.instanceOf(MigrationError);
    expect(error.message).to.contain('cannot rename');
    expect(error.backupKey).to.equal('settings.migraph-backup');
    expect(storage.getItem('settings')).to.equal(raw);
    expect(storage.getItem('settings.migraph-backup')).to.equal(raw);
    // The app writes again: zustand replaces the stored value, the backup stays.
    store.setState({ count: 10 });
    expect(stored(storage).state).to.deep.equal({ count: 10 });
    expect(storage.getItem('settings.migraph-backup')).to.equal(raw);
  });

  it('keeps an earlier, different backup and backs the new value up beside it', async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings.migraph-backup', 'an earlier backup');
    const raw = JSON.stringify({ state: { title: 'x', count: 1 }, version: 1 });
    storage.setItem('settings', raw);
    const { errors } = storeOver(storage, settingsMigrator({ failAt3: true }));
    await hydrated();
    expect((errors[0] as StoredMigrationError).backupKey).to.equal('settings.migraph-backup.1');
    expect(storage.getItem('settings.migraph-backup')).to.equal('an earlier backup');
    expect(storage.getItem('settings.migraph-backup.1')).to.equal(raw);
  });

  it('follows onNewerVersion for a state written by a newer release', async () => {
    const raw = JSON.stringify({ state: { name: 'Future', count: 2, extra: true }, version: 7 });
    const refused = new MemoryStorage();
    refused.setItem('settings', raw);
    const first = storeOver(refused, settingsMigrator());
    await hydrated();
    expect(first.errors[0]).to.be.instanceOf(StateVersionError);
    expect(first.errors[0]).to.deep.include({ reason: 'newer_version' });
    expect(refused.getItem('settings.migraph-backup')).to.equal(raw);

    const kept = new MemoryStorage();
    kept.setItem('settings', raw);
    const second = storeOver(kept, settingsMigrator({ onNewerVersion: 'keep' }));
    await hydrated();
    expect(second.errors).to.deep.equal([]);
    expect(second.store.getState()).to.deep.equal({ name: 'Future', count: 2, extra: true });
  });

  it('runs async steps', async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', JSON.stringify({ state: { count: 1 }, version: 1 }));
    const m = new Migrator<Settings>({ versionFormat: 'integer' }).register(1, 2, async (s) => ({
      ...s,
      theme: 'async',
    }));
    const { store, errors } = storeOver(storage, m);
    await hydrated();
    expect(errors).to.deep.equal([]);
    expect(store.getState()).to.deep.equal({ count: 1, theme: 'async' });
  });

  it('refuses a migrator whose current version is not an integer', () => {
    const m = new Migrator().register('1.0.0', '1.1.0', (s) => s);
    expect(() => persistMigration(m)).to.throw(TypeError, '1.1.0');
  });
});
