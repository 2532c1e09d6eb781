import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { check, Migrator, type AnyState, type CheckCode } from '../../lib/index.js';
import { agentStateV1_0Arbitrary, sampleStates } from '../../lib/testing/index.js';

const id = (s: AnyState) => s;
const codes = (m: Migrator, options = {}) => {
  const report = check(m, options);
  return {
    errors: report.errors.map((i) => i.code),
    warnings: report.warnings.map((i) => i.code),
    report,
  };
};
/** A clean graph: reversible linear chain with a codec fallback. */
const clean = () =>
  new Migrator()
    .register('1.0.0', '1.1.0', id, { down: id })
    .register('1.1.0', '2.0.0', id, { down: id })
    .schema('*', t.UnknownRecord);

describe('check', () => {
  it('reports a clean graph clean', () => {
    const { errors, warnings, report } = codes(clean());
    expect({ errors, warnings, ok: report.ok }).to.deep.equal({
      errors: [],
      warnings: [],
      ok: true,
    });
  });

  const planted: [string, () => Migrator, CheckCode, 'error' | 'warning', string][] = [
    [
      'an up without down',
      () => clean().register('2.0.0', '3.0.0', id),
      'missing-down',
      'warning',
      'Migration 2.0.0->3.0.0 has no down',
    ],
    [
      'a version that cannot reach current',
      () => clean().register('5.0.0', '4.0.0', id).register('0.1.0', '0.2.0', id, { down: id }),
      'cannot-reach-current',
      'error',
      'Version 0.1.0 has no migration path to the current version 5.0.0',
    ],
    [
      'an unreachable version',
      () => clean().register('0.5.0', '1.0.0', id),
      'unreachable-version',
      'warning',
      'Version 0.5.0 cannot be reached from any other version',
    ],
    [
      'a version without codec',
      () =>
        new Migrator()
          .register('1.0.0', '1.1.0', id, { down: id })
          .schema('1.0.0', t.UnknownRecord),
      'missing-schema',
      'warning',
      'Version 1.1.0 has no codec',
    ],
    [
      'a diamond',
      () =>
        clean()
          .register('1.0.0', '1.5.0', id, { down: id })
          .register('1.5.0', '2.0.0', id, { down: id }),
      'ambiguous-path',
      'warning',
      '2 equally short paths from 1.0.0 to 2.0.0 (next step 1.1.0 or 1.5.0); the plan takes 1.1.0',
    ],
    [
      'a file name that does not match its edge',
      () => clean().register('2.0.0', '2.1.0', id, { down: id, source: 'v2_0_0_to_v2_2_0.ts' }),
      'file-name-mismatch',
      'error',
      'File v2_0_0_to_v2_2_0.ts is named for 2.0.0->2.2.0 but registers 2.0.0->2.1.0',
    ],
    [
      'a file that registers its own edge and another one',
      () =>
        clean()
          .register('2.0.0', '2.1.0', id, { down: id, source: 'v2_0_0_to_v2_1_0.ts' })
          .register('2.1.0', '2.2.0', id, { down: id, source: 'v2_0_0_to_v2_1_0.ts' }),
      'file-name-mismatch',
      'error',
      'File v2_0_0_to_v2_1_0.ts is named for 2.0.0->2.1.0 but registers 2.0.0->2.1.0, 2.1.0->2.2.0',
    ],
  ];
  for (const [what, build, code, severity, message] of planted) {
    it(`catches ${what}`, () => {
      const { report } = codes(build());
      const found = [...report.errors, ...report.warnings].filter((i) => i.code === code);
      expect(found, code).to.not.be.empty;
      expect(found[0]!.severity).to.equal(severity);
      expect(found.map((i) => i.message).join('\n')).to.contain(message);
      expect(report.ok).to.equal(report.errors.length === 0);
    });
  }

  describe('lossy edges', () => {
    // clean() is 1.0.0 <-> 1.1.0 <-> 2.0.0; add a lossy 2.0.0 <-> 3.0.0.
    const withLossy = () => clean().register('2.0.0', '3.0.0', id, { down: id, lossy: true });

    it('reports each lossy edge with the version pairs whose planned path crosses it', () => {
      const found = check(withLossy()).warnings.filter((i) => i.code === 'lossy-path');
      expect(found).to.deep.equal([
        {
          severity: 'warning',
          code: 'lossy-path',
          message:
            'Migration 2.0.0->3.0.0 is lossy (meta.lossy) and on the planned paths of 3 version pairs: 1.0.0->3.0.0, 1.1.0->3.0.0, 2.0.0->3.0.0',
          versions: ['2.0.0', '3.0.0'],
        },
        {
          severity: 'warning',
          code: 'lossy-path',
          message:
            'Migration 3.0.0->2.0.0 is lossy (meta.lossy) and on the planned paths of 3 version pairs: 3.0.0->1.0.0, 3.0.0->1.1.0, 3.0.0->2.0.0',
          versions: ['3.0.0', '2.0.0'],
        },
      ]);
      expect(check(withLossy()).ok).to.equal(true);
    });

    it('says nothing of a lossy edge the planner avoids for a lossless path', () => {
      const m = clean().register('1.0.0', '2.0.0', id, { cost: 2, lossy: true });
      expect(codes(m).warnings).to.not.include('lossy-path');
    });

    it('lists at most five pairs', () => {
      const m = withLossy()
        .register('3.0.0', '4.0.0', id, { down: id })
        .register('4.0.0', '5.0.0', id, { down: id });
      const [up] = check(m).warnings.filter((i) => i.code === 'lossy-path');
      expect(up!.message).to.equal(
        'Migration 2.0.0->3.0.0 is lossy (meta.lossy) and on the planned paths of 9 version pairs: 1.0.0->3.0.0, 1.0.0->4.0.0, 1.0.0->5.0.0, 1.1.0->3.0.0, 1.1.0->4.0.0, and 4 more',
      );
    });
  });

  it('does not warn of a version without codec whose schema is kept as a snapshot', () => {
    const m = new Migrator()
      .register('1.0.0', '1.1.0', id, { down: id })
      .schema('1.1.0', t.UnknownRecord);
    const codes = (options = {}) => check(m, options).warnings.map((w) => w.code);
    expect(codes()).to.include('missing-schema');
    expect(codes({ snapshotted: new Set(['1.0.0']) })).to.not.include('missing-schema');
    expect(codes({ snapshotted: new Set(['0.9.0']) })).to.include('missing-schema');
  });

  it('does not flag a file name that matches, for the up and the down edge', () => {
    const m = clean().register('2.0.0', '2.1.0', id, { down: id, source: 'v2_0_0_to_v2_1_0.ts' });
    expect(codes(m).errors).to.deep.equal([]);
  });

  it('samples states to catch a codec that rejects a migration output (opt-in)', () => {
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, n: s.n * 2 }), { down: id })
      .schema('1.0.0', t.type({ n: t.number }))
      .schema('1.1.0', t.type({ n: t.Int }));
    const samples = {
      '1.0.0': fc.record({ n: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
    };
    expect(codes(m).errors).to.deep.equal([]);
    const { errors, report } = codes(m, { samples: sampleStates(samples, 50) });
    expect(errors).to.deep.equal(['codec-rejects-output']);
    expect(report.errors[0]!.message).to.contain('Migrating generated 1.0.0 states to 1.1.0 fails');
  });

  it('finds the shipped AgentState graph clean of errors', async () => {
    const { defaultMigrator } = await import('../../lib/index.js');
    const report = check(defaultMigrator, {
      samples: sampleStates({ '1.0.0': agentStateV1_0Arbitrary() }),
    });
    expect(report.errors).to.deep.equal([]);
    expect(report.warnings).to.deep.equal([]);
  });

  it('finds the same unreachable versions and dead ends as planning does, on random graphs', () => {
    const version = (i: number) => `1.${i}.0`;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { minLength: 1, maxLength: 20 }),
        fc.nat(7),
        (pairs, current) => {
          const m = new Migrator({ currentVersion: version(current) }).schema('*', t.UnknownRecord);
          for (const [a, b] of pairs) if (a !== b) m.register(version(a), version(b), id);
          const versions = m.versions();
          if (versions.length === 0) return;
          const reaches = (from: string, to: string) => m.plan(from, to)._tag === 'Right';
          const report = check(m);
          const issues = [...report.errors, ...report.warnings];
          const flagged = (code: CheckCode) =>
            issues.filter((i) => i.code === code).map((i) => i.versions[0]);
          expect(flagged('unreachable-version')).to.deep.equal(
            versions.length < 2
              ? []
              : versions.filter((v) => !versions.some((o) => o !== v && reaches(o, v))),
          );
          expect(flagged('cannot-reach-current')).to.deep.equal(
            versions.filter((v) => !reaches(v, version(current))),
          );
        },
      ),
    );
  });
});
