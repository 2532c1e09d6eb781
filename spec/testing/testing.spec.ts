import { expect } from 'chai';
import fc from 'fast-check';
import {
  AgentStateV1_0,
  defaultMigrator,
  MigrationTestError,
  Migrator,
  validateState,
  isSameData,
  type AnyState,
} from '../../lib/index.js';
import {
  agentStateV1_0Arbitrary,
  assertRoundTrip,
  assertRoundTripAsync,
  validateRoundtripWithAsync,
} from '../../lib/testing/index.js';

describe('testing utilities', () => {
  it('isSameData compares data, not prototypes', () => {
    expect(
      isSameData(Object.assign(Object.create(null), { a: [1, { b: 2 }] }), { a: [1, { b: 2 }] }),
    ).to.equal(true);
    expect(isSameData({ a: 1 }, { a: 1, b: undefined })).to.equal(false);
    expect(isSameData([1, 2], [2, 1])).to.equal(false);
    expect(
      isSameData(JSON.parse('{"__proto__":{"x":1}}'), JSON.parse('{"__proto__":{"x":2}}')),
    ).to.equal(false);
  });

  describe('agentStateV1_0Arbitrary', () => {
    it('generates states valid per the 1.0.0 codec and strict validation', () => {
      fc.assert(
        fc.property(agentStateV1_0Arbitrary(), (state) => {
          expect(AgentStateV1_0.is(state)).to.equal(true);
          expect(validateState(state, { strict: true })).to.equal(true);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('assertRoundTrip', () => {
    it('passes for the shipped 1.0.0 <-> 1.1.0 migrations on generated AgentStates', () => {
      expect(
        assertRoundTrip(defaultMigrator, '1.0.0', '1.1.0', agentStateV1_0Arbitrary(), {
          numRuns: 300,
        }),
      ).to.equal(true);
    });

    it('throws MigrationTestError with a shrunk counterexample, the path and the differing fields', () => {
      // The down loses `tags` entries beyond the first: only states with 2+ tags expose it.
      const m = new Migrator().register(
        '1.0.0',
        '2.0.0',
        (s) => ({ ...s, labels: s.tags, tags: undefined }),
        {
          down: ({ labels, ...s }) => ({ ...s, tags: labels.slice(0, 1) }),
        },
      );
      const arb = fc.record({ tags: fc.array(fc.string()), note: fc.string() });
      let error: MigrationTestError | undefined;
      try {
        assertRoundTrip(m, '1.0.0', '2.0.0', arb, { seed: 7 });
      } catch (e) {
        error = e as MigrationTestError;
      }
      expect(error).to.be.instanceOf(MigrationTestError);
      expect(error!.fields).to.deep.equal(['tags']);
      expect(error!.path).to.deep.equal(['1.0.0', '2.0.0', '1.0.0']);
      expect(error!.counterexample).to.deep.equal({
        tags: ['', ''],
        note: '',
        state_version: '1.0.0',
      });
      expect(error!.message).to.match(
        /Round trip 1\.0\.0 -> 2\.0\.0 -> 1\.0\.0 failed .*Data was not preserved/,
      );
    });

    it('honours the compared fields', () => {
      const m = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, extra: 1 }), {
        down: (s: AnyState) => ({ ...s, note: 'changed' }),
      });
      const arb = fc.record({ note: fc.string(), keep: fc.nat() });
      expect(() => assertRoundTrip(m, '1.0.0', '2.0.0', arb)).to.throw(MigrationTestError);
      expect(assertRoundTrip(m, '1.0.0', '2.0.0', arb, { fields: ['keep'] })).to.equal(true);
    });
  });

  describe('assertRoundTripAsync and validateRoundtripWithAsync: steps may be async', () => {
    const m = (keepsAll: boolean) =>
      new Migrator().register(
        '1.0.0',
        '2.0.0',
        async ({ tags, ...s }) => ({ ...s, labels: tags }),
        {
          down: async ({ labels, ...s }) => ({
            ...s,
            tags: keepsAll ? labels : (labels as string[]).slice(0, 1),
          }),
        },
      );
    const arb = fc.record({ tags: fc.array(fc.string()), note: fc.string() });

    it('pass a lossless async edge', async () => {
      expect(await assertRoundTripAsync(m(true), '1.0.0', '2.0.0', arb, { seed: 7 })).to.equal(
        true,
      );
      const state = { state_version: '1.0.0', tags: ['a', 'b'], note: '' };
      expect(await validateRoundtripWithAsync(m(true), state, '2.0.0')).to.equal(true);
    });

    it('reject with the shrunk counterexample, the path and the fields', async () => {
      let error: MigrationTestError | undefined;
      try {
        await assertRoundTripAsync(m(false), '1.0.0', '2.0.0', arb, { seed: 7 });
      } catch (e) {
        error = e as MigrationTestError;
      }
      expect(error).to.be.instanceOf(MigrationTestError);
      expect(error!.fields).to.deep.equal(['tags']);
      expect(error!.path).to.deep.equal(['1.0.0', '2.0.0', '1.0.0']);
      expect(error!.counterexample).to.deep.equal({
        tags: ['', ''],
        note: '',
        state_version: '1.0.0',
      });
      const state = { state_version: '1.0.0', tags: ['a', 'b'], note: '' };
      let single: unknown;
      await validateRoundtripWithAsync(m(false), state, '2.0.0').catch((e: unknown) => {
        single = e;
      });
      expect(single).to.be.instanceOf(MigrationTestError);
      expect((single as MigrationTestError).fields).to.deep.equal(['tags']);
    });
  });
});
