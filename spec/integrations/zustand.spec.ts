// migraph/zustand against the real zustand 5: a vanilla store with `persist` over a storage.
import { expect } from 'chai';
import { createStore } from 'zustand/vanilla';
import { createJSONStorage, persist } from 'zustand/middleware';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { Migrator, MigrationError, StateVersionError } from '../../lib/index.js';
import {
  persistMigration,
  persistOptions,
  type StoredMigrationError,
} from '../../lib/integrations/zustand.js';
import { MemoryStorage } from '../support/memory-storage.js';

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

/** A store over the one-call helper: name, storage, version and migrate given once. */
const helperStoreOver = <T extends object = Settings>(
  storage: MemoryStorage | AsyncMemoryStorage,
  m: Migrator<T>,
  init: () => T = () => ({ count: 0 }) as unknown as T,
) => {
  const errors: unknown[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const store = createStore<T>()(
    persist(init, {
      ...persistOptions(m, { storage, name: 'settings' }),
      onRehydrateStorage: () => (_state, error) => {
        if (error !== undefined) errors.push(error);
        finish();
      },
    }),
  );
  return { store, errors, done };
};

/** An async string storage (IndexedDB-like); `reads` can hold the read until released. */
class AsyncMemoryStorage {
  readonly items = new Map<string, string>();
  async getItem(key: string): Promise<string | null> {
    return this.items.get(key) ?? null;
  }
  async setItem(key: string, value: string): Promise<void> {
    this.items.set(key, value);
  }
  async removeItem(key: string): Promise<void> {
    this.items.delete(key);
  }
}

/** A promise released by hand: lets a spec order events without timing. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

/** zustand hydrates when the store is created; async migrations settle within a few ticks. */
const hydrated = () => new Promise((resolve) => setTimeout(resolve, 10));

const stored = (storage: MemoryStorage) => JSON.parse(storage.getItem('settings')!);

describe('migraph/zustand', () => {
  it('gives zustand the current version as an integer', () => {
    expect(persistMigration(settingsMigrator(), { name: 'settings' }).version).to.equal(3);
    expect(persistOptions(settingsMigrator(), { name: 'settings' }).version).to.equal(3);
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
    // The older release writes anyway: zustand replaces the newer value, the backup keeps it.
    first.store.setState({ count: 3 });
    expect(stored(refused).state).to.deep.include({ count: 3 });
    expect(stored(refused).version).to.not.equal(7);
    expect(refused.getItem('settings.migraph-backup')).to.equal(raw);

    const kept = new MemoryStorage();
    kept.setItem('settings', raw);
    const second = helperStoreOver(kept, settingsMigrator({ onNewerVersion: 'keep' }));
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
    expect(() => persistMigration(m, { name: 'settings' })).to.throw(TypeError, '1.1.0');
    expect(() => persistOptions(m, { name: 'settings' })).to.throw(TypeError, '1.1.0');
  });
});

describe('migraph/zustand: protection by construction (issue 19)', () => {
  const v1 = JSON.stringify({ state: { title: 'Precious', count: 9 }, version: 1 });

  it('persistOptions gives zustand name, storage, version and migrate: nothing else to set', async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', v1);
    const options = persistOptions(settingsMigrator(), { name: 'settings', storage });
    expect(Object.keys(options).sort()).to.deep.equal(['migrate', 'name', 'storage', 'version']);
    const store = createStore<Settings>()(persist(() => ({ count: 0 }), options));
    // A synchronous storage hydrates synchronously when every step is synchronous.
    expect(store.getState()).to.deep.equal({ count: 9, theme: 'light', name: 'Precious' });
    expect(stored(storage)).to.deep.equal({
      state: { count: 9, theme: 'light', name: 'Precious' },
      version: 3,
    });
  });

  it('backs the raw value up before the first step: an app write during an async step cannot destroy it', async () => {
    for (const protect of ['persistOptions', 'persistMigration'] as const) {
      const storage = new AsyncMemoryStorage();
      storage.items.set('settings', v1);
      const wrote = gate();
      const entered = gate();
      const m = new Migrator<Settings>({ versionFormat: 'integer' }).register(1, 2, async () => {
        entered.open();
        await wrote.opened;
        throw new Error('cannot add a theme');
      });
      const errors: unknown[] = [];
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const store = createStore<Settings>()(
        persist<Settings>(() => ({ count: 0 }), {
          ...(protect === 'persistOptions'
            ? persistOptions(m, { name: 'settings', storage })
            : {
                name: 'settings',
                storage: createJSONStorage(() => storage),
                ...persistMigration(m, { name: 'settings', storage }),
              }),
          onRehydrateStorage: () => (_state, error) => {
            if (error !== undefined) errors.push(error);
            finish();
          },
        }),
      );
      // The step has started; the app writes while it is pending.
      await entered.opened;
      store.setState({ count: 1 });
      await Promise.resolve();
      expect(JSON.parse(storage.items.get('settings')!).state, protect).to.deep.equal({ count: 1 });
      wrote.open();
      await done;
      expect(errors, protect).to.have.length(1);
      expect((errors[0] as StoredMigrationError).backupKey).to.equal('settings.migraph-backup');
      expect(storage.items.get('settings.migraph-backup'), protect).to.equal(v1);
    }
  });

  it('with a synchronous storage, the backup exists before createStore returns', () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', v1);
    const m = new Migrator<Settings>({ versionFormat: 'integer' }).register(
      1,
      2,
      () => new Promise<never>(() => undefined),
    );
    helperStoreOver(storage, m);
    expect(storage.getItem('settings.migraph-backup')).to.equal(v1);
  });

  it('removes the backup once the migrated state is stored: no pile of backups after successes', async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', v1);
    helperStoreOver(storage, settingsMigrator());
    expect(stored(storage).version).to.equal(3);
    expect([...storage.items.keys()]).to.deep.equal(['settings']);
    // An async storage too.
    const slow = new AsyncMemoryStorage();
    slow.items.set('settings', v1);
    const { done, errors } = helperStoreOver(slow, settingsMigrator());
    await done;
    expect(errors).to.deep.equal([]);
    expect([...slow.items.keys()]).to.deep.equal(['settings']);
    expect(JSON.parse(slow.items.get('settings')!).version).to.equal(3);
  });

  it('a failed hydration keeps its backup, and failing again on the same value adds none', async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', v1);
    for (let i = 0; i < 3; i++) {
      const { errors } = helperStoreOver(storage, settingsMigrator({ failAt3: true }));
      expect((errors[0] as StoredMigrationError).backupKey).to.equal('settings.migraph-backup');
    }
    expect([...storage.items.keys()].sort()).to.deep.equal(['settings', 'settings.migraph-backup']);
    expect(storage.getItem('settings.migraph-backup')).to.equal(v1);
  });

  it('a stored value that is not JSON is backed up before zustand can write over it', async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', '{"state":');
    const { store, errors, done } = helperStoreOver(storage, settingsMigrator());
    await done;
    expect(errors[0]).to.be.instanceOf(StateVersionError).and.deep.include({ reason: 'not_json' });
    store.setState({ count: 1 });
    expect(storage.getItem('settings.migraph-backup')).to.equal('{"state":');
  });

  it('runs a plain function returning a promise exactly once per hydration (sync storage)', async () => {
    const calls: string[] = [];
    const m = new Migrator<Settings>({ versionFormat: 'integer' })
      .register(1, 2, (s) => {
        calls.push('1->2');
        return { ...s, theme: 'light' };
      })
      .register(2, 3, ({ title, ...s }) => {
        calls.push('2->3');
        // A wrapped async function: not an AsyncFunction, so only known when it runs.
        return Promise.resolve({ ...s, name: title });
      })
      .register(3, 4, (s) => {
        calls.push('3->4');
        return TE.right<never, Settings>({ ...s, count: s.count + 1 })();
      })
      .register(4, 5, (s) => {
        calls.push('4->5');
        return { ...s, count: s.count * 10 };
      });
    for (const storage of [new MemoryStorage(), new AsyncMemoryStorage()]) {
      calls.length = 0;
      await storage.setItem('settings', v1);
      const { store, errors, done } = helperStoreOver(storage, m);
      await done;
      expect(errors).to.deep.equal([]);
      expect(calls).to.deep.equal(['1->2', '2->3', '3->4', '4->5']);
      expect(store.getState()).to.deep.equal({ count: 100, theme: 'light', name: 'Precious' });
    }
    // The same through persistMigration.
    calls.length = 0;
    const storage = new MemoryStorage();
    storage.setItem('settings', v1);
    storeOver(storage, m as never);
    await hydrated();
    expect(calls).to.deep.equal(['1->2', '2->3', '3->4', '4->5']);
  });

  it("reads zustand's default version 0 at the first registered version, with no extra options", async () => {
    const storage = new MemoryStorage();
    storage.setItem('settings', JSON.stringify({ state: { title: 'Old', count: 2 }, version: 0 }));
    const { store, errors } = helperStoreOver(storage, settingsMigrator());
    expect(errors).to.deep.equal([]);
    expect(store.getState()).to.deep.equal({ count: 2, theme: 'light', name: 'Old' });
    // A registered 0 is an ordinary version.
    const zero = new MemoryStorage();
    zero.setItem('settings', JSON.stringify({ state: { count: 2 }, version: 0 }));
    const m = new Migrator<Settings>({ versionFormat: 'integer' }).register(0, 1, (s) => ({
      ...s,
      title: 'from zero',
    }));
    const second = helperStoreOver(zero, m);
    expect(second.store.getState()).to.deep.equal({ count: 2, title: 'from zero' });
  });

  it("onNewerVersion 'keep' stores a newer state again under its own version, never the app's", async () => {
    const storage = new MemoryStorage();
    const v5 = { name: 'Future', count: 2, extra: true };
    storage.setItem('settings', JSON.stringify({ state: v5, version: 5 }));
    const { store, errors } = helperStoreOver(
      storage,
      settingsMigrator({ onNewerVersion: 'keep' }),
    );
    expect(errors).to.deep.equal([]);
    expect(store.getState()).to.deep.equal(v5);
    expect(stored(storage)).to.deep.equal({ state: v5, version: 5 });
    store.setState({ count: 3 });
    expect(stored(storage)).to.deep.equal({ state: { ...v5, count: 3 }, version: 5 });
    expect([...storage.items.keys()]).to.deep.equal(['settings']);
    // The next start of the same (older) app still sees a version-5 state.
    const again = helperStoreOver(storage, settingsMigrator({ onNewerVersion: 'keep' }));
    expect(again.store.getState()).to.deep.equal({ ...v5, count: 3 });
    expect(stored(storage).version).to.equal(5);
  });

  it('migrates nothing when its storage is not the one persist reads: no backup could be taken', async () => {
    const read = new MemoryStorage();
    const raw = JSON.stringify({ state: { title: 'Precious', count: 9 }, version: 1 });
    read.setItem('settings', raw);
    const elsewhere = new MemoryStorage();
    let ran = 0;
    const m = settingsMigrator();
    m.register(3, 4, (s) => (ran++, s));
    const errors: unknown[] = [];
    createStore<Settings>()(
      persist(() => ({ count: 0 }), {
        name: 'settings',
        storage: createJSONStorage(() => read),
        ...persistMigration(m, { storage: elsewhere, name: 'settings' }),
        onRehydrateStorage: () => (_state, error) => void errors.push(error),
      }),
    );
    await hydrated();
    expect(ran).to.equal(0);
    expect(errors[0]).to.be.instanceOf(TypeError);
    expect((errors[0] as Error).message).to.contain('Nothing is stored under settings');
    expect(read.getItem('settings')).to.equal(raw);
    expect([...elsewhere.items.keys()]).to.deep.equal([]);
  });

  it('refuses a setup that could migrate without a backup', () => {
    expect(() => persistMigration(settingsMigrator())).to.throw(TypeError, 'name');
    expect(() => persistOptions(settingsMigrator(), {} as never)).to.throw(TypeError, 'name');
    expect(() =>
      persistMigration(settingsMigrator({ onNewerVersion: 'keep' }), { name: 'settings' }),
    ).to.throw(TypeError, 'persistOptions');
    expect(() =>
      persistOptions(settingsMigrator(), { name: 'settings', storage: {} as never }),
    ).to.throw(TypeError, 'storage');
  });

  // zustand's own persist migrate cases (tests/persistSync and persistAsync), through migraph.
  describe("zustand's persist migrate cases", () => {
    const countFrom12 = () =>
      new Migrator<{ count: number }>({ versionFormat: 'integer' }).register(12, 13, () => ({
        count: 99,
      }));

    it('can non-async migrate persisted state', () => {
      const storage = new MemoryStorage();
      storage.setItem('settings', JSON.stringify({ state: { count: 42 }, version: 12 }));
      const rehydrated: unknown[] = [];
      const store = createStore<{ count: number }>()(
        persist(() => ({ count: 0 }), {
          ...persistOptions(countFrom12(), { name: 'settings', storage }),
          onRehydrateStorage: () => (state, error) => rehydrated.push([state, error]),
        }),
      );
      expect(store.getState()).to.deep.equal({ count: 99 });
      expect(storage.getItem('settings')).to.equal(
        JSON.stringify({ state: { count: 99 }, version: 13 }),
      );
      expect(rehydrated).to.deep.equal([[{ count: 99 }, undefined]]);
    });

    it('can async migrate persisted state', async () => {
      const storage = new AsyncMemoryStorage();
      storage.items.set('settings', JSON.stringify({ state: { count: 42 }, version: 12 }));
      const m = new Migrator<{ count: number }>({ versionFormat: 'integer' }).register(
        12,
        13,
        async () => ({ count: 99 }),
      );
      const { store, done } = helperStoreOver(storage, m, () => ({ count: 0 }));
      expect(store.getState()).to.deep.equal({ count: 0 });
      await done;
      expect(store.getState()).to.deep.equal({ count: 99 });
      expect(storage.items.get('settings')).to.equal(
        JSON.stringify({ state: { count: 99 }, version: 13 }),
      );
    });

    it('can throw migrate error', () => {
      const storage = new MemoryStorage();
      storage.setItem('settings', JSON.stringify({ state: {}, version: 12 }));
      const m = new Migrator<{ count: number }>({ versionFormat: 'integer' }).register(
        12,
        13,
        () => {
          throw new Error('migrate error');
        },
      );
      const rehydrated: unknown[] = [];
      const store = createStore<{ count: number }>()(
        persist(() => ({ count: 0 }), {
          ...persistOptions(m, { name: 'settings', storage }),
          onRehydrateStorage: () => (state, error) => rehydrated.push([state, error]),
        }),
      );
      expect(store.getState()).to.deep.equal({ count: 0 });
      expect(rehydrated).to.have.length(1);
      expect(rehydrated[0]).to.have.property('0', undefined);
      expect((rehydrated[0] as Error[])[1]!.message).to.contain('migrate error');
    });

    it('does not migrate a state already at the current version', () => {
      const storage = new MemoryStorage();
      storage.setItem('settings', JSON.stringify({ state: { count: 42 }, version: 13 }));
      const store = createStore<{ count: number }>()(
        persist(() => ({ count: 0 }), persistOptions(countFrom12(), { name: 'settings', storage })),
      );
      expect(store.getState()).to.deep.equal({ count: 42 });
      expect([...storage.items.keys()]).to.deep.equal(['settings']);
    });
  });
});
