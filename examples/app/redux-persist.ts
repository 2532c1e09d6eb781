// redux-persist's persistReducer with migraph's persistConfig: up, down, async steps, backups.
import { Migrator } from 'migraph/core';
import { persistConfig } from 'migraph/redux-persist';
import { legacy_createStore as createStore, type Reducer } from 'redux';
import { persistReducer, persistStore, REHYDRATE, type Storage } from 'redux-persist';

interface Todos {
  readonly todos: readonly (string | { text: string; done: boolean })[];
  readonly hydrationError?: string;
}

// redux-persist keeps the version at _persist.version, an integer.
const migrator = new Migrator<Todos>({
  versionKey: '_persist.version',
  versionFormat: 'integer',
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

// A failed migration surfaces as the REHYDRATE action's err; the data is at its backupKey.
const reducer: Reducer<Todos> = (state = { todos: [] }, action) => {
  const err: unknown = (action as { err?: unknown }).err;
  return action.type === REHYDRATE && err instanceof Error
    ? { ...state, hydrationError: err.message }
    : state;
};

export const makeStore = (storage: Storage) => {
  const config = persistConfig(migrator, { key: 'root', storage, timeout: 30_000 });
  const store = createStore(persistReducer(config, reducer));
  return { store, persistor: persistStore(store) };
};
