import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { MigrationError, Migrator, StateVersionError, type AnyState } from '../../lib/index.js';

const right = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) throw new Error(`expected a Right, got ${String(result.left)}`);
  return result.right;
};

const VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '2.0.0'] as const;

/** A linear graph with reverse edges; each step records itself. */
const linear = (options: ConstructorParameters<typeof Migrator>[0] = {}) => {
  const m = new Migrator({ clock: () => new Date(0), ...options });
  for (let i = 0; i < VERSIONS.length - 1; i++) {
    const to = VERSIONS[i + 1]!;
    m.register(
      VERSIONS[i]!,
      to,
      (s: AnyState) => ({ ...s, steps: [...((s.steps as string[]) ?? []), to] }),
      { down: (s: AnyState) => ({ ...s, down: true }) },
    );
  }
  return m;
};

describe('migrateReport', () => {
  const m = linear();

  it('reports a migration with the plan that ran', () => {
    const report = right(m.migrateReport({ state_version: '1.0.0' }, '1.2.0'));
    expect(report.outcome).to.equal('migrated');
    expect(report.from).to.equal('1.0.0');
    expect(report.to).to.equal('1.2.0');
    expect(report.state).to.deep.equal({ state_version: '1.2.0', steps: ['1.1.0', '1.2.0'] });
    expect(report.plan).to.deep.equal(right(m.plan('1.0.0', '1.2.0')));
  });

  it('reports a state already at the target as unchanged, however its version is written', () => {
    const input = { state_version: 'v2.0.0', a: 1 };
    const report = right(m.migrateReport(input));
    expect(report).to.deep.equal({
      state: input,
      outcome: 'unchanged',
      from: '2.0.0',
      to: '2.0.0',
      plan: undefined,
    });
    expect(report.state).not.to.equal(input);
  });

  it('reports a newer state kept under onNewerVersion keep as kept-newer', () => {
    const keeping = linear({ onNewerVersion: 'keep' });
    const report = right(keeping.migrateReport({ state_version: '3.0.0' }));
    expect(report.outcome).to.equal('kept-newer');
    expect(report.from).to.equal('3.0.0');
    expect(report.to).to.equal('2.0.0');
    expect(report.plan).to.equal(undefined);
    expect(report.state).to.deep.equal({ state_version: '3.0.0' });
  });

  it('reports missingVersion as the version read from a state without one', () => {
    const missing = linear({ missingVersion: '1.0.0' });
    const report = right(missing.migrateReport({ a: 1 }, '1.1.0'));
    expect(report.from).to.equal('1.0.0');
    expect(report.outcome).to.equal('migrated');
  });

  it('gives the same Left as migrate', () => {
    const withSchema = linear().schema('1.1.0', t.type({ required: t.string }));
    const failed = withSchema.migrateReport({ state_version: '1.0.0' }, '1.1.0');
    expect(E.isLeft(failed) && failed.left).to.be.instanceOf(MigrationError);
    expect(failed).to.deep.equal(withSchema.migrate({ state_version: '1.0.0' }, '1.1.0'));
    const bad = m.migrateReport('nope');
    expect(E.isLeft(bad) && bad.left).to.be.instanceOf(StateVersionError);
    expect(() => m.migrateReport({}, '1.0.0', { consume: 'yes' } as never)).to.throw(
      TypeError,
      'migrateReport()',
    );
  });

  it('agrees with migrate and with the plan, from any version to any other', () => {
    const version = fc.constantFrom(...VERSIONS);
    fc.assert(
      fc.property(version, version, fc.boolean(), (from, to, consume) => {
        const report = right(m.migrateReport({ state_version: from }, to, { consume }));
        expect(report.state).to.deep.equal(right(m.migrate({ state_version: from }, to)));
        expect(report.outcome).to.equal(from === to ? 'unchanged' : 'migrated');
        expect(report.plan?.steps.length ?? 0).to.equal(right(m.plan(from, to)).steps.length);
      }),
    );
  });

  it('takes the state over with consume', () => {
    const input = { state_version: '2.0.0' };
    expect(right(m.migrateReport(input, '2.0.0', { consume: true })).state).to.equal(input);
  });

  it('says to use migrateReportAsync for an async step', () => {
    const slow = new Migrator().register('1.0.0', '2.0.0', async (s: AnyState) => ({ ...s }));
    const result = slow.migrateReport({ state_version: '1.0.0' });
    expect(E.isLeft(result) && result.left).to.include({ reason: 'async_step' });
  });
});

describe('migrateReportAsync', () => {
  const m = new Migrator({ onNewerVersion: 'keep' }).register(
    '1.0.0',
    '2.0.0',
    async (s: AnyState) => ({ ...s, done: true }),
  );

  it('reports each outcome, awaiting async steps', async () => {
    const migrated = right(await m.migrateReportAsync({ state_version: '1.0.0' }));
    expect(migrated.outcome).to.equal('migrated');
    expect(migrated.state).to.deep.equal({ state_version: '2.0.0', done: true });
    expect(migrated.plan?.steps).to.have.length(1);
    const unchanged = right(await m.migrateReportAsync({ state_version: '2.0.0' }));
    expect(unchanged.outcome).to.equal('unchanged');
    const kept = right(await m.migrateReportAsync({ state_version: '9.0.0' }));
    expect(kept.outcome).to.equal('kept-newer');
  });

  it('gives a failed step as a Left, never a rejection', async () => {
    const failing = new Migrator().register('1.0.0', '2.0.0', () =>
      Promise.reject(new Error('boom')),
    );
    const result = await failing.migrateReportAsync({ state_version: '1.0.0' });
    expect(E.isLeft(result) && result.left).to.be.instanceOf(MigrationError);
  });
});
