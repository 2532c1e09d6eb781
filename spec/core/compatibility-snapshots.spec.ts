// §17 for retired versions: the class of an edge whose versions are known only from their
// committed schema snapshots (§14), by containment on the snapshots (core) and by states
// drawn from them and validated with ajv (migraph/testing).
import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { compatibility, jsonSchema, Migrator, type Snapshot } from '../../lib/core/index.js';
import { compatibilityOf } from '../../lib/testing/index.js';
import { exampleVersions, release } from '../support/ten-version-builds.js';

/** Snapshots of every version of `m` with a codec, as `migraph snapshot` writes them. */
const snapshotsOf = (m: Migrator<object>): Map<string, Snapshot> =>
  new Map(
    m.versions().flatMap((version) => {
      const schema = jsonSchema(m, version);
      return E.isRight(schema) ? [[version, { version, hash: '', schema: schema.right }]] : [];
    }),
  );

const edges = exampleVersions
  .slice(1)
  .map((_, i) => ({ from: `${i + 1}.0.0`, to: `${i + 2}.0.0` }));

const summary = (r: E.Either<Error, { class: string; counterexample?: unknown }>) =>
  E.isRight(r) ? r.right.class : r.left.message;

describe('compatibility of retired versions, from their snapshots (§17)', () => {
  const full = release(10);
  const snapshots = snapshotsOf(full);
  // Releases 1 to 6 (1.0.0 to 2.1.0) retired: their codecs are gone, their snapshots remain.
  const retired = release(10, {}, 7);

  it('gives every edge of the ten-version example the class its codecs give', () => {
    const expected = edges.map((e) => summary(compatibility(full, e)));
    expect(expected).to.include('FORWARD').and.to.include('NONE');
    expect(edges.map((e) => summary(compatibility(retired, e, { snapshots })))).to.deep.equal(
      expected,
    );
    const sampled = edges.map((e) =>
      summary(compatibilityOf(retired, e, { snapshots, runs: 100 })),
    );
    expect(sampled).to.deep.equal(expected);
  });

  it('is a Left with reason no_schema for a retired version without a snapshot', () => {
    const result = compatibility(retired, edges[0]!);
    expect(E.isLeft(result) && result.left).to.deep.include({
      reason: 'no_schema',
      version: '1.0.0',
    });
    const partial = new Map([...snapshots].filter(([v]) => v !== '2.0.0'));
    expect(E.isLeft(compatibility(retired, edges[1]!, { snapshots: partial }))).to.equal(true);
  });

  it('confirms a NONE from snapshots with a counterexample the sides really split', () => {
    const none = compatibility(retired, { from: '4.0.0', to: '5.0.0' }, { snapshots });
    expect(E.isRight(none) && none.right.class).to.equal('NONE');
    const c = (
      none as E.Right<{ counterexample: { state: unknown; validAt: string; rejectedBy: string } }>
    ).right.counterexample;
    const codecOf = (v: string) => full.codecFor(v)!;
    expect(E.isRight(codecOf(c.validAt).decode(c.state))).to.equal(true);
    expect(E.isLeft(codecOf(c.rejectedBy).decode(c.state))).to.equal(true);
  });

  it('never confirms a counterexample its snapshot side only might accept (a pattern)', () => {
    const m = new Migrator<object>()
      .register('1.0.0', '2.0.0', (s) => s)
      .schema('2.0.0', t.type({ state_version: t.string, name: t.literal('abcdefgh') }));
    const patterned: Snapshot = {
      version: '1.0.0',
      hash: '',
      schema: {
        type: 'object',
        properties: {
          state_version: { type: 'string' },
          name: { type: 'string', pattern: '^abcdefgh$' },
        },
        required: ['name', 'state_version'],
      },
    };
    const decided = compatibility(
      m,
      { from: '1.0.0', to: '2.0.0' },
      { snapshots: new Map([['1.0.0', patterned]]) },
    );
    // Undecided, not refuted: no counterexample (the only one to hand, "", the pattern rejects).
    expect(E.isRight(decided) && decided.right.backward.holds).to.equal(undefined);
    expect(E.isRight(decided) && decided.right.backward).not.to.have.property('counterexample');
  });

  it('settles by sampling the snapshot what containment leaves open (a constraint)', () => {
    const m = new Migrator<object>()
      .register('1.0.0', '2.0.0', (s) => s)
      .schema('2.0.0', t.type({ title: t.string, tags: t.array(t.string) }));
    // 1.0.0's snapshot narrows title (minLength, which containment does not judge).
    const narrowed: Snapshot = {
      version: '1.0.0',
      hash: '',
      schema: {
        type: 'object',
        properties: {
          title: { type: 'string', minLength: 3 },
          tags: { type: 'array', items: { type: 'string' } },
        },
        required: ['title', 'tags'],
      },
    };
    const only = new Map([['1.0.0', narrowed]]);
    const decided = compatibility(m, { from: '1.0.0', to: '2.0.0' }, { snapshots: only });
    expect(E.isRight(decided) && decided.right.forward.holds).to.equal(undefined);
    const sampled = compatibilityOf(
      m,
      { from: '1.0.0', to: '2.0.0' },
      { snapshots: only, runs: 200 },
    );
    expect(E.isRight(sampled) && sampled.right).to.deep.include({ class: 'BACKWARD' });
    const forward = (
      sampled as E.Right<{ forward: { counterexample: { state: { title: string } } } }>
    ).right.forward.counterexample;
    expect(forward.state.title.length).to.be.below(3);
  });
});
