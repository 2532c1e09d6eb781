import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { Migrator, StateVersionError, type PlanDirection } from '../../lib/index.js';
import { assertPlan, fixtures, graphOf, left, mark, right } from '../support/graphs.js';

describe('planner', () => {
  describe('on the fixture graphs', () => {
    it('plans a linear upgrade and its downgrade', () => {
      const m = graphOf(fixtures.withReverse);
      assertPlan(m, right(m.plan('1.0.0', '2.0.0')), '1.0.0', '2.0.0', { cost: 3, steps: 3 });
      const down = right(m.plan('2.0.0', '1.0.0'));
      assertPlan(m, down, '2.0.0', '1.0.0', { cost: 3, steps: 3 });
      expect(down.steps.map((s) => s.direction)).to.deep.equal(['down', 'down', 'down']);
    });

    it('takes a multi-step jump on a linear graph', () => {
      const m = graphOf(fixtures.linear);
      expect(right(m.plan('1.0.0', '2.0.0')).steps.map((s) => s.to)).to.deep.equal([
        '1.1.0',
        '1.2.0',
        '2.0.0',
      ]);
    });

    it('breaks a diamond tie towards the lower next version, whatever the registration order', () => {
      const a = graphOf(fixtures.diamond);
      const b = graphOf([...fixtures.diamond].reverse());
      const planA = right(a.plan('1.0.0', '2.0.0'));
      expect(planA.steps.map((s) => s.to)).to.deep.equal(['1.1.0', '2.0.0']);
      expect(right(b.plan('1.0.0', '2.0.0'))).to.deep.equal(planA);
    });

    it('minimises total cost when edges carry costs', () => {
      const m = graphOf(fixtures.weighted);
      const plan = right(m.plan('1.0.0', '2.0.0'));
      assertPlan(m, plan, '1.0.0', '2.0.0', { cost: 6, steps: 3 });
    });

    it('prefers fewer steps among paths of equal cost', () => {
      const m = graphOf([
        ['1.0.0', '2.0.0', 2],
        ['1.0.0', '1.5.0', 1],
        ['1.5.0', '2.0.0', 1],
      ]);
      assertPlan(m, right(m.plan('1.0.0', '2.0.0')), '1.0.0', '2.0.0', { cost: 2, steps: 1 });
    });

    it('gives a down edge the cost of its up edge', () => {
      const m = graphOf([['1.0.0', '2.0.0', 7, true]]);
      expect(right(m.plan('2.0.0', '1.0.0')).cost).to.equal(7);
    });

    it('returns an empty plan of cost 0 from a version to itself, registered or not', () => {
      const m = graphOf(fixtures.empty);
      expect(right(m.plan('9.9.9', 'v9.9.9'))).to.deep.equal({
        from: '9.9.9',
        to: '9.9.9',
        steps: [],
        cost: 0,
      });
    });

    it('reports no path between disconnected parts', () => {
      const m = graphOf(fixtures.disconnected);
      const error = left(m.plan('1.0.0', '3.1.0'));
      expect(error).to.be.instanceOf(StateVersionError);
      expect(error.message).to.equal('No migration path found from 1.0.0 to 3.1.0');
      expect({ reason: error.reason, from: error.from, to: error.to }).to.deep.equal({
        reason: 'no_path',
        from: '1.0.0',
        to: '3.1.0',
      });
    });

    it('says which version is unknown', () => {
      const m = graphOf(fixtures.linear);
      const error = left(m.plan('0.5.0', '2.0.0'));
      expect(error.message).to.equal(
        'No migration path found from 0.5.0 to 2.0.0: version 0.5.0 is not registered',
      );
      expect(error.reason).to.equal('unknown_version');
      expect(error.version).to.equal('0.5.0');
      expect(left(graphOf(fixtures.empty).plan('1.0.0', '2.0.0')).message).to.contain(
        'versions 1.0.0 and 2.0.0 are not registered',
      );
    });

    it('rejects malformed versions', () => {
      const error = left(graphOf(fixtures.linear).plan('banana', '2.0.0'));
      expect(error.reason).to.equal('invalid_version');
      expect(error.message).to.equal("Expected a semver version, got 'banana'");
    });

    it('honours the direction filter', () => {
      const m = graphOf(fixtures.withReverse);
      assertPlan(m, right(m.plan('1.0.0', '2.0.0', { direction: 'forward' })), '1.0.0', '2.0.0', {
        cost: 3,
        steps: 3,
        direction: 'forward',
      });
      expect(left(m.plan('2.0.0', '1.0.0', { direction: 'forward' })).message).to.equal(
        'No migration path found from 2.0.0 to 1.0.0 (direction: forward)',
      );
      expect(left(m.plan('1.0.0', '2.0.0', { direction: 'reverse' })).reason).to.equal('no_path');
    });

    it('forward skips a shorter path that goes down on the way', () => {
      // 1.0.0 -> 3.0.0 -> 2.0.0 is 2 steps but goes down; forward must take 1.0 -> 1.5 -> 1.8 -> 2.0.
      const m = graphOf([
        ['1.0.0', '3.0.0'],
        ['3.0.0', '2.0.0'],
        ['1.0.0', '1.5.0'],
        ['1.5.0', '1.8.0'],
        ['1.8.0', '2.0.0'],
      ]);
      expect(right(m.plan('1.0.0', '2.0.0')).steps.length).to.equal(2);
      assertPlan(m, right(m.plan('1.0.0', '2.0.0', { direction: 'forward' })), '1.0.0', '2.0.0', {
        cost: 3,
        steps: 3,
        direction: 'forward',
      });
    });

    it('caches plans and drops the cache on registration', () => {
      const m = graphOf(fixtures.linear);
      const first = right(m.plan('1.0.0', '2.0.0'));
      expect(right(m.plan('1.0.0', '2.0.0'))).to.equal(first);
      m.register('1.0.0', '2.0.0', mark('2.0.0'));
      const second = right(m.plan('1.0.0', '2.0.0'));
      expect(second).to.not.equal(first);
      expect(second.steps.length).to.equal(1);
    });

    it('keys cached plans by direction too, and hands out a result no caller can change', () => {
      const m = graphOf(fixtures.linear);
      const any = m.plan('1.0.0', '2.0.0');
      const reverse = m.plan('1.0.0', '2.0.0', { direction: 'reverse' });
      expect(E.isRight(any) && E.isLeft(reverse)).to.equal(true);
      expect(E.isRight(m.plan('1.0.0', '2.0.0', { direction: 'forward' }))).to.equal(true);
      expect(E.isLeft(m.plan('1.0.0', '2.0.0', { direction: 'reverse' }))).to.equal(true);
      expect(m.plan('1.0.0', '2.0.0')).to.equal(any);
      expect(Object.isFrozen(any)).to.equal(true);
    });

    it('returns frozen plans', () => {
      const plan = right(graphOf(fixtures.linear).plan('1.0.0', '2.0.0'));
      expect(
        Object.isFrozen(plan) && Object.isFrozen(plan.steps) && Object.isFrozen(plan.steps[0]),
      ).to.equal(true);
    });

    describe('lossy edges', () => {
      it('takes the lossless side of a diamond even when it is not the lower next version', () => {
        const m = graphOf([
          ['1.0.0', '1.1.0', 1, false, true],
          ['1.0.0', '1.2.0'],
          ['1.1.0', '2.0.0'],
          ['1.2.0', '2.0.0'],
        ]);
        const plan = right(m.plan('1.0.0', '2.0.0'));
        expect(plan.steps.map((s) => s.to)).to.deep.equal(['1.2.0', '2.0.0']);
        expect(right(m.alternatives('1.0.0', '2.0.0'))).to.deep.equal([plan]);
      });

      it('prefers a lossless path of equal cost over a shorter lossy one', () => {
        const m = graphOf([
          ['1.0.0', '2.0.0', 2, false, true],
          ['1.0.0', '1.5.0', 1],
          ['1.5.0', '2.0.0', 1],
        ]);
        assertPlan(m, right(m.plan('1.0.0', '2.0.0')), '1.0.0', '2.0.0', { cost: 2, steps: 2 });
      });

      it('still takes a lossy edge when every cheaper or equal path is lossy', () => {
        const m = graphOf([
          ['1.0.0', '2.0.0', 1, true, true],
          ['1.0.0', '1.5.0', 1],
          ['1.5.0', '2.0.0', 1],
        ]);
        const plan = right(m.plan('1.0.0', '2.0.0'));
        expect(plan.steps).to.deep.equal([
          { from: '1.0.0', to: '2.0.0', direction: 'up', lossy: true },
        ]);
        expect(right(m.plan('2.0.0', '1.0.0')).steps[0]!.lossy).to.equal(true);
      });

      it('marks only lossy steps, and rejects a lossy flag that is not a boolean', () => {
        const m = graphOf(fixtures.withReverse);
        expect(right(m.plan('1.0.0', '2.0.0')).steps.every((s) => !('lossy' in s))).to.equal(true);
        expect(() =>
          new Migrator().register('1.0.0', '2.0.0', mark('2.0.0'), {
            lossy: 'yes' as unknown as boolean,
          }),
        ).to.throw(
          TypeError,
          "Expected option lossy of register('1.0.0', '2.0.0', up, meta) to be a boolean, got 'yes'",
        );
      });
    });

    it('carries edge descriptions into steps', () => {
      const m = new Migrator().register('1.0.0', '1.1.0', (s) => s, { description: 'Add tags' });
      expect(right(m.plan('1.0.0', '1.1.0')).steps).to.deep.equal([
        { from: '1.0.0', to: '1.1.0', direction: 'up', description: 'Add tags' },
      ]);
    });
  });

  describe('against a brute-force search on random graphs', () => {
    const versions = ['0.1.0', '0.2.0', '1.0.0', '1.0.1', '1.1.0', '2.0.0-rc.1', '2.0.0'];
    const rank = new Map(versions.map((v, i) => [v, i]));

    interface RandomEdge {
      readonly from: string;
      readonly to: string;
      readonly cost: number;
      readonly lossy: boolean;
    }

    // Half the edges are lossy, so that lossless paths of equal cost compete with lossy ones;
    // dense graphs (8 to 16 edges on 5 versions) have many such ties.
    const graphArb = (weighted: boolean, dense = false) =>
      fc
        .uniqueArray(
          fc.record({
            from: fc.constantFrom(...versions.slice(0, dense ? 5 : undefined)),
            to: fc.constantFrom(...versions.slice(0, dense ? 5 : undefined)),
            cost: weighted ? fc.integer({ min: 1, max: 5 }) : fc.constant(1),
            lossy: fc.boolean(),
          }),
          { minLength: dense ? 8 : 0, maxLength: 16, selector: (e) => `${e.from}>${e.to}` },
        )
        .map((edges) => edges.filter((e) => e.from !== e.to));

    type Rank = { cost: number; lossy: number; steps: number };
    /** Least cost, then fewest lossy steps, then fewest steps. */
    const better = (a: Rank, b: Rank | undefined): boolean =>
      b === undefined ||
      a.cost < b.cost ||
      (a.cost === b.cost && (a.lossy < b.lossy || (a.lossy === b.lossy && a.steps < b.steps)));

    /** The least rank over all simple paths, by exhaustive depth-first search. */
    const bruteForce = (
      edges: readonly RandomEdge[],
      from: string,
      to: string,
      direction: PlanDirection,
    ): Rank | undefined => {
      const usable = edges.filter(
        (e) =>
          direction === 'any' || (direction === 'forward') === rank.get(e.to)! > rank.get(e.from)!,
      );
      let best: Rank | undefined;
      const walk = (at: string, seen: Set<string>, here: Rank): void => {
        if (at === to) {
          if (better(here, best)) best = here;
          return;
        }
        for (const e of usable) {
          if (e.from === at && !seen.has(e.to))
            walk(e.to, new Set(seen).add(e.to), {
              cost: here.cost + e.cost,
              lossy: here.lossy + (e.lossy ? 1 : 0),
              steps: here.steps + 1,
            });
        }
      };
      walk(from, new Set([from]), { cost: 0, lossy: 0, steps: 0 });
      return best;
    };

    const build = (edges: readonly RandomEdge[]) =>
      edges.reduce(
        (m, e) => m.register(e.from, e.to, mark(e.to), { cost: e.cost, lossy: e.lossy }),
        new Migrator(),
      );

    const lossyStepsOf = (plan: { steps: readonly { lossy?: true }[] }) =>
      plan.steps.filter((s) => s.lossy === true).length;

    for (const [weighted, dense] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`finds the optimum of a brute-force search (${weighted ? 'weighted' : 'unit'} edges${dense ? ', dense' : ''})`, () => {
        fc.assert(
          fc.property(
            graphArb(weighted, dense),
            fc.constantFrom(...versions),
            fc.constantFrom(...versions),
            fc.constantFrom<PlanDirection>('any', 'forward', 'reverse'),
            (edges, from, to, direction) => {
              const m = build(edges);
              const expected =
                from === to
                  ? { cost: 0, lossy: 0, steps: 0 }
                  : bruteForce(edges, from, to, direction);
              const result = m.plan(from, to, { direction });
              if (expected === undefined) {
                expect(E.isLeft(result)).to.equal(true);
                const reason = (result as E.Left<StateVersionError>).left.reason;
                const known = m.versions();
                expect(reason).to.equal(
                  known.includes(from) && known.includes(to) ? 'no_path' : 'unknown_version',
                );
              } else {
                const { lossy, ...optimum } = expected;
                assertPlan(m, right(result), from, to, { ...optimum, direction });
                expect(lossyStepsOf(right(result))).to.equal(lossy);
              }
            },
          ),
          { numRuns: 400 },
        );
      });
    }

    it('lists every equally short path as an alternative, the picked plan first', () => {
      const optimalRoutes = (
        edges: readonly RandomEdge[],
        from: string,
        to: string,
        direction: PlanDirection,
      ): string[] => {
        const best = bruteForce(edges, from, to, direction);
        if (best === undefined) return [];
        const found: string[] = [];
        const walk = (route: string[], cost: number, lossy: number): void => {
          const at = route.at(-1)!;
          if (at === to) {
            if (cost === best.cost && lossy === best.lossy && route.length - 1 === best.steps)
              found.push(route.join(' '));
            return;
          }
          for (const e of edges) {
            const ok =
              direction === 'any' ||
              (direction === 'forward') === rank.get(e.to)! > rank.get(e.from)!;
            if (ok && e.from === at && !route.includes(e.to))
              walk([...route, e.to], cost + e.cost, lossy + (e.lossy ? 1 : 0));
          }
        };
        walk([from], 0, 0);
        return found.sort();
      };
      fc.assert(
        fc.property(
          graphArb(true),
          fc.constantFrom(...versions),
          fc.constantFrom(...versions),
          fc.constantFrom<PlanDirection>('any', 'forward', 'reverse'),
          (edges, from, to, direction) => {
            fc.pre(from !== to);
            const m = build(edges);
            const listed = m.alternatives(from, to, { direction, limit: 1000 });
            const expected = optimalRoutes(edges, from, to, direction);
            if (expected.length === 0) {
              expect(E.isLeft(listed)).to.equal(true);
              return;
            }
            const routes = right(listed).map((p) =>
              [p.from, ...p.steps.map((s) => s.to)].join(' '),
            );
            expect([...routes].sort()).to.deep.equal(expected);
            expect(right(listed)[0]).to.deep.equal(right(m.plan(from, to, { direction })));
          },
        ),
        { numRuns: 400 },
      );
    });

    it('stops listing alternatives at the limit', () => {
      const m = graphOf([
        ['1.0.0', '1.1.0'],
        ['1.0.0', '1.2.0'],
        ['1.0.0', '1.3.0'],
        ['1.1.0', '2.0.0'],
        ['1.2.0', '2.0.0'],
        ['1.3.0', '2.0.0'],
      ]);
      expect(right(m.alternatives('1.0.0', '2.0.0')).map((p) => p.steps[0]!.to)).to.deep.equal([
        '1.1.0',
        '1.2.0',
        '1.3.0',
      ]);
      expect(right(m.alternatives('1.0.0', '2.0.0', { limit: 2 }))).to.have.length(2);
      expect(right(m.alternatives('1.0.0', '1.0.0'))).to.deep.equal([
        { from: '1.0.0', to: '1.0.0', steps: [], cost: 0 },
      ]);
    });

    it('does not depend on registration order', () => {
      fc.assert(
        fc.property(
          graphArb(true).chain((edges) =>
            fc.tuple(fc.constant(edges), fc.shuffledSubarray(edges, { minLength: edges.length })),
          ),
          fc.constantFrom(...versions),
          fc.constantFrom(...versions),
          ([edges, shuffled], from, to) => {
            expect(build(shuffled).plan(from, to)).to.deep.equal(build(edges).plan(from, to));
            expect(build(shuffled).versions()).to.deep.equal(build(edges).versions());
          },
        ),
        { numRuns: 300 },
      );
    });

    for (const weighted of [false, true]) {
      it(`gives every plan to one target from one cached search, consistent with fresh planning (${weighted ? 'weighted' : 'unit, searched lazily'})`, () => {
        fc.assert(
          fc.property(
            graphArb(weighted),
            fc.constantFrom(...versions),
            fc.shuffledSubarray(versions, { minLength: versions.length }),
            fc.constantFrom<PlanDirection>('any', 'forward', 'reverse'),
            (edges, to, order, direction) => {
              // One migrator answers every source in a random order, so a search that stopped
              // early for one source is resumed for the next; alternatives share it too.
              const warm = build(edges);
              const warmPlans = order.map((from) => [
                warm.plan(from, to, { direction }),
                warm.alternatives(from, to, { direction }),
              ]);
              const coldPlans = order.map((from) => [
                build(edges).plan(from, to, { direction }),
                build(edges).alternatives(from, to, { direction }),
              ]);
              expect(warmPlans).to.deep.equal(coldPlans);
            },
          ),
          { numRuns: 200 },
        );
      });
    }
  });

  it('plans on a large graph without recursion limits', () => {
    const m = new Migrator();
    const n = 5000;
    for (let i = 0; i < n; i++)
      m.register(`1.${i}.0`, `1.${i + 1}.0`, mark('x'), { down: mark('y') });
    const plan = right(m.plan('1.0.0', `1.${n}.0`));
    expect(plan.steps.length).to.equal(n);
    expect(right(m.plan(`1.${n}.0`, '1.0.0')).steps.length).to.equal(n);
  });
});
