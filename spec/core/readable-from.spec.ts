// §17: the readableFrom stamp, onNewerVersion 'read-compatible', and a rollback on the
// ten-version example (build N writes, build N−1 reads, edits and writes back, build N reads).
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { compatibility } from '../../lib/core/index.js';
import { Migrator, type AnyState, type MigrationDefinition } from '../../lib/index.js';
import { codecs } from '../../examples/ten-versions/migrations/schemas.js';
import m1 from '../../examples/ten-versions/migrations/v1_0_0_to_v1_1_0.js';
import m2 from '../../examples/ten-versions/migrations/v1_1_0_to_v1_2_0.js';
import m3 from '../../examples/ten-versions/migrations/v1_2_0_to_v1_3_0.js';
import m4 from '../../examples/ten-versions/migrations/v1_3_0_to_v2_0_0.js';
import m5 from '../../examples/ten-versions/migrations/v2_0_0_to_v2_1_0.js';
import m6 from '../../examples/ten-versions/migrations/v2_1_0_to_v2_2_0.js';
import m7 from '../../examples/ten-versions/migrations/v2_2_0_to_v3_0_0.js';
import m8 from '../../examples/ten-versions/migrations/v3_0_0_to_v3_1_0.js';
import m9 from '../../examples/ten-versions/migrations/v3_1_0_to_v3_2_0.js';

const base = t.type({ state_version: t.string, title: t.string });
/** 1.0.0 -FULL- 1.1.0 -FORWARD- 1.2.0 -NONE- 2.0.0 */
const small = (options: ConstructorParameters<typeof Migrator>[0] = {}, upTo = '2.0.0') => {
  const m = new Migrator(options)
    .schema('1.0.0', base)
    .schema('1.1.0', t.intersection([base, t.partial({ tags: t.array(t.string) })]))
    .schema('1.2.0', t.intersection([base, t.type({ theme: t.string })]))
    .schema('2.0.0', t.type({ state_version: t.string, name: t.string, theme: t.string }))
    .register('1.0.0', '1.1.0', (s) => s)
    .register('1.1.0', '1.2.0', (s) => ({ ...s, theme: 'light' }));
  return upTo === '2.0.0'
    ? m.register('1.2.0', '2.0.0', ({ title, ...s }) => ({ ...s, name: title }))
    : m;
};

describe('readableFrom (§17)', () => {
  it('stamps the far end of the FORWARD/FULL chain below the state after a migration', () => {
    const m = small({ stampReadableFrom: compatibility });
    const v1 = { state_version: '1.0.0', title: 'x' };
    expect(m.migrateOrThrow(v1, '1.1.0')).to.include({ readableFrom: '1.0.0' });
    expect(m.migrateOrThrow(v1, '1.2.0')).to.include({ readableFrom: '1.0.0' });
    expect(m.migrateOrThrow(v1, '2.0.0')).to.include({ readableFrom: '2.0.0' });
    const keyed = small({ stampReadableFrom: compatibility, readableFromKey: 'oldest' });
    expect(keyed.migrateOrThrow(v1, '1.2.0')).to.include({ oldest: '1.0.0' });
  });

  it('classifies each edge once per graph and codecs, not per call', () => {
    let calls = 0;
    const m = small({
      stampReadableFrom: (source, edge) => {
        calls += 1;
        return compatibility(source, edge);
      },
    });
    for (let i = 0; i < 20; i++) m.migrateOrThrow({ state_version: '1.0.0', title: `${i}` });
    expect(calls).to.equal(3);
    m.schema('2.0.0', t.type({ state_version: t.string, name: t.string }));
    m.migrateOrThrow({ state_version: '1.0.0', title: 'x' });
    expect(calls).to.equal(6);
  });

  it('an edge without codecs is not FORWARD; off by default, a migration removes a stale stamp', () => {
    const bare = new Migrator({ stampReadableFrom: compatibility }).register(
      '1.0.0',
      '1.1.0',
      (s) => s,
    );
    expect(bare.migrateOrThrow({ state_version: '1.0.0' })).to.include({ readableFrom: '1.1.0' });
    const off = small();
    const out = off.migrateOrThrow({ state_version: '1.0.0', title: 'x', readableFrom: '0.1.0' });
    expect(out).not.to.have.property('readableFrom');
  });

  it('a first release (currentVersion, no migration yet) knows a newer state and reads it by its stamp', () => {
    const first = new Migrator({
      onNewerVersion: 'read-compatible',
      currentVersion: '1.0.0',
    }).schema('1.0.0', base);
    const newer = { state_version: '1.1.0', title: 'x', tags: ['a'], readableFrom: '1.0.0' };
    const report = first.migrateReport(newer);
    expect(E.isRight(report) && report.right.outcome).to.equal('kept-newer');
    expect(E.isRight(report) && report.right.state).to.deep.equal(newer);
    const unstamped = first.migrate({ state_version: '1.1.0', title: 'x' });
    expect(E.isLeft(unstamped) && unstamped.left).to.include({ reason: 'newer_version' });
    expect(E.isLeft(unstamped) && unstamped.left.message).to.include('(up to 1.0.0)');
  });

  it("'read-compatible' reads a newer state whose stamp it knows, else behaves as 'error'", () => {
    const old = small({ onNewerVersion: 'read-compatible' }, '1.2.0').derive({});
    const newer = {
      state_version: '1.3.0',
      title: 'x',
      theme: 'dark',
      extra: [1],
      readableFrom: '1.1.0',
    };
    const read = old.migrateReport(newer);
    expect(E.isRight(read) && read.right.outcome).to.equal('kept-newer');
    expect(E.isRight(read) && read.right.state).to.deep.equal(newer);
    const refused = (state: AnyState) => {
      const result = old.migrate(state);
      return E.isLeft(result) && result.left.reason;
    };
    expect(refused({ ...newer, readableFrom: undefined })).to.equal('newer_version');
    expect(refused({ ...newer, readableFrom: '1.2.1' })).to.equal('newer_version');
    expect(refused({ ...newer, title: 3 })).to.equal('invalid_input');
    expect(() => new Migrator({ onNewerVersion: 'read-compatibel' as 'keep' })).to.throw(
      TypeError,
      /read-compatible/,
    );
  });
});

