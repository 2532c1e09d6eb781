import { expect } from 'chai';
import * as t from 'io-ts';
import { toJsonSchema } from '../../lib/core/json-schema.js';
import { diffSchemas, formatSchemaChange, type SchemaChange } from '../../lib/core/schema-diff.js';

const Theme = t.keyof({ light: null, dark: null });
const base = {
  title: t.string,
  theme: Theme,
  count: t.number,
  prefs: t.type({ lang: t.string, size: t.union([t.number, t.null]) }),
  tags: t.array(t.string),
};
const Base = t.type(base);

const diff = (before: t.Mixed, after: t.Mixed): readonly SchemaChange[] =>
  diffSchemas(toJsonSchema(before), toJsonSchema(after));

const { count: _count, ...withoutCount } = base;
const { title: _title, ...withoutTitle } = base;

/** Seeded drifts, each with the one change it must be reported as. */
const drifts: ReadonlyArray<readonly [string, t.Mixed, readonly Partial<SchemaChange>[]]> = [
  [
    'a field added',
    t.type({ ...base, extra: t.boolean }),
    [{ path: 'extra', kind: 'added', after: 'boolean', detail: 'required' }],
  ],
  [
    'an optional field added',
    t.intersection([Base, t.partial({ note: t.string })]),
    [{ path: 'note', kind: 'added', detail: 'optional' }],
  ],
  ['a field removed', t.type(withoutCount), [{ path: 'count', kind: 'removed', before: 'number' }]],
  [
    'a field retyped',
    t.type({ ...base, count: t.string }),
    [{ path: 'count', kind: 'type-changed', before: 'number', after: 'string' }],
  ],
  [
    'a field made optional',
    t.intersection([t.type(withoutTitle), t.partial({ title: t.string })]),
    [{ path: 'title', kind: 'became-optional' }],
  ],
  [
    'a field renamed',
    t.type({ ...withoutTitle, name: t.string }),
    [
      { path: 'name', kind: 'added' },
      { path: 'title', kind: 'removed' },
    ],
  ],
  [
    'an enum widened',
    t.type({ ...base, theme: t.keyof({ light: null, dark: null, system: null }) }),
    [{ path: 'theme', kind: 'enum-widened', after: "'dark' | 'light' | 'system'" }],
  ],
  [
    'an enum narrowed',
    t.type({ ...base, theme: t.literal('light') }),
    [{ path: 'theme', kind: 'enum-narrowed' }],
  ],
  [
    'a nested field added',
    t.type({ ...base, prefs: t.type({ ...base.prefs.props, font: t.string }) }),
    [{ path: 'prefs.font', kind: 'added' }],
  ],
  [
    'a nested field retyped',
    t.type({ ...base, prefs: t.type({ lang: t.number, size: base.prefs.props.size }) }),
    [{ path: 'prefs.lang', kind: 'type-changed' }],
  ],
  [
    'a nested field made required',
    t.type({ ...base, prefs: t.type({ lang: t.string, size: t.number }) }),
    [{ path: 'prefs.size', kind: 'type-changed', before: 'null | number', after: 'number' }],
  ],
  [
    'array items retyped',
    t.type({ ...base, tags: t.array(t.number) }),
    [{ path: 'tags[*]', kind: 'type-changed' }],
  ],
  [
    'a refinement added',
    t.type({ ...base, count: t.Int }),
    [{ path: 'count', kind: 'type-changed', after: 'Int' }],
  ],
  [
    'a refinement renamed',
    t.type({ ...base, title: t.refinement(t.string, (s) => s !== '', 'NonEmpty') }),
    [{ path: 'title', kind: 'refinement-changed' }],
  ],
];

describe('schema diff', () => {
  for (const [name, after, expected] of drifts) {
    it(`reports ${name}`, () => {
      const changes = diff(Base, after);
      expect(changes.length, JSON.stringify(changes)).to.equal(expected.length);
      expected.forEach((want, i) => expect(changes[i]).to.include(want));
    });
  }

  it('reports nothing for reordered keys, reordered union members or edited descriptions', () => {
    const reordered = t.type({
      tags: t.array(t.string),
      prefs: t.type({ size: t.union([t.null, t.number]), lang: t.string }),
      count: t.number,
      theme: t.union([t.literal('dark'), t.literal('light')]),
      title: Object.assign(t.string, {}),
    });
    expect(diff(Base, reordered)).to.deep.equal([]);
    const described = toJsonSchema(
      t.type({
        ...base,
        title: Object.assign(
          t.refinement(t.string, () => true, 'Title'),
          { description: 'old' },
        ),
      }),
    );
    const redescribed = toJsonSchema(
      t.type({
        ...base,
        title: Object.assign(
          t.refinement(t.string, () => true, 'Title'),
          { description: 'new' },
        ),
      }),
    );
    expect(diffSchemas(described, redescribed)).to.deep.equal([]);
  });

  it('reports a field made required', () => {
    const optionalTitle = t.intersection([t.type(withoutTitle), t.partial({ title: t.string })]);
    expect(diff(optionalTitle, Base)).to.deep.equal([
      { path: 'title', kind: 'became-required', before: 'optional', after: 'required' },
    ]);
  });

  it('reports a changed constraint with its keyword, and a record closed or opened', () => {
    const schema = (name: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: 'object',
      properties: { name: { type: 'string', ...name } },
      required: ['name'],
      ...extra,
    });
    expect(diffSchemas(schema({ maxLength: 5 }), schema({ maxLength: 10 }))).to.deep.equal([
      { path: 'name', kind: 'constraint-changed', before: '5', after: '10', detail: 'maxLength' },
    ]);
    expect(diffSchemas(schema({}), schema({ minLength: 1 }))).to.deep.equal([
      { path: 'name', kind: 'constraint-changed', before: 'none', after: '1', detail: 'minLength' },
    ]);
    expect(
      diffSchemas(schema({}), schema({}, { additionalProperties: false })),
    ).to.deep.include.members([
      {
        path: '',
        kind: 'constraint-changed',
        before: 'none',
        after: 'false',
        detail: 'additionalProperties',
      },
    ]);
  });

  it('reports a top-level type change and stops there', () => {
    expect(diff(Base, t.array(t.string))).to.deep.equal([
      { path: '', kind: 'type-changed', before: 'object', after: 'array of string' },
    ]);
  });

  it('ends on recursive schemas and reports changes inside them', () => {
    interface A {
      readonly v: number;
      readonly kids: readonly A[];
    }
    interface B {
      readonly v: string;
      readonly kids: readonly B[];
    }
    const TreeA: t.Type<A> = t.recursion('Tree', () =>
      t.type({ v: t.number, kids: t.readonlyArray(TreeA) }),
    );
    const TreeB: t.Type<B> = t.recursion('Tree', () =>
      t.type({ v: t.string, kids: t.readonlyArray(TreeB) }),
    );
    expect(diff(TreeA, TreeA)).to.deep.equal([]);
    expect(diff(TreeA, TreeB)).to.deep.equal([
      { path: 'v', kind: 'type-changed', before: 'number', after: 'string' },
    ]);
  });

  it('says each change in one line', () => {
    const lines = diff(Base, t.type({ ...withoutCount, extra: t.boolean })).map(formatSchemaChange);
    expect(lines).to.deep.equal([
      '`count` removed (was number)',
      '`extra` added (boolean, required)',
    ]);
  });
});
