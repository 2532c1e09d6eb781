/// <reference lib="dom" />
/**
 * One release of an app on the ten-version example, for the rollback spec in Chromium
 * (`spec/integrations/rollback-browser.spec.ts`): a zustand store persisted in localStorage
 * through `persistOptions`, with the release's migrator stamping readableFrom and reading newer
 * states it may read (`onNewerVersion: 'read-compatible'`). esbuild bundles it once per release,
 * defining `ROLLBACK_RELEASE` (the release number) and `ROLLBACK_INITIAL` (its fresh state).
 */
import { compatibility } from '../../lib/core/compatibility.js';
import type { Migrator } from '../../lib/core/migrator.js';
import { persistOptions } from '../../lib/integrations/zustand.js';
import { persist } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';
import { release } from './ten-version-builds.js';

declare const ROLLBACK_RELEASE: number;
declare const ROLLBACK_INITIAL: Record<string, unknown>;

type State = Record<string, unknown>;

const migrator = release(ROLLBACK_RELEASE, {
  stampReadableFrom: compatibility,
  onNewerVersion: 'read-compatible',
}) as Migrator<State>;

const errors: { message: string; reason?: string; backupKey?: string }[] = [];

const store = createStore<State>()(
  persist(() => ROLLBACK_INITIAL, {
    ...persistOptions(migrator, { name: 'profile', storage: () => localStorage }),
    onRehydrateStorage: () => (_state, error) => {
      if (error !== undefined) {
        const { message, reason, backupKey } = error as Error & {
          reason?: string;
          backupKey?: string;
        };
        errors.push({
          message,
          ...(reason === undefined ? {} : { reason }),
          ...(backupKey === undefined ? {} : { backupKey }),
        });
      }
      document.body.dataset.status = error === undefined ? 'hydrated' : 'failed';
    },
  }),
);

/** What the spec drives: the store and the hydration's errors. */
(globalThis as { app?: unknown }).app = { release: ROLLBACK_RELEASE, store, errors };