// --- rollback on the ten-version example -----------------------------------------------------

const chain: readonly MigrationDefinition[] = [m1, m2, m3, m4, m5, m6, m7, m8, m9] as never;
const versions = Object.keys(codecs);

/** The build that ships `version`: the example's migrations and codecs up to it. */
const build = (version: string, options: ConstructorParameters<typeof Migrator>[0]) => {
  const m = new Migrator(options);
  for (const d of chain) if (versions.indexOf(d.to) <= versions.indexOf(version)) m.register(d);
  for (const v of versions.slice(0, versions.indexOf(version) + 1)) {
    m.schema(v, codecs[v as keyof typeof codecs]);
  }
  return m;
};

const originals: readonly AnyState[] = [
  { state_version: '1.0.0', name: 'Ada', email: 'ada@example.org', theme: 'dark', tags: ['a'] },
  { state_version: '1.0.0', name: 'Bo', email: 'bo@example.org', theme: 'light' },
];

/** A string field both builds know, for build N−1 to edit. */
const editable = (state: AnyState): string =>
  ['display_name', 'name', 'email', 'locale'].find((k) => typeof state[k] === 'string')!;

describe('rollback on the ten-version example (§17)', () => {
  const figures: string[] = [];
  after(() => console.log(`      ${figures.join('; ')}`));

  // From 1.2.0: a build of 1.0.0 alone has no migration, so no version to be older than.
  for (const version of versions.slice(2)) {
    const previous = versions[versions.indexOf(version) - 1]!;
    it(`build ${version} writes, build ${previous} reads, edits and writes back`, () => {
      const buildN = build(version, { stampReadableFrom: compatibility });
      const buildOld = build(previous, { onNewerVersion: 'read-compatible' });
      const cls = E.getOrElseW(() => undefined)(
        compatibility(buildN, { from: previous, to: version }),
      )!.class;
      figures.push(`${previous}→${version} ${cls}`);
      for (const original of originals) {
        const stored = JSON.stringify(buildN.migrateOrThrow(original));
        const written = JSON.parse(stored) as AnyState;
        const read = buildOld.migrateReport(JSON.parse(stored));
        if (cls === 'FORWARD' || cls === 'FULL') {
          expect(E.isRight(read), JSON.stringify(read)).to.equal(true);
          const { state, outcome } = (read as E.Right<{ state: AnyState; outcome: string }>).right;
          expect(outcome).to.equal('kept-newer');
          const field = editable(state);
          const edited = JSON.stringify({ ...state, [field]: `${state[field]} (edited)` });
          const again = buildN.migrateReport(JSON.parse(edited));
          expect(E.isRight(again) && again.right.outcome).to.equal('unchanged');
          const back = (again as E.Right<{ state: AnyState }>).right.state;
          expect(back).to.deep.equal({ ...written, [field]: `${written[field]} (edited)` });
          expect(back.state_version).to.equal(version);
        } else {
          expect(E.isLeft(read) && read.left.reason).to.equal('newer_version');
          expect(JSON.stringify(written)).to.equal(stored);
        }
      }
    });
  }
});
