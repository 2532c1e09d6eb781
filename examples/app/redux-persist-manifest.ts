// Before: migrate: createMigrate(migrations), version: 2
import { fromManifest, persistConfig } from 'migraph/redux-persist';
import { legacy_createStore as createStore, type Reducer } from 'redux';
import { persistReducer, persistStore, type Storage } from 'redux-persist';

type Root = { readonly todos: readonly string[]; readonly filter?: string };

const migrations = {
  0: (state: Root) => ({ ...state, todos: state.todos ?? [] }),
  2: (state: Root) => ({ ...state, filter: 'all' }),
};

const reducer: Reducer<Root> = (state = { todos: [] }) => state;

export const makeStore = (storage: Storage) => {
  const config = persistConfig(fromManifest(migrations), { key: 'root', storage });
  const store = createStore(persistReducer(config, reducer));
  return { store, persistor: persistStore(store) };
};
