import { expect } from 'chai';
import * as t from 'io-ts';
import {
  describeVersions,
  diffSchemas,
  jsonSchema,
  Migrator,
  toJsonSchema,
} from '../../lib/index.js';
import { right } from '../support/graphs.js';

const id = <T>(s: T): T => s;

const V1 = t.type({ state_version: t.string, name: t.string });
const V2 = t.intersection([
  t.type({ state_version: t.string, name: t.string, tags: t.array(t.string) }),
  t.partial({ meta: t.type({ by: t.string }) }),
]);
const V3 = t.type({ state_version: t.string, title: t.string, tags: t.array(t.string) });

/** 1.0.0 ⇄ 1.1.0 → 2.0.0 (lossy, cost 2), 3.0.0 disconnected; codecs for 1.0.0 and 2.0.0 only. */
const fixture = (): Migrator =>
  new Migrator()
    .register('1.0.0', '1.1.0', id, {
      description: 'Add tags',
      downDescription: 'Drop tags',
      down: id,
      changes: ['tags'],
    })
    .register('1.1.0', '2.0.0', id, { description: 'Rename name to title', lossy: true, cost: 2 })
    .register('3.0.0', '3.1.0', id)
    .schema('1.0.0', V1)
    .schema('2.0.0', V3);

describe('describeVersions', () => {
  it('lists every version in order with its description, and marks the current one', () => {
    const { current, versions } = describeVersions(fixture());
    expect(current).to.equal('3.1.0');
    expect(
      versions.map((v) => [v.version, v.order, v.current, v.description, v.schemaSource]),
    ).to.deep.equal([
      ['1.0.0', 1, false, undefined, 'codec'],
      ['1.1.0', 2, false, 'Add tags', undefined],
      ['2.0.0', 3, false, 'Rename name to title', 'codec'],
      ['3.0.0', 4, false, undefined, undefined],
      ['3.1.0', 5, true, undefined, undefined],
    ]);
    expect(
      describeVersions(new Migrator({ currentVersion: '1.1.0' }).register('1.0.0', '1.1.0', id, {}))
        .current,
    ).to.equal('1.1.0');
  });

  it('takes a schema from a snapshot when the version has no codec, and tracks when each field came', () => {
    const snapshots = new Map([['1.1.0', { schema: toJsonSchema(V2) }]]);
    const [v1, v11, v2] = describeVersions(fixture(), { snapshots }).versions;
    expect(v11!.schemaSource).to.equal('snapshot');
    expect(v11!.schema).to.deep.equal(toJsonSchema(V2));
    expect(v1!.fields).to.deep.equal([
      { path: 'name', type: 'string', required: true, since: '1.0.0' },
      { path: 'state_version', type: 'string', required: true, since: '1.0.0' },
    ]);
    expect(v11!.fields).to.deep.equal([
      { path: 'meta', type: 'object', required: false, since: '1.1.0' },
      { path: 'meta.by', type: 'string', required: true, since: '1.1.0' },
      { path: 'name', type: 'string', required: true, since: '1.0.0' },
      { path: 'state_version', type: 'string', required: true, since: '1.0.0' },
      { path: 'tags', type: 'array of string', required: true, since: '1.1.0' },
    ]);
    expect(v2!.fields.map((f) => [f.path, f.since])).to.deep.equal([
      ['state_version', '1.0.0'],
      ['tags', '1.1.0'],
      ['title', '2.0.0'],
    ]);
  });

  it('walks into arrays and records, and carries field descriptions', () => {
    const Item = t.type({ when: t.number });
    Object.assign(Item, { description: 'One entry' });
    const m = new Migrator().register('1.0.0', '2.0.0', id).schema(
      '2.0.0',
      t.type({
        items: t.array(t.type({ at: Item })),
        scores: t.record(t.string, t.type({ n: t.number })),
      }),
    );
    expect(describeVersions(m).versions[1]!.fields).to.deep.equal([
      { path: 'items', type: 'array of object', required: true, since: '2.0.0' },
      {
        path: 'items[*].at',
        type: 'object',
        required: true,
        description: 'One entry',
        since: '2.0.0',
      },
      { path: 'items[*].at.when', type: 'number', required: true, since: '2.0.0' },
      { path: 'scores', type: 'record of object', required: true, since: '2.0.0' },
      { path: 'scores{*}.n', type: 'number', required: true, since: '2.0.0' },
    ]);
  });

  it('gives a changelog against each neighbour: the schema diff and the edges between them', () => {
    const m = fixture();
    const snapshots = new Map([['1.1.0', { schema: toJsonSchema(V2) }]]);
    const v11 = describeVersions(m, { snapshots }).versions[1]!;
    expect(v11.changelog.map((c) => [c.neighbour, c.from, c.to])).to.deep.equal([
      ['1.0.0', '1.0.0', '1.1.0'],
      ['2.0.0', '1.1.0', '2.0.0'],
    ]);
    expect(v11.changelog[0]!.schemaChanges).to.deep.equal(
      diffSchemas(right(jsonSchema(m, '1.0.0')), toJsonSchema(V2)),
    );
    expect(v11.changelog[0]!.edges).to.deep.equal([
      {
        from: '1.0.0',
        to: '1.1.0',
        direction: 'up',
        cost: 1,
        lossy: false,
        description: 'Add tags',
        changes: ['tags'],
      },
      {
        from: '1.1.0',
        to: '1.0.0',
        direction: 'down',
        cost: 1,
        lossy: false,
        description: 'Drop tags',
        changes: ['tags'],
      },
    ]);
    expect(v11.changelog[1]!.edges).to.deep.equal([
      {
        from: '1.1.0',
        to: '2.0.0',
        direction: 'up',
        cost: 2,
        lossy: true,
        description: 'Rename name to title',
        changes: [],
      },
    ]);
    // 2.0.0 and 3.0.0 are neighbours in order, with no edge and one schema unknown.
    const v2 = describeVersions(m).versions[2]!;
    expect(v2.changelog.map((c) => [c.neighbour, c.schemaChanges, c.edges])).to.deep.equal([
      ['1.1.0', undefined, v11.changelog[1]!.edges],
      ['3.0.0', undefined, []],
    ]);
  });

  it('lists the edges in and out, and the planned upgrade from every older version', () => {
    const [, v11, v2, , v31] = describeVersions(fixture()).versions;
    expect(v11!.edgesIn.map((e) => `${e.from}>${e.to}`)).to.deep.equal(['1.0.0>1.1.0']);
    expect(v11!.edgesOut.map((e) => `${e.from}>${e.to}`)).to.deep.equal([
      '1.1.0>1.0.0',
      '1.1.0>2.0.0',
    ]);
    const upgrades = v2!.upgrades.map((u) =>
      'plan' in u ? [u.from, u.plan.steps.map((s) => s.to), u.plan.cost] : u,
    );
    expect(upgrades).to.deep.equal([
      ['1.0.0', ['1.1.0', '2.0.0'], 3],
      ['1.1.0', ['2.0.0'], 2],
    ]);
    const stuck = v31!.upgrades.filter((u) => 'problem' in u).map((u) => u.from);
    expect(stuck).to.deep.equal(['1.0.0', '1.1.0', '2.0.0']);
    expect(v31!.upgrades[0])
      .to.have.property('problem')
      .that.matches(/No migration path/);
  });

  it('gives equal results whatever the registration order', () => {
    const reversed = new Migrator()
      .schema('2.0.0', V3)
      .schema('1.0.0', V1)
      .register('3.0.0', '3.1.0', id)
      .register('1.1.0', '2.0.0', id, { description: 'Rename name to title', lossy: true, cost: 2 })
      .register('1.0.0', '1.1.0', id, {
        description: 'Add tags',
        downDescription: 'Drop tags',
        down: id,
        changes: ['tags'],
      });
    expect(JSON.stringify(describeVersions(reversed))).to.equal(
      JSON.stringify(describeVersions(fixture())),
    );
  });

  it('checks its options', () => {
    expect(() => describeVersions(fixture(), { snapshot: new Map() } as never)).to.throw(
      TypeError,
      /snapshot/,
    );
  });
});
