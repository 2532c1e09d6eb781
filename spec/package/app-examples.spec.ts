// The guide's "Using migraph in an app" examples are the files in examples/app: compiled by
// `tsc` in `npm test`, run here, and the guide's copies checked against them.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/cli.js';
import { MemoryStorage } from '../support/memory-storage.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('guide: using migraph in an app', () => {
  it('copies each example file verbatim', () => {
    const guide = readFileSync(path.join(repoRoot, 'docs', 'guide.md'), 'utf8');
    for (const file of [
      'typed-chain.ts',
      'zustand.ts',
      'redux-persist.ts',
      'redux-persist-manifest.ts',
    ]) {
      const source = readFileSync(path.join(repoRoot, 'examples', 'app', file), 'utf8');
      expect(guide, file).to.contain('```ts\n' + source + '```');
    }
  });

  it('typed chain: migrates with results typed by their version', async () => {
    const { name, theme } = await import('../../examples/app/typed-chain.js');
    expect(name).to.equal('Home');
    expect(theme).to.equal('light');
  });

  it('zustand: a version-1 state in storage comes out at version 3', async () => {
    const { makeStore } = await import('../../examples/app/zustand.js');
    const storage = new MemoryStorage();
    storage.setItem('settings', JSON.stringify({ state: { title: 'Home' }, version: 1 }));
    const store = makeStore(storage as unknown as Storage);
    await settle();
    expect(store.getState()).to.deep.equal({ theme: 'light', name: 'Home' });
    expect(JSON.parse(storage.getItem('settings')!).version).to.equal(3);
  });

  it('redux-persist: a version-1 state in storage comes out at version 2', async () => {
    const { makeStore } = await import('../../examples/app/redux-persist.js');
    const items = new Map<string, string>();
    const storage = {
      getItem: async (key: string) => items.get(key) ?? null,
      setItem: async (key: string, value: string) => void items.set(key, value),
      removeItem: async (key: string) => void items.delete(key),
    };
    items.set(
      'persist:root',
      JSON.stringify({
        todos: JSON.stringify(['milk']),
        _persist: JSON.stringify({ version: 1, rehydrated: true }),
      }),
    );
    const { store } = makeStore(storage);
    await settle();
    expect(store.getState()).to.deep.include({ todos: [{ text: 'milk', done: false }] });
  });

  it('redux-persist manifest: an unversioned state runs key 0, then 2', async () => {
    const { makeStore } = await import('../../examples/app/redux-persist-manifest.js');
    const items = new Map<string, string>();
    const storage = {
      getItem: async (key: string) => items.get(key) ?? null,
      setItem: async (key: string, value: string) => void items.set(key, value),
      removeItem: async (key: string) => void items.delete(key),
    };
    items.set('persist:root', JSON.stringify({ todos: JSON.stringify(['milk']) }));
    const { store } = makeStore(storage);
    await settle();
    expect(store.getState()).to.deep.include({ todos: ['milk'], filter: 'all' });
    expect(store.getState()._persist).to.deep.include({ version: 2 });
  });
});
