// §17 in the store layer (SQLite through better-sqlite3): rows a newer release wrote, stamped
// with readableFrom, met by an older release with onNewerVersion 'read-compatible'. A row it
// may read is left byte-identical (never rewritten, never rejected) and reads as it is; one it
// may not read (no stamp, or a stamp above what it knows) is rejected as a newer state.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compatibility } from '../../lib/core/index.js';
import { migrateStore, readMigrated, sqliteStore } from '../../lib/stores/sqlite.js';
import { firstProfile, release } from '../support/ten-version-builds.js';

type State = Record<string, unknown>;

describe('stores: read-compatible rows of a newer release (§17)', () => {
  let dir: string;
  let file: string;
  let app: Database.Database;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'migraph-read-compatible-'));
    file = path.join(dir, 'app.db');
    app = new Database(file);
    app.pragma('journal_mode = WAL');
  });

  after(() => {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A profile as release `k` stores it (stamped), from a release-1 state. */
  const writtenBy = (k: number, name: string): State =>
    release(k, { stampReadableFrom: compatibility }).migrateOrThrow({
      state_version: '1.0.0',
      ...firstProfile(name),
    }) as State;

  const texts = () =>
    new Map(
      (
        app.prepare('SELECT id, doc FROM profiles ORDER BY id').all() as {
          id: number;
          doc: string;
        }[]
      ).map((r) => [r.id, r.doc]),
    );

  // Release 7 (the example's 2.2.0) stamps readableFrom 5.0.0 (2.0.0 -FORWARD- 2.1.0 -FORWARD-
  // 2.2.0); release 8 (3.0.0, a NONE edge below it) stamps 8.0.0. Release 6 (2.1.0) runs.
  const rows: Record<number, State> = {
    1: { state_version: '1.0.0', ...firstProfile('Old') },
    2: writtenBy(7, 'Ada'),
    3: writtenBy(7, 'Bo'),
    4: (({ readableFrom: _r, ...s }) => s)(writtenBy(7, 'Unstamped')),
    5: writtenBy(8, 'Cy'),
  };

  it('leaves a readable newer row byte-identical, counts it as left at the target, rejects the others', async () => {
    expect(rows[2]).to.include({ state_version: '7.0.0', readableFrom: '5.0.0' });
    expect(rows[5]).to.include({ state_version: '8.0.0', readableFrom: '8.0.0' });
    // Every UPDATE of a row is recorded, even one writing the same text back.
    app.exec(`CREATE TABLE profiles (id INTEGER PRIMARY KEY, doc TEXT);
      CREATE TABLE profile_writes (id INTEGER);
      CREATE TRIGGER profiles_audit AFTER UPDATE OF doc ON profiles
      BEGIN INSERT INTO profile_writes VALUES (NEW.id); END;`);
    const insert = app.prepare('INSERT INTO profiles (id, doc) VALUES (?, ?)');
    for (const [id, state] of Object.entries(rows)) insert.run(Number(id), JSON.stringify(state));
    const before = texts();

    const older = release(6, { onNewerVersion: 'read-compatible' });
    const store = sqliteStore({ file, table: 'profiles', column: 'doc' });
    const report = await migrateStore(older, store);
    expect(report).to.deep.equal(
      E.right({
        migrated: 1,
        alreadyAtTarget: 2,
        rejected: 2,
        previouslyRejected: 0,
        conflicts: 0,
      }),
    );
    const after = texts();
    expect(after.get(2)).to.equal(before.get(2));
    expect(after.get(3)).to.equal(before.get(3));
    expect(after.get(4)).to.equal(before.get(4));
    expect(after.get(5)).to.equal(before.get(5));
    expect(JSON.parse(after.get(1)!)).to.include({ state_version: '6.0.0' });
    const rejected = app
      .prepare('SELECT id, version, error FROM migraph_rejected ORDER BY id')
      .all() as { id: string; version: string; error: string }[];
    expect(rejected.map((r) => [r.id, r.version])).to.deep.equal([
      ['4', '7.0.0'],
      ['5', '8.0.0'],
    ]);
    for (const r of rejected) expect(r.error).to.match(/newer than every known version/);

    // A second run finds nothing to do and still leaves the readable rows alone.
    const again = await migrateStore(older, store);
    expect(again).to.deep.equal(
      E.right({
        migrated: 0,
        alreadyAtTarget: 3,
        rejected: 0,
        previouslyRejected: 2,
        conflicts: 0,
      }),
    );
    expect(texts()).to.deep.equal(after);

    // Read on demand: the readable row as it is (with the newer release's fields), no write.
    const read = await readMigrated(older, store, '2', { writeBack: true });
    expect(read).to.deep.equal(E.right(rows[2]));
    const refused = await readMigrated(older, store, '5');
    expect(E.isLeft(refused) && refused.left).to.deep.include({ reason: 'newer_version' });
    expect(texts()).to.deep.equal(after);

    const writes = app.prepare('SELECT id FROM profile_writes').all() as { id: number }[];
    expect(writes.map((w) => w.id)).to.deep.equal([1]);

    // The newer release finds its rows as it wrote them.
    const newer = await migrateStore(release(7, { stampReadableFrom: compatibility }), store, {
      retryRejected: true,
    });
    expect(E.isRight(newer) && newer.right).to.include({ alreadyAtTarget: 3 });
    expect(texts().get(2)).to.equal(before.get(2));
    await store.close?.();
  });
});
