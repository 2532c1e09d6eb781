// zustand's persist middleware, migrated by migraph: up, down, async, backed up first.
import { Migrator } from 'migraph/core';
import { persistOptions, type StoredMigrationError } from 'migraph/zustand';
import { persist } from 'zustand/middleware';
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
      // name, storage (JSON over the raw one), version 3 and migrate, in one.
      ...persistOptions(migrator, { name: 'settings', storage: () => storage }),
      // A failed migration arrives here; the stored value is safe at error.backupKey.
      onRehydrateStorage: () => (_state, error) => {
        if (error !== undefined) {
          const failed = error as StoredMigrationError;
          console.error(`Settings not migrated (${failed.message}); kept at ${failed.backupKey}`);
        }
      },
    }),
  );
