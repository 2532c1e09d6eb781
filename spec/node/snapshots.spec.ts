import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { formatSnapshotIssue } from '../../lib/core/snapshot.js';
import { Migrator } from '../../lib/index.js';
import { checkSnapshots, readSnapshots, writeSnapshots } from '../../lib/node/snapshots.js';

const V1 = t.type({ title: t.string });
const V11 = t.type({ title: t.string, tags: t.array(t.string) });
const V12 = t.type({
  title: t.string,
  tags: t.array(t.string),
  theme: t.keyof({ light: null, dark: null }),
});

const project = (v12: t.Mixed = V12) =>
  new Migrator()
    .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: [] }))
    .register('1.1.0', '1.2.0', (s) => ({ ...s, theme: 'light' }))
    .schema('1.0.0', V1)
    .schema('1.1.0', V11)
    .schema('1.2.0', v12);

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

describe('schema snapshots', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'migraph-snapshots-')), 'schemas');
  });
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('writes one file per version with a codec, and rewrites nothing when nothing changed', async () => {
    const first = right(await writeSnapshots(project(), { dir }));
    expect(first.written).to.deep.equal(['1.0.0', '1.1.0', '1.2.0']);
    const file = path.join(dir, '1.1.0.json');
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(snapshot)).to.deep.equal(['hash', 'schema', 'version']);
    expect(snapshot.version).to.equal('1.1.0');
    expect(snapshot.hash).to.match(/^[0-9a-f]{64}$/);
    const bytes = readFileSync(file);
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, old, old);
    const second = right(await writeSnapshots(project(), { dir }));
    expect(second).to.deep.include({ written: [], unchanged: ['1.0.0', '1.1.0', '1.2.0'] });
    expect(readFileSync(file).equals(bytes)).to.equal(true);
    expect(statSync(file).mtime.getTime()).to.equal(old.getTime());
  });

  it('finds no drift when the codecs are those of the snapshots', async () => {
    right(await writeSnapshots(project(), { dir }));
    expect(right(await checkSnapshots(project(), { dir }))).to.deep.equal([]);
  });

  it('reports a codec changed without a new version, field by field', async () => {
    right(await writeSnapshots(project(), { dir }));
    const edited = project(
      t.type({ title: t.string, tags: t.array(t.number), theme: t.string, font: t.string }),
    );
    const issues = right(await checkSnapshots(edited, { dir }));
    expect(issues.map(formatSnapshotIssue)).to.deep.equal([
      "1.2.0 changed without a new version: `font` added (string, required); `tags[*]` type changed (string → number); `theme` type changed ('dark' | 'light' → string)",
    ]);
  });

  it('reports a version without a snapshot, and a snapshot whose version left the graph unless it is retired', async () => {
    right(await writeSnapshots(project(), { dir }));
    rmSync(path.join(dir, '1.1.0.json'));
    const retiring = new Migrator()
      .register('1.1.0', '1.2.0', (s) => ({ ...s, theme: 'light' }))
      .schema('1.1.0', V11)
      .schema('1.2.0', V12);
    expect(right(await checkSnapshots(retiring, { dir }))).to.deep.equal([
      { kind: 'left-graph', version: '1.0.0' },
      { kind: 'missing', version: '1.1.0' },
    ]);
    expect(right(await checkSnapshots(retiring, { dir, retired: ['1.0.0'] }))).to.deep.equal([
      { kind: 'missing', version: '1.1.0' },
    ]);
  });

  it('never counts key order, formatting or description edits as drift', async () => {
    right(await writeSnapshots(project(), { dir }));
    const file = path.join(dir, '1.2.0.json');
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
      version: string;
      hash: string;
      schema: { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
    };
    snapshot.schema.properties.theme!.description = 'The colour scheme';
    // Keys in another order, on one line.
    const reordered = {
      version: snapshot.version,
      schema: { ...snapshot.schema, type: 'object' },
      hash: snapshot.hash,
    };
    writeFileSync(file, JSON.stringify(reordered));
    expect(right(await checkSnapshots(project(), { dir }))).to.deep.equal([]);
    const described = Object.assign(t.keyof({ light: null, dark: null }), {
      description: 'Light or dark',
    });
    expect(
      right(
        await checkSnapshots(
          project(t.type({ title: t.string, tags: t.array(t.string), theme: described })),
          { dir },
        ),
      ),
    ).to.deep.equal([]);
  });

  it('reports a snapshot edited by hand so that its hash no longer matches', async () => {
    right(await writeSnapshots(project(), { dir }));
    const file = path.join(dir, '1.0.0.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"string"', '"number"'));
    writeFileSync(path.join(dir, 'notes.json'), '{}');
    const read = right(await readSnapshots(dir));
    expect([...read.snapshots.keys()]).to.deep.equal(['1.1.0', '1.2.0']);
    expect(read.invalid.map((i) => i.kind === 'invalid' && i.message.split(': ')[1])).to.deep.equal(
      [
        'its hash does not match its schema (edited by hand? run `migraph snapshot` on the code of that release)',
        'the file name is not a version',
      ],
    );
  });
});
