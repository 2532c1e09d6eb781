// zustand's persist middleware, migrated by migraph: up, down, async, with a backup on failure.
import { Migrator } from 'migraph/core';
import { persistMigration } from 'migraph/zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';

interface Settings {
  readonly name?: string;
  readonly title?: string;
  readonly theme?: string;
}

// zustand stores an integer version beside the state: versionFormat 'integer'.
const migrator = new Migrator<Settings>({ versionFormat: 'integer' })
  .register(1, 2, (s) => ({ ...s, theme: 'light' }), { down: ({ theme: _t, ...s }) => s })
  .register(2, 3, ({ title, ...s }) => ({ ...s, name: title }), {
    down: ({ name, ...s }) => ({ ...s, title: name }),
  });

export const makeStore = (storage: Storage) =>
  createStore<Settings>()(
    persist(() => ({}), {
      name: 'settings',
      storage: createJSONStorage(() => storage),
      // version: 3 and a migrate that goes up or down to it; on failure the raw stored value
      // is copied to 'settings.migraph-backup' before zustand can write over it.
      ...persistMigration(migrator, { name: 'settings', storage }),
    }),
  );
