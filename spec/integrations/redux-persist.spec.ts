// migraph/redux-persist against the real redux-persist 6: persistReducer + persistStore over a
// memory storage.
import { expect } from 'chai';
import { legacy_createStore as createStore, type Reducer } from 'redux';
import { persistReducer, persistStore, type Persistor } from 'redux-persist';
import { Migrator, MigrationError, StateVersionError, type AnyState } from '../../lib/index.js';
import {
  createMigrate,
  fromManifest,
  persistConfig,
  type StoredMigrationError,
} from '../../lib/integrations/redux-persist.js';

/** An async string storage, as redux-persist's storages are. */
class MemoryStorage {
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

/** What redux-persist writes for a state: each top-level key serialised on its own. */
const persisted = (state: AnyState, version: number): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries({ ...state, _persist: { version, rehydrated: true } }).map(([k, v]) => [
        k,
        JSON.stringify(v),
      ]),
    ),
  );

const reducer: Reducer<AnyState> = (state = { todos: [], filter: 'all' }) => state;

const todosMigrator = (options: { fail?: boolean; onNewerVersion?: 'error' | 'keep' } = {}) =>
  new Migrator({
    versionKey: '_persist.version',
    versionFormat: 'integer',
    missingVersion: 1,
    ...(options.onNewerVersion ? { onNewerVersion: options.onNewerVersion } : {}),
  })
    .register(1, 2, (s) => ({ ...s, filter: s.filter ?? 'all' }), {
      down: ({ filter: _f, ...s }) => s,
    })
    .register(
      2,
      3,
      async (s) => {
        if (options.fail) throw new Error('todos are corrupt');
        return { ...s, todos: s.todos.map((text: string) => ({ text, done: false })) };
      },
      {
        down: (s) => ({ ...s, todos: s.todos.map((t: { text: string }) => t.text) }),
      },
    );

/** A store persisted under `root` at `version`; resolves once rehydration is over. */
const boot = async (storage: MemoryStorage, m: Migrator, version: number) => {
  const errors: unknown[] = [];
  const migrate = createMigrate(m, { storage, key: 'root' });
  const config = {
    key: 'root',
    storage,
    version,
    migrate: (state: unknown, current: number) =>
      migrate(state, current).catch((error: unknown) => {
        errors.push(error);
        throw error;
      }),
  };
  const store = createStore(persistReducer(config as never, reducer));
  let persistor: Persistor | undefined;
  await new Promise<void>((resolve) => {
    persistor = persistStore(store, null, resolve);
  });
  return { store, errors, persistor: persistor! };
};

