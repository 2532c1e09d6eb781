/// <reference lib="dom" />
/**
 * A browser page with a zustand store persisted in localStorage, migrated by migraph on load.
 * Bundled by esbuild from `migraph/core` and `migraph/zustand` (see `spec/browser.spec.ts`).
 *
 * Settings: version 1 has `title`; 2 adds `theme`; 3 renames `title` to `name`. A stored state
 * with `poison: true` cannot be migrated to 3, to show that the stored value survives.
 */
import { Migrator } from 'migraph/core';
import { persistOptions } from 'migraph/zustand';
import { persist } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';

interface Settings {
  readonly title?: string;
  readonly name?: string;
  readonly theme?: string;
  readonly poison?: boolean;
  readonly visits: number;
}

const migrator = new Migrator<Settings>({ versionFormat: 'integer', validate: 'off' })
  .register(1, 2, (s) => ({ ...s, theme: 'light' }), { description: 'Add a theme' })
  .register(2, 3, ({ title, ...s }) => {
    if (s.poison === true) throw new Error('this state cannot be renamed');
    return { ...s, name: title };
  });

const show = (status: string, detail: unknown): void => {
  document.body.dataset.status = status;
  document.querySelector('#out')!.textContent = JSON.stringify(detail, null, 2);
};

export const store = createStore<Settings>()(
  persist(() => ({ visits: 0 }), {
    // name, storage, version and migrate in one: the stored value is backed up before any step.
    ...persistOptions(migrator, { name: 'settings', storage: () => localStorage }),
    onRehydrateStorage: () => (state, error) => {
      if (error !== undefined) show('failed', { message: (error as Error).message });
      else show('hydrated', state);
    },
  }),
);
