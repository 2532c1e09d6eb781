import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { MigrationError, Migrator, type AnyState } from '../../lib/index.js';
import { left, right } from '../support/graphs.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Collects unhandled rejections while `run` runs (and a little after). */
const unhandledDuring = async (run: () => Promise<unknown>): Promise<unknown[]> => {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await run();
    await tick();
    await tick();
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
};

const asyncChain = () =>
  new Migrator()
    .register('1.0.0', '1.1.0', async (s) => {
      await tick();
      s.nested.list.push('mutated');
      return { ...s, a: true };
    })
    .register('1.1.0', '1.2.0', (s) => ({ ...s, b: true }))
    .register('1.2.0', '2.0.0', (s) => TE.right({ ...s, c: true })());

describe('async steps', () => {
  const input = () => ({ state_version: '1.0.0', nested: { list: [1] } });

  it('migrateAsync runs async, sync and TaskEither steps in turn, never touching the input', async () => {
    const state = input();
    const out = right(await asyncChain().migrateAsync(state, '2.0.0'));
    expect(out).to.deep.equal({
      state_version: '2.0.0',
      nested: { list: [1, 'mutated'] },
      a: true,
      b: true,
      c: true,
    });
    expect(state).to.deep.equal(input());
  });

  it('turns a rejected step into a typed Left, with no unhandled rejection', async () => {
    const boom = new Error('disk on fire');
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, a: 1 }))
      .register('1.1.0', '1.2.0', async () => {
        await tick();
        throw boom;
      });
    let result: E.Either<unknown, unknown> | undefined;
    const unhandled = await unhandledDuring(async () => {
      result = await m.migrateAsync(input(), '1.2.0');
    });
    const error = left(result!);
    expect(error).to.be.instanceOf(MigrationError);
    expect(error).to.deep.include({ reason: 'step_failed', from: '1.1.0', to: '1.2.0', step: 1 });
    expect((error as MigrationError).cause).to.equal(boom);
    expect(unhandled).to.deep.equal([]);
  });

  it('takes a Left from a promise of an Either', async () => {
    const m = new Migrator().register('1.0.0', '2.0.0', async () => E.left('no can do'));
    const error = left(await m.migrateAsync(input()));
    expect(error.message).to.equal('Migration failed at 1.0.0->2.0.0: no can do');
  });

  it('validates after each async step', async () => {
    const m = new Migrator()
      .register('1.0.0', '2.0.0', async (s) => ({ ...s, n: 'not a number' }))
      .schema('2.0.0', t.type({ n: t.number }));
    const error = left(await m.migrateAsync(input()));
    expect(error).to.deep.include({ reason: 'validation_failed', step: 0 });
    expect((error as MigrationError).validationErrors).to.deep.equal([
      'n: expected number, got "not a number"',
    ]);
  });

  it('migrate on a plan with an async step says to use migrateAsync and handles the promise', async () => {
    const m = new Migrator().register('1.0.0', '2.0.0', async () => {
      throw new Error('rejected later');
    });
    let error: Error | undefined;
    const unhandled = await unhandledDuring(async () => {
      error = left(m.migrate(input()));
    });
    expect(error).to.deep.include({ reason: 'async_step', step: 0 });
    expect(error!.message).to.contain('use migrateAsync');
    expect(unhandled).to.deep.equal([]);
  });

  it('migrate runs nothing of a plan with an async function, so migrateAsync after it runs each step once', async () => {
    let calls = 0;
    const m = new Migrator().register('1.0.0', '2.0.0', async (s) => {
      calls++;
      return { ...s, done: true };
    });
    expect(left(m.migrate(input()))).to.deep.include({ reason: 'async_step', step: 0 });
    expect(calls).to.equal(0);
    right(await m.migrateAsync(input()));
    expect(calls).to.equal(1);
  });

  it('createMigrate backs up a damaged stored state instead of throwing a TypeError', async () => {
    const { createMigrate } = await import('../../lib/integrations/redux-persist.js');
    const items = new Map([['persist:root', '{"_persist":null}']]);
    const storage = {
      getItem: async (key: string) => items.get(key) ?? null,
      setItem: async (key: string, value: string) => void items.set(key, value),
    };
    const m = new Migrator({ versionKey: '_persist.version', versionFormat: 'integer' })
      .register(1, 2, (s) => s)
      .schema(2, t.type({ todos: t.array(t.string) }));
    let thrown: unknown;
    try {
      await createMigrate(m, { storage, key: 'root' })({ _persist: null }, 2);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(Error).and.not.be.instanceOf(TypeError);
    expect(items.get('persist:root.migraph-backup')).to.equal('{"_persist":null}');
  });

  it('migrateAsync never rejects, whatever the input', async () => {
    const m = asyncChain();
    for (const bad of [null, 42, [], { state_version: 'banana' }, { state_version: '9.9.9' }]) {
      const result = await m.migrateAsync(bad, '2.0.0');
      expect(E.isLeft(result), JSON.stringify(bad)).to.equal(true);
    }
  });

  describe('migrateMany', () => {
    it('keeps input order with async steps and at most `concurrency` migrations in flight', async () => {
      let inFlight = 0;
      let most = 0;
      const m = new Migrator<AnyState>().register('1.0.0', '2.0.0', async (s) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5 - (s.i % 5)));
        inFlight--;
        return { ...s, done: true };
      });
      const states = Array.from({ length: 40 }, (_, i) => ({ state_version: '1.0.0', i }));
      const seen: number[] = [];
      for await (const result of m.migrateMany(states, '2.0.0', { concurrency: 4 })) {
        seen.push(right(result).i as number);
      }
      expect(seen).to.deep.equal(states.map((s) => s.i));
      expect(most).to.equal(4);
    });

    it('rejects a concurrency that is not a positive integer', async () => {
      const m = asyncChain();
      for (const concurrency of [0, -1, 1.5, Number.NaN]) {
        let thrown: unknown;
        try {
          for await (const _ of m.migrateMany([input()], '2.0.0', { concurrency })) void _;
        } catch (error) {
          thrown = error;
        }
        expect(thrown, String(concurrency)).to.be.instanceOf(TypeError);
      }
    });
  });
});