describe('migraph/redux-persist', () => {
  const quiet = console.error;
  before(() => {
    // redux-persist logs a failed migration with console.error; the specs check it themselves.
    console.error = () => undefined;
  });
  after(() => {
    console.error = quiet;
  });

  it('migrates a version-1 stored state to the newest version (async steps included)', async () => {
    const storage = new MemoryStorage();
    await storage.setItem('persist:root', persisted({ todos: ['milk'] }, 1));
    const { store, errors } = await boot(storage, todosMigrator(), 3);
    expect(errors).to.deep.equal([]);
    const { _persist, ...state } = store.getState();
    expect(state).to.deep.equal({ todos: [{ text: 'milk', done: false }], filter: 'all' });
    expect(_persist).to.deep.include({ version: 3 });
  });

  it('migrates down to an older app version where down edges exist', async () => {
    const storage = new MemoryStorage();
    await storage.setItem(
      'persist:root',
      persisted({ todos: [{ text: 'eggs', done: true }], filter: 'done' }, 3),
    );
    const { store, errors } = await boot(storage, todosMigrator(), 1);
    expect(errors).to.deep.equal([]);
    const { _persist, ...state } = store.getState();
    // `filter` went with the down migration; redux-persist merges the reducer's initial one back.
    expect(state).to.deep.equal({ todos: ['eggs'], filter: 'all' });
    expect(_persist).to.deep.include({ version: 1 });
  });

  it('reads a state persisted without a version (-1) at the missing version', async () => {
    const m = todosMigrator();
    const storage = new MemoryStorage();
    const migrate = createMigrate(m, { storage, key: 'root' });
    await storage.setItem('persist:root', persisted({ todos: ['x'] }, -1));
    const out = await migrate({ todos: ['x'], _persist: { version: -1, rehydrated: true } }, 2);
    expect(out).to.deep.equal({
      todos: ['x'],
      filter: 'all',
      _persist: { version: 2, rehydrated: true },
    });
  });

  it('on a failing migration, keeps the stored value and backs it up before rejecting', async () => {
    const storage = new MemoryStorage();
    const raw = persisted({ todos: ['precious'] }, 1);
    await storage.setItem('persist:root', raw);
    const { errors, persistor } = await boot(storage, todosMigrator({ fail: true }), 3);
    expect(errors).to.have.length(1);
    const error = errors[0] as StoredMigrationError;
    expect(error).to.be.instanceOf(MigrationError);
    expect(error.message).to.contain('todos are corrupt');
    expect(error.backupKey).to.equal('persist:root.migraph-backup');
    expect(await storage.getItem('persist:root.migraph-backup')).to.equal(raw);
    // redux-persist then writes the initial state over the stored one; the backup stays.
    await persistor.flush();
    expect(await storage.getItem('persist:root.migraph-backup')).to.equal(raw);
  });

  it('follows onNewerVersion for a state written by a newer release', async () => {
    const raw = persisted({ todos: [], filter: 'all', future: 1 }, 9);
    const refused = new MemoryStorage();
    await refused.setItem('persist:root', raw);
    const first = await boot(refused, todosMigrator(), 3);
    expect(first.errors[0]).to.be.instanceOf(StateVersionError);
    expect(first.errors[0]).to.deep.include({ reason: 'newer_version' });
    expect(await refused.getItem('persist:root.migraph-backup')).to.equal(raw);

    // 'keep' is persistConfig's (see "onNewerVersion 'keep' stores a newer state again…").
    const refusedKeep = await boot(
      new MemoryStorage(),
      todosMigrator({ onNewerVersion: 'keep' }),
      3,
    ).catch((error: unknown) => error);
    expect(refusedKeep).to.be.instanceOf(TypeError);
  });

  it('refuses a migrator that does not read _persist.version as integers', () => {
    expect(() => createMigrate(new Migrator({ versionFormat: 'integer' }))).to.throw(
      TypeError,
      '_persist.version',
    );
    expect(() => createMigrate(new Migrator({ versionKey: '_persist.version' }))).to.throw(
      TypeError,
      'integer',
    );
  });
});

/** A logger that keeps its warnings. */
const warnings = () => {
  const seen: string[] = [];
  const logger = {
    debug() {},
    info() {},
    error() {},
    warn: (message: string) => seen.push(message),
  };
  return { seen, logger };
};

/** A promise released by hand: lets a spec order events without timing. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

/** A store persisted under `root` with persistConfig; resolves once redux-persist has rehydrated. */
const bootWith = async <C extends Parameters<typeof persistConfig>[1]>(
  m: Migrator,
  config: C,
  reduce: Reducer<AnyState> = reducer,
) => {
  const made = persistConfig(m, config);
  const migrations: Promise<unknown>[] = [];
  const rehydrated: { err?: unknown }[] = [];
  const watched = {
    ...made,
    migrate: (state: unknown, version: number) => {
      const p = made.migrate(state, version);
      migrations.push(p.catch(() => undefined));
      return p;
    },
  };
  const store = createStore(
    persistReducer(
      watched,
      (state: AnyState | undefined, action: { type: string; err?: unknown }) => {
        if (action.type === 'persist/REHYDRATE') rehydrated.push({ err: action.err });
        return reduce(state, action);
      },
    ),
  );
  let persistor: Persistor | undefined;
  await new Promise<void>((resolve) => {
    persistor = persistStore(store, null, resolve);
  });
  return { store, persistor: persistor!, migrations, rehydrated };
};

const rawOf = (storage: MemoryStorage) => storage.items.get('persist:root');
const versionStored = (storage: MemoryStorage) =>
  JSON.parse(JSON.parse(rawOf(storage)!)._persist).version;

