// §17 through migraph/zustand: a rollback on the ten-version example with the real zustand
// `persist`. Release N (stamping readableFrom) writes a state; release N−1 (without N's
// versions, onNewerVersion 'read-compatible') hydrates it, the app edits one field and zustand
// writes back; release N hydrates again. One shared storage, for every edge of the example.
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { persist } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';
import { compatibility, type Migrator } from '../../lib/core/index.js';
import { persistOptions } from '../../lib/integrations/zustand.js';
import {
  exampleVersionOf,
  exampleVersions,
  firstProfile,
  freshInstall,
  release,
} from '../support/ten-version-builds.js';
import { MemoryStorage } from '../support/memory-storage.js';

type State = Record<string, unknown>;

const NAME = 'profile';

/** An app of one release: its zustand store, hydrated from `storage` when created. */
const startApp = (storage: MemoryStorage, m: Migrator<object>, initial: State) => {
  const errors: unknown[] = [];
  const store = createStore<State>()(
    persist(() => initial, {
      ...persistOptions(m as Migrator<State>, { name: NAME, storage }),
      onRehydrateStorage: () => (_state, error) => {
        if (error !== undefined) errors.push(error);
      },
    }),
  );
  return { store, errors };
};

/** A string field both releases know, for release N−1 to edit. */
const editable = (state: State): string =>
  ['display_name', 'name', 'email', 'locale'].find((k) => typeof state[k] === 'string')!;

const read = (storage: MemoryStorage) =>
  JSON.parse(storage.getItem(NAME)!) as { state: State; version: number };

describe('migraph/zustand: rollback on the ten-version example (§17)', () => {
  const figures: string[] = [];
  after(() => console.log(`      ${figures.join('\n      ')}`));

  // Every edge, the first one included: release 1 (1.0.0 alone) registers no migration, and
  // its `currentVersion` gives zustand its version and tells it what is newer.
  for (let n = 2; n <= exampleVersions.length; n++) {
    const older = exampleVersionOf(n - 1);
    const newer = exampleVersionOf(n);
    it(`release ${n} (${newer}) writes, release ${n - 1} (${older}) reads, edits and writes back`, () => {
      const storage = new MemoryStorage();
      storage.setItem(NAME, JSON.stringify({ state: firstProfile('Ada'), version: 1 }));
      const buildN = release(n, { stampReadableFrom: compatibility });
      const buildOld = release(n - 1, {
        onNewerVersion: 'read-compatible',
        currentVersion: `${n - 1}.0.0`,
      });
      const edge = compatibility(buildN, { from: `${n - 1}.0.0`, to: `${n}.0.0` });
      const cls = E.isRight(edge) ? edge.right.class : 'unknown';

      // Release N migrates the release-1 state up and stores it, stamped.
      const first = startApp(storage, buildN, {});
      expect(first.errors).to.deep.equal([]);
      const rawN = storage.getItem(NAME)!;
      const written = read(storage);
      expect(written.version).to.equal(n);
      expect(written.state).to.have.property('readableFrom');
      const fields = Object.keys(written.state).length;

      const initial = freshInstall(n - 1);
      const old = startApp(storage, buildOld, initial);
      if (cls === 'FORWARD' || cls === 'FULL') {
        expect(old.errors).to.deep.equal([]);
        expect(old.store.getState()).to.deep.equal(written.state);
        const field = editable(written.state);
        const edit = `${String(written.state[field])} (edited by ${n - 1})`;
        old.store.setState({ [field]: edit });
        const expected = { ...written.state, [field]: edit };
        // Stored again under N's version, every field of N kept, no backup left over.
        expect(read(storage)).to.deep.equal({ state: expected, version: n });
        expect([...storage.items.keys()]).to.deep.equal([NAME]);

        const again = startApp(storage, buildN, {});
        expect(again.errors).to.deep.equal([]);
        expect(again.store.getState()).to.deep.equal(expected);
        expect(read(storage).version).to.equal(n);
        const valid = buildN.migrate({ ...expected, state_version: `${n}.0.0` });
        expect(E.isRight(valid), JSON.stringify(valid)).to.equal(true);
        figures.push(
          `${older} <- ${newer} ${cls}: read, ${fields}/${Object.keys(again.store.getState()).length} fields kept, edit of ${field} kept, stored at ${read(storage).version}`,
        );
      } else {
        expect(old.errors).to.have.length(1);
        expect(old.errors[0]).to.deep.include({ reason: 'newer_version' });
        expect(old.store.getState()).to.deep.equal(initial);
        expect(storage.getItem(NAME)).to.equal(rawN);
        expect(storage.getItem(`${NAME}.migraph-backup`)).to.equal(rawN);
        // Release N, started again, finds its state as it wrote it.
        const again = startApp(storage, buildN, {});
        expect(again.errors).to.deep.equal([]);
        expect(again.store.getState()).to.deep.equal(written.state);
        expect(storage.getItem(NAME)).to.equal(rawN);
        figures.push(
          `${older} <- ${newer} ${cls}: refused (newer_version), stored value byte-identical`,
        );
      }
    });
  }
});