describe('migrateReportSyncFirst', () => {
  const counted = () => {
    const calls: string[] = [];
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => (calls.push('a'), { ...s, a: 1 }))
      .register('1.1.0', '1.2.0', (s) => (calls.push('b'), Promise.resolve({ ...s, b: 2 })))
      .register('1.2.0', '2.0.0', (s) => (calls.push('c'), { ...s, c: 3 }));
    return { m, calls };
  };

  it('answers synchronously, with the report, while every step is synchronous', () => {
    const { m, calls } = counted();
    const out = m.migrateReportSyncFirst({ state_version: '1.0.0' }, '1.1.0', { consume: true });
    expect(out).not.to.be.instanceOf(Promise);
    const report = right(out as E.Either<unknown, never>) as { outcome: string; state: AnyState };
    expect(report.outcome).to.equal('migrated');
    expect(report.state).to.include({ state_version: '1.1.0', a: 1 });
    expect(calls).to.deep.equal(['a']);
    const same = m.migrateReportSyncFirst({ state_version: '1.1.0' }, '1.1.0');
    expect((right(same as E.Either<unknown, never>) as { outcome: string }).outcome).to.equal(
      'unchanged',
    );
  });

  it('goes on from the first promise a plain function returns: each step runs once', async () => {
    const { m, calls } = counted();
    const out = m.migrateReportSyncFirst({ state_version: '1.0.0' }, '2.0.0');
    expect(out).to.be.instanceOf(Promise);
    const report = right(await out) as { outcome: string; state: AnyState };
    expect(report.outcome).to.equal('migrated');
    expect(report.state).to.include({ state_version: '2.0.0', a: 1, b: 2, c: 3 });
    expect(calls).to.deep.equal(['a', 'b', 'c']);
  });

  it('checks its call options', () => {
    const { m } = counted();
    expect(() =>
      m.migrateReportSyncFirst({ state_version: '1.0.0' }, '2.0.0', { consum: true } as never),
    ).to.throw(TypeError, /consume/);
  });
});