describe('migraph/redux-persist: protection by construction (issue 19)', () => {
  const quiet = console.error;
  before(() => {
    console.error = () => undefined;
  });
  after(() => {
    console.error = quiet;
  });

  it('persistConfig gives persistReducer the whole config: a success leaves no backup behind', async () => {
    const storage = new MemoryStorage();
    await storage.setItem('persist:root', persisted({ todos: ['milk'] }, 1));
    const { store, persistor, rehydrated } = await bootWith(todosMigrator(), {
      key: 'root',
      storage,
    });
    expect(rehydrated).to.deep.equal([{ err: undefined }]);
    expect(store.getState()).to.deep.include({ todos: [{ text: 'milk', done: false }] });
    await persistor.flush();
    expect(versionStored(storage)).to.equal(3);
    expect([...storage.items.keys()]).to.deep.equal(['persist:root']);
  });

  it('a step slower than the timeout: the backup holds the original value, whether the step then fails or succeeds', async () => {
    for (const outcome of ['fails', 'succeeds'] as const) {
      const storage = new MemoryStorage();
      const raw = persisted({ todos: ['precious'] }, 2);
      await storage.setItem('persist:root', raw);
      const late = gate();
      const { seen, logger } = warnings();
      const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer', logger })
        .register(1, 2, (s) => s)
        .register(2, 3, async (s) => {
          await late.opened;
          if (outcome === 'fails') throw new Error('todos are corrupt');
          return { ...s, todos: [] };
        });
      // redux-persist gives up after `timeout` and rehydrates the initial state.
      const { store, persistor, migrations, rehydrated } = await bootWith(m, {
        key: 'root',
        storage,
        timeout: 30,
      });
      expect(String(rehydrated[0]!.err)).to.contain('timed out');
      expect(store.getState().todos).to.deep.equal([]);
      await persistor.flush();
      late.open();
      await Promise.all(migrations);
      await persistor.flush();
      expect(await storage.getItem('persist:root.migraph-backup'), outcome).to.equal(raw);
      expect(rawOf(storage), outcome).to.not.equal(raw);
      if (outcome === 'succeeds') {
        expect(seen).to.have.length(1);
        expect(seen[0]).to.contain("past redux-persist's timeout (30 ms)");
        expect(seen[0]).to.contain('persist:root.migraph-backup');
      }
    }
  });

  it('runs a plain function returning a promise exactly once', async () => {
    const storage = new MemoryStorage();
    await storage.setItem('persist:root', persisted({ todos: [] }, 1));
    let calls = 0;
    const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer' }).register(
      1,
      2,
      (s) => {
        calls++;
        return Promise.resolve({ ...s, filter: 'all' });
      },
    );
    await bootWith(m, { key: 'root', storage });
    expect(calls).to.equal(1);
  });

  it('reads an unversioned state (-1 or no _persist) at the first registered version, with no extra options', async () => {
    const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer' })
      .register(1, 2, (s) => ({ ...s, filter: 'all' }))
      .register(2, 3, (s) => ({ ...s, done: [] }));
    const storage = new MemoryStorage();
    const migrate = createMigrate(m, { storage, key: 'root' });
    for (const state of [
      { todos: [], _persist: { version: -1, rehydrated: false } },
      { todos: [] },
    ]) {
      await storage.setItem('persist:root', JSON.stringify(state));
      expect(await migrate(state, 3)).to.deep.include({ todos: [], filter: 'all', done: [] });
    }
  });

  it("onNewerVersion 'keep' stores a newer state again under its own version", async () => {
    const storage = new MemoryStorage();
    await storage.setItem('persist:root', persisted({ todos: [], filter: 'all', future: 1 }, 9));
    const { store, persistor } = await bootWith(todosMigrator({ onNewerVersion: 'keep' }), {
      key: 'root',
      storage,
    });
    expect(store.getState()).to.deep.include({ future: 1 });
    await persistor.flush();
    expect(versionStored(storage)).to.equal(9);
    expect([...storage.items.keys()]).to.deep.equal(['persist:root']);
  });

  it("createMigrate refuses onNewerVersion 'keep': redux-persist would store the newer state under the app's version", () => {
    expect(() =>
      createMigrate(todosMigrator({ onNewerVersion: 'keep' }), {
        storage: new MemoryStorage(),
        key: 'root',
      }),
    ).to.throw(TypeError, 'persistConfig');
    expect(() =>
      createMigrate(fromManifest({ 1: (s: AnyState) => s }), {
        storage: new MemoryStorage(),
        key: 'root',
      }),
    ).to.throw(TypeError, "'keep'");
  });

  it("a read slower than redux-persist's timeout counts towards it: the backup stays and a warning says so", async () => {
    // redux-persist starts its timer before it reads the storage.
    const read = gate();
    class SlowStorage extends MemoryStorage {
      override async getItem(key: string): Promise<string | null> {
        const value = await super.getItem(key);
        if (key !== 'persist:root') return value;
        // The value as it was when the read began, given after redux-persist's timeout.
        await new Promise((resolve) => setTimeout(resolve, 200));
        setTimeout(read.open, 0);
        return value;
      }
    }
    const storage = new SlowStorage();
    const raw = persisted({ todos: ['precious'] }, 2);
    await storage.setItem('persist:root', raw);
    const { seen, logger } = warnings();
    const m = new Migrator({
      versionKey: '_persist.version',
      versionFormat: 'integer',
      logger,
    }).register(2, 3, (s) => ({ ...s, filter: 'all' }));
    const { persistor, migrations } = await bootWith(m, { key: 'root', storage, timeout: 100 });
    // redux-persist has rehydrated empty; the migration runs once the read ends.
    await read.opened;
    expect(migrations).to.have.length(1);
    await Promise.all(migrations);
    await persistor.flush();
    expect(storage.items.get('persist:root.migraph-backup')).to.equal(raw);
    expect(seen.join('\n')).to.contain("past redux-persist's timeout");
  });

  it('migrates nothing when the key it was given holds nothing: no backup could be taken', async () => {
    const storage = new MemoryStorage();
    await storage.setItem('persist:root', persisted({ todos: ['precious'] }, 1));
    let ran = 0;
    const m = todosMigrator().register(3, 4, (s) => (ran++, s));
    const migrate = createMigrate(m, { storage, key: 'roots' });
    const error = await migrate(
      { todos: ['precious'], _persist: { version: 1, rehydrated: true } },
      4,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.contain('Nothing is stored under persist:roots');
    expect(ran).to.equal(0);
    expect([...storage.items.keys()]).to.deep.equal(['persist:root']);
  });

  it('refuses a setup that could migrate without a backup', () => {
    const m = todosMigrator();
    expect(() => createMigrate(m)).to.throw(TypeError, 'key');
    expect(() => createMigrate(m, { key: 'root' })).to.throw(TypeError, 'storage');
    expect(() => persistConfig(m, { key: 'root' } as never)).to.throw(TypeError, 'storage');
    expect(() =>
      persistConfig(m, { key: 'root', storage: new MemoryStorage(), version: 2 } as never),
    ).to.throw(TypeError, 'version');
    expect(() =>
      persistConfig(m, { key: 'root', storage: new MemoryStorage(), timeout: -1 }),
    ).to.throw(TypeError, 'timeout');
  });

  // redux-persist's own createMigrate, case by case (src/createMigrate.js), through fromManifest.
  describe("a redux-persist manifest as it is (redux-persist's createMigrate cases)", () => {
    const calls: number[] = [];
    const manifest = {
      0: (s: AnyState) => (calls.push(0), { ...s, zero: true }),
      1: (s: AnyState) => (calls.push(1), { ...s, one: true }),
      2: (s: AnyState) => (calls.push(2), { ...s, two: true }),
      3: (s: AnyState) => (calls.push(3), { ...s, three: true }),
    };
    /** The config's migrate, over a storage that holds the state as redux-persist read it. */
    const migrateWith =
      (m = fromManifest(manifest)) =>
      async (state: AnyState | undefined, version: number) => {
        const storage = new MemoryStorage();
        if (state !== undefined) await storage.setItem('persist:root', JSON.stringify(state));
        return persistConfig(m, { storage, key: 'root' }).migrate(state, version);
      };
    const at = (version: number | undefined, extra: AnyState = {}) => ({
      ...extra,
      ...(version === undefined ? {} : { _persist: { version, rehydrated: true } }),
    });
    beforeEach(() => (calls.length = 0));

    it('no inbound state: undefined, nothing runs', async () => {
      expect(await migrateWith()(undefined, 3)).to.equal(undefined);
      expect(calls).to.deep.equal([]);
    });

    it('versions match: the state as it is', async () => {
      expect(await migrateWith()(at(3, { a: 1 }), 3)).to.deep.equal(at(3, { a: 1 }));
      expect(calls).to.deep.equal([]);
    });

    it('runs the migrations above the inbound version up to the current one, in order', async () => {
      const out = await migrateWith()(at(1), 3);
      expect(calls).to.deep.equal([2, 3]);
      expect(out).to.deep.include({ two: true, three: true }).and.not.have.property('one');
      calls.length = 0;
      await migrateWith()(at(0), 2);
      expect(calls).to.deep.equal([1, 2]);
    });

    it('an unversioned state (-1, or no _persist) runs key 0 first', async () => {
      for (const state of [at(-1), at(undefined)]) {
        calls.length = 0;
        expect(await migrateWith()(state, 3)).to.deep.include({
          zero: true,
          one: true,
          three: true,
        });
        expect(calls).to.deep.equal([0, 1, 2, 3]);
      }
    });

    it('an unversioned state with no config version (-1) is left as it is', async () => {
      expect(await migrateWith()(at(-1, { a: 1 }), -1)).to.deep.equal(at(-1, { a: 1 }));
      expect(calls).to.deep.equal([]);
    });

    it('versions without a migration pass the state on (a manifest with gaps)', async () => {
      const gaps = fromManifest({ 1: manifest[1], 3: manifest[3] });
      expect(await migrateWith(gaps)(at(0), 3)).to.deep.include({ one: true, three: true });
      expect(calls).to.deep.equal([1, 3]);
      calls.length = 0;
      await migrateWith(gaps)(at(2), 3);
      expect(calls).to.deep.equal([3]);
      // A config version above the highest key.
      calls.length = 0;
      expect(await migrateWith(fromManifest(manifest, { version: 5 }))(at(1), 5)).to.deep.include({
        three: true,
      });
      expect(calls).to.deep.equal([2, 3]);
    });

    it('a state newer than the current version is returned as it is (no downgrade)', async () => {
      expect(await migrateWith()(at(7, { a: 1 }), 3)).to.deep.equal(at(7, { a: 1 }));
      expect(calls).to.deep.equal([]);
    });

    it('a throwing migration rejects, after backing the stored value up', async () => {
      const storage = new MemoryStorage();
      await storage.setItem('persist:root', persisted({ todos: [] }, 1));
      const m = fromManifest({
        2: () => {
          throw new Error('bad migration');
        },
      });
      let error: StoredMigrationError | undefined;
      await persistConfig(m, { storage, key: 'root' })
        .migrate(at(1), 2)
        .catch((e) => (error = e));
      expect(error).to.be.instanceOf(MigrationError);
      expect(error!.message).to.contain('bad migration');
      expect(await storage.getItem(error!.backupKey!)).to.equal(persisted({ todos: [] }, 1));
    });

    it('switching from redux-persist is one line: persistConfig(fromManifest(migrations), config)', async () => {
      const storage = new MemoryStorage();
      await storage.setItem('persist:root', persisted({ todos: ['x'] }, -1));
      const { store } = await bootWith(fromManifest(manifest) as never, { key: 'root', storage });
      expect(store.getState()).to.deep.include({ todos: ['x'], zero: true, three: true });
      expect(store.getState()._persist).to.deep.include({ version: 3 });
    });

    it('a config version below the highest key: the keys above it are not run, a state stored there is kept', async () => {
      const out = await migrateWith(fromManifest(manifest, { version: 1 }))(at(2, { a: 1 }), 1);
      expect(out).to.deep.equal(at(2, { a: 1 }));
      expect(calls).to.deep.equal([]);
      expect(await migrateWith(fromManifest(manifest, { version: 1 }))(at(0), 1)).to.deep.include({
        one: true,
      });
      expect(calls).to.deep.equal([1]);
    });

    it('refuses a manifest that is not one', () => {
      expect(() => fromManifest({ a: manifest[0] } as never)).to.throw(TypeError, "'a'");
      expect(() => fromManifest({ '-1': manifest[0] } as never)).to.throw(TypeError, "'-1'");
      expect(() => fromManifest({ 1: 'no' } as never)).to.throw(TypeError, 'function at key 1');
    });
  });
});
