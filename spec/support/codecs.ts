// Random io-ts codecs of every combinator the JSON Schema export maps exactly.
import fc from 'fast-check';
import * as t from 'io-ts';

export interface Tree {
  readonly value: number;
  readonly children: readonly Tree[];
}
export const Tree: t.Type<Tree> = t.recursion('Tree', () =>
  t.type({ value: t.number, children: t.readonlyArray(Tree) }),
);

/** Random codecs of every combinator the schema export maps exactly (no refinements). */
export const codecs: fc.Arbitrary<t.Mixed> = fc.letrec<{ codec: t.Mixed }>((tie) => {
  const codec = tie('codec') as fc.Arbitrary<t.Mixed>;
  // Not `constructor` or `__proto__`: io-ts reads an absent field through the prototype chain
  // (`{}.constructor` is `Object`), so it rejects `{}` for an optional field of those names.
  // Not `''` either: ajv 8 ignores an empty name in `required`.
  const key = fc.constantFrom('a', 'b', 'c', 'x y');
  const props = fc.dictionary(key, codec, { maxKeys: 3 });
  return {
    codec: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom<t.Mixed>(
        t.string,
        t.number,
        t.boolean,
        t.null,
        t.undefined,
        t.unknown,
        t.UnknownArray,
        t.UnknownRecord,
        t.Int,
        Tree,
        t.literal('x'),
        t.literal(1),
        t.literal(true),
        t.keyof({ x: null, y: null }),
      ),
      props.map((p) => t.type(p)),
      props.map((p) => t.partial(p)),
      props.map((p) => t.exact(t.type(p))),
      props.map((p) => t.strict(p)),
      codec.map((c) => t.array(c)),
      codec.map((c) => t.readonlyArray(c)),
      codec.map((c) => t.readonly(c)),
      codec.map((c) => t.record(t.string, c)),
      codec.map((c) => t.record(t.keyof({ x: null, y: null }), c)),
      fc.array(codec, { minLength: 1, maxLength: 3 }).map((cs) => t.tuple(cs as [t.Mixed])),
      fc
        .array(codec, { minLength: 2, maxLength: 3 })
        .map((cs) => t.union(cs as [t.Mixed, t.Mixed])),
      // Members with keys of their own: an intersection no value satisfies has no arbitrary.
      fc
        .tuple(props, fc.dictionary(fc.constantFrom('d', 'e'), codec, { maxKeys: 2 }))
        .map(([p, q]) => t.intersection([t.type(p), t.partial(q)])),
    ),
  };
}).codec;
