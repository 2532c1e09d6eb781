import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { toJsonSchema } from '../../lib/core/json-schema.js';
import type { Snapshot } from '../../lib/core/snapshot.js';
import {
  arbitraryForSchema,
  sampleStates,
  UnsupportedSchemaError,
} from '../../lib/testing/index.js';
import { AgentStateV1_0 } from '../../lib/index.js';
import { codecs, Tree } from '../support/codecs.js';

describe('states drawn from a JSON Schema', () => {
  it("draws only values the codec's decode accepts, for random codecs of every exact combinator", () => {
    fc.assert(
      fc.property(
        codecs.chain((codec) => {
          let arbitrary: fc.Arbitrary<unknown>;
          try {
            arbitrary = arbitraryForSchema(toJsonSchema(codec));
          } catch (error) {
            // Only a schema no value satisfies (t.undefined at the root) may be refused.
            if (!(error instanceof UnsupportedSchemaError)) throw error;
            return fc.tuple(fc.constant(codec), fc.constant([] as unknown[]));
          }
          return fc.tuple(fc.constant(codec), fc.array(arbitrary, { minLength: 3, maxLength: 3 }));
        }),
        ([codec, values]) => {
          for (const value of values) {
            expect(codec.decode(value)._tag, `${codec.name}: ${JSON.stringify(value)}`).to.equal(
              'Right',
            );
          }
        },
      ),
      { numRuns: 150, seed: 21 },
    );
  });

  it('unfolds recursive definitions up to maxDepth', () => {
    const values = fc.sample(arbitraryForSchema(toJsonSchema(Tree), { maxDepth: 2 }), 50);
    const depth = (tree: { children: unknown[] }): number =>
      1 + Math.max(0, ...tree.children.map((c) => depth(c as { children: unknown[] })));
    for (const value of values) expect(Tree.is(value)).to.equal(true);
    expect(Math.max(...values.map((v) => depth(v as { children: unknown[] })))).to.be.within(2, 3);
  });

  it('draws a refinement from its base, or from an override named after it', () => {
    const Uuid = t.refinement(t.string, (s) => /^[0-9a-f-]{36}$/.test(s), 'Uuid');
    const schema = toJsonSchema(t.type({ id: Uuid }));
    const drawn = fc.sample(arbitraryForSchema(schema, { overrides: { Uuid: fc.uuid() } }), 20);
    for (const value of drawn) expect(t.type({ id: Uuid }).is(value)).to.equal(true);
  });

  it('gives states of a version from its snapshot alone, reproducibly', () => {
    const snapshots = new Map<string, Snapshot>([
      ['1.0.0', { version: '1.0.0', hash: '', schema: toJsonSchema(AgentStateV1_0) }],
    ]);
    const states = sampleStates('1.0.0', { snapshots, runs: 20, seed: 7 });
    expect(states).to.have.length(20);
    for (const state of states) expect(AgentStateV1_0.decode(state)._tag).to.equal('Right');
    expect(sampleStates('1.0.0', { snapshots, runs: 20, seed: 7 })).to.deep.equal(states);
    expect(() => sampleStates('2.0.0', { snapshots })).to.throw(
      UnsupportedSchemaError,
      'No snapshot of version 2.0.0',
    );
  });
});
