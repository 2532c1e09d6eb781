// redux-persist's persistReducer with migraph's createMigrate: up, down, async steps, backups.
import { Migrator } from 'migraph/core';
import { createMigrate } from 'migraph/redux-persist';
import { legacy_createStore as createStore, type Reducer } from 'redux';
import { persistReducer, persistStore, type Storage } from 'redux-persist';

interface Todos {
  readonly todos: readonly (string | { text: string; done: boolean })[];
}

// redux-persist keeps the version at _persist.version, an integer (-1 when never set).
const migrator = new Migrator<Todos>({
  versionKey: '_persist.version',
  versionFormat: 'integer',
  missingVersion: 1,
}).register(
  1,
  2,
  async (s: Todos) => ({
    ...s,
    todos: s.todos.map((text) => ({ text: String(text), done: false })),
  }),
  {
    down: (s: Todos) => ({ ...s, todos: s.todos.map((t) => (typeof t === 'string' ? t : t.text)) }),
  },
);

const reducer: Reducer<Todos> = (state = { todos: [] }) => state;

export const makeStore = (storage: Storage) => {
  const config = {
    key: 'root',
    storage,
    version: 2,
    migrate: createMigrate(migrator, { storage, key: 'root' }),
  };
  const store = createStore(persistReducer(config, reducer));
  return { store, persistor: persistStore(store) };
};
