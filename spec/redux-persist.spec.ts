// migraph/redux-persist against the real redux-persist 6: persistReducer + persistStore over a
// memory storage.
import { expect } from 'chai';
import { legacy_createStore as createStore, type Reducer } from 'redux';
import { persistReducer, persistStore, type Persistor } from 'redux-persist';
import { Migrator, MigrationError, StateVersionError, type AnyState } from '../lib/index.js';
import { createMigrate, type StoredMigrationError } from '../lib/integrations/redux-persist.js';

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
    const migrate = createMigrate(m);
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

    const kept = new MemoryStorage();
    await kept.setItem('persist:root', raw);
    const second = await boot(kept, todosMigrator({ onNewerVersion: 'keep' }), 3);
    expect(second.errors).to.deep.equal([]);
    expect(second.store.getState()).to.deep.include({ future: 1 });
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
