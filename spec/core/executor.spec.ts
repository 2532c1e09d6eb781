import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { MigrationError, Migrator, StateVersionError, type AnyState } from '../../lib/index.js';
import { isoClock } from '../../lib/core/executor.js';
import { left, right } from '../support/graphs.js';

/** Five steps 1.0.0 -> 1.1.0 -> ... -> 1.5.0; the one named `failing` misbehaves as given. */
const fiveSteps = (failing: number, misbehave: (s: AnyState) => unknown) => {
  const m = new Migrator();
  for (let i = 0; i < 5; i++) {
    const step = i === failing ? misbehave : (s: AnyState) => ({ ...s, [`step${i}`]: true });
    m.register(`1.${i}.0`, `1.${i + 1}.0`, step as (s: AnyState) => AnyState);
  }
  return m;
};

/** A step that mutates everything it can reach in its argument. */
const vandal = (s: AnyState): AnyState => {
  const wreck = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(wreck);
      v.push('vandalised');
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) wreck((v as AnyState)[k]);
      (v as AnyState).vandalised = true;
    }
  };
  wreck(s);
  s.execution_trace = 'gone';
  return s;
};

describe('executor', () => {
  describe('a failing step', () => {
    const input = () => ({ state_version: '1.0.0', nested: { list: [1, 2] } });
    const cases: [string, (s: AnyState) => unknown, string, string][] = [
      [
        'throws',
        () => {
          throw new Error('boom');
        },
        'step_failed',
        'Migration failed at 1.2.0->1.3.0: boom',
      ],
      [
        'returns undefined',
        () => undefined,
        'invalid_output',
        'Migration failed at 1.2.0->1.3.0: the step returned undefined, expected a state object',
      ],
      ['returns null', () => null, 'invalid_output', 'the step returned null'],
      ['returns a number', () => 7, 'invalid_output', 'the step returned a number (7)'],
      ['returns an array', () => [], 'invalid_output', 'the step returned an array'],
      [
        'returns a Promise',
        async (s) => s,
        'async_step',
        'the step returned a Promise; use migrateAsync for plans with async steps',
      ],
      [
        'throws a non-Error',
        () => {
          throw 'plain string';
        },
        'step_failed',
        'Migration failed at 1.2.0->1.3.0: plain string',
      ],
    ];
    for (const [what, misbehave, reason, message] of cases) {
      it(`that ${what} fails at step 3 of 5 with a typed error, leaking nothing`, () => {
        const state = input();
        const error = left(
          fiveSteps(2, (s) => {
            s.nested.list.push(99);
            return misbehave(s);
          }).migrate(state),
        );
        expect(error).to.be.instanceOf(MigrationError);
        expect(error).to.deep.include({ reason, from: '1.2.0', to: '1.3.0', step: 2 });
        expect(error.message).to.contain(message);
        expect(state).to.deep.equal(input());
      });
    }

    it('keeps the thrown error as the cause', () => {
      const boom = new Error('boom');
      const error = left(
        fiveSteps(0, () => {
          throw boom;
        }).migrate({ state_version: '1.0.0' }),
      );
      expect(error.cause).to.equal(boom);
    });

    it('that returns a state its codec rejects fails with readable validation lines', () => {
      const m = fiveSteps(2, (s) => ({ ...s, count: 'many' })).schema(
        '1.3.0',
        t.type({ count: t.number, nested: t.type({ list: t.array(t.number) }) }),
      );
      const state = { state_version: '1.0.0', count: 1, nested: { list: [1, 'x'] } };
      const error = left(m.migrate(state)) as MigrationError;
      expect(error).to.deep.include({
        reason: 'validation_failed',
        from: '1.2.0',
        to: '1.3.0',
        step: 2,
      });
      expect(error.validationErrors).to.deep.equal([
        'count: expected number, got "many"',
        'nested.list[1]: expected number, got "x"',
      ]);
    });
  });

  describe('bad states', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', (s) => ({ ...s, b: 1 }));

    for (const [what, state, message] of [
      ['null', null, 'Expected a state object, got null'],
      ['an array', [{ state_version: '1.0.0' }], 'Expected a state object, got an array'],
      [
        'a string',
        '{"state_version":"1.0.0"}',
        'Expected a state object, got a string ("{\\"state_version',
      ],
      ['a number', 42, 'Expected a state object, got a number (42)'],
      ['undefined', undefined, 'Expected a state object, got undefined'],
      ['a class instance', new Map(), 'Expected a state object, got a Map object'],
    ] as const) {
      it(`rejects ${what} with StateVersionError`, () => {
        const error = left(m.migrate(state));
        expect(error).to.be.instanceOf(StateVersionError);
        expect(error).to.deep.include({ reason: 'not_an_object' });
        expect(error.message).to.contain(message);
      });
    }

    it('rejects a malformed version, naming the key and the value', () => {
      const error = left(m.migrate({ state_version: 'banana' }));
      expect(error).to.deep.include({ reason: 'invalid_version', version: 'banana' });
      expect(error.message).to.equal(
        "Invalid state_version in state: Expected a semver version, got 'banana'",
      );
      expect(left(m.migrate({ state_version: 3 })).message).to.contain('got 3');
    });

    it('rejects an unknown version', () => {
      const error = left(m.migrate({ state_version: '0.5.0' }));
      expect(error).to.deep.include({ reason: 'unknown_version', version: '0.5.0' });
    });

    it('keeps __proto__ and constructor own keys as data, without prototype pollution', () => {
      const state = JSON.parse(
        '{"state_version":"1.0.0","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"nested":{"__proto__":{"deep":1}}}',
      );
      const out = right(m.migrate(state));
      expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
      expect(Object.keys(out)).to.include.members(['__proto__', 'constructor', 'nested']);
      expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).to.deep.equal({
        polluted: true,
      });
      expect(Object.getOwnPropertyDescriptor(out.nested, '__proto__')?.value).to.deep.equal({
        deep: 1,
      });
      expect(({} as AnyState).polluted).to.equal(undefined);
      expect(out.polluted).to.equal(undefined);
      expect(JSON.stringify(out)).to.contain('"__proto__":{"polluted":true}');
    });

    it('rejects a cyclic state with the path of the cycle', () => {
      const state: AnyState = { state_version: '1.0.0', a: { b: [] } };
      state.a.b.push(state.a);
      const error = left(m.migrate(state));
      expect(error).to.be.instanceOf(StateVersionError);
      expect(error).to.deep.include({ reason: 'not_json', path: 'a.b[0]' });
      expect(error.message).to.contain('cycle');
    });

    it('copies shared (acyclic) sub-objects separately, as JSON would', () => {
      const shared = { x: 1 };
      const out = right(m.migrate({ state_version: '1.0.0', a: shared, b: shared }));
      expect(out.a).to.deep.equal(shared);
      expect(out.a).to.not.equal(shared);
      expect(out.a).to.not.equal(out.b);
    });

    it('rejects functions and class instances inside a state, with their path', () => {
      expect(left(m.migrate({ state_version: '1.0.0', f: { g: () => 1 } }))).to.deep.include({
        reason: 'not_json',
        path: 'f.g',
      });
      expect(left(m.migrate({ state_version: '1.0.0', s: [new Set()] }))).to.deep.include({
        path: 's[0]',
      });
    });

    it('migrates a state nested 5,000 levels deep intact', () => {
      let deep: AnyState = { leaf: true };
      for (let i = 0; i < 5000; i++) deep = { child: deep };
      const state = { state_version: '1.0.0', deep };
      const out = right(m.migrate(state));
      let depth = 0;
      for (let at = out.deep; at.child; at = at.child) depth++;
      expect(depth).to.equal(5000);
      expect(out.deep).to.not.equal(deep);
    });

    it('migrates a 5,000-deep array nesting and a 100,000-deep object without a RangeError', () => {
      let arr: unknown[] = [];
      for (let i = 0; i < 5000; i++) arr = [arr];
      expect(right(m.migrate({ state_version: '1.0.0', arr })).b).to.equal(1);
      let deep: AnyState = {};
      for (let i = 0; i < 100_000; i++) deep = { c: deep };
      expect(right(m.migrate({ state_version: '1.0.0', deep })).b).to.equal(1);
    });

    it('turns a RangeError inside a step on a deep state into a typed Left', () => {
      let deep: AnyState = {};
      for (let i = 0; i < 100_000; i++) deep = { c: deep };
      const recursive = new Migrator().register('1.0.0', '2.0.0', (s) =>
        JSON.parse(JSON.stringify(s)),
      );
      const result = recursive.migrate({ state_version: '1.0.0', deep });
      expect(left(result))
        .to.be.instanceOf(MigrationError)
        .and.deep.include({ reason: 'step_failed' });
    });
  });

  describe('purity', () => {
    it('never mutates the input, even when every step mutates its argument', () => {
      const m = new Migrator()
        .register('1.0.0', '1.1.0', vandal)
        .register('1.1.0', '1.2.0', vandal)
        .register('1.2.0', '2.0.0', vandal);
      fc.assert(
        fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (fields) => {
          const state = { ...fields, state_version: '1.0.0', execution_trace: [] };
          const before = structuredClone(state);
          const out = right(m.migrate(state));
          expect(state).to.deep.equal(before);
          expect(out.vandalised).to.equal(true);
        }),
        { numRuns: 200 },
      );
    });

    it('hands out nothing shared with the input', () => {
      const state = {
        state_version: '1.0.0',
        nested: { a: [1] },
        execution_trace: [] as unknown[],
      };
      const out = right(new Migrator().register('1.0.0', '2.0.0', (s) => s).migrate(state));
      out.nested.a.push(2);
      out.execution_trace.push('x');
      expect(state).to.deep.equal({
        state_version: '1.0.0',
        nested: { a: [1] },
        execution_trace: [],
      });
    });

    it('stamps a frozen step output on a copy', () => {
      const frozen = Object.freeze({ state_version: '1.0.0', execution_trace: Object.freeze([]) });
      const m = new Migrator().register('1.0.0', '2.0.0', () => frozen);
      const out = right(m.migrate({ state_version: '1.0.0', execution_trace: [] }));
      expect(out.state_version).to.equal('2.0.0');
      expect(out.execution_trace).to.have.length(1);
      expect(frozen.state_version).to.equal('1.0.0');
    });
  });
});

describe('pure steps (meta.pure)', () => {
  const pureChain = () =>
    new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, a: 1 }), { pure: true })
      .register('1.1.0', '1.2.0', (s) => s, { pure: true })
      .register('1.2.0', '2.0.0', (s) => ({ ...s, b: 2 }), { pure: true });

  it('run without the copy, and still never change the caller state or its trace', () => {
    const state = { state_version: '1.0.0', nested: { x: 1 }, execution_trace: [] as unknown[] };
    const out = right(pureChain().migrate(state));
    expect(out).to.deep.include({ state_version: '2.0.0', a: 1, b: 2 });
    expect(out.execution_trace).to.have.length(3);
    expect(state).to.deep.equal({ state_version: '1.0.0', nested: { x: 1 }, execution_trace: [] });
    // No copy: untouched nested objects are shared with the input.
    expect(out.nested).to.equal(state.nested);
  });

  it('leave a pass-through step (returning its argument) unable to change the caller state', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', (s) => s, { pure: true });
    const state = { state_version: '1.0.0' };
    expect(right(m.migrate(state))).to.deep.equal({ state_version: '2.0.0' });
    expect(state.state_version).to.equal('1.0.0');
  });

  it('are copied as usual when a plan mixes them with impure steps', () => {
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, a: 1 }), { pure: true })
      .register('1.1.0', '2.0.0', (s) => {
        s.nested.x = 99;
        return s;
      });
    const state = { state_version: '1.0.0', nested: { x: 1 } };
    expect(right(m.migrate(state)).nested).to.deep.equal({ x: 99 });
    expect(state.nested.x).to.equal(1);
  });

  it('are checked on frozen states by testMigrations, so a pure step that mutates is caught', async () => {
    const { testMigrations } = await import('../../lib/testing/index.js');
    const liar = new Migrator()
      .register(
        '1.0.0',
        '2.0.0',
        (s) => {
          s.list.push(1);
          return s;
        },
        { pure: true, down: (s) => s },
      )
      .schema('1.0.0', t.type({ list: t.array(t.number) }))
      .schema('2.0.0', t.type({ list: t.array(t.number) }));
    const report = await testMigrations(liar, { runs: 20, seed: 1 });
    expect(report.ok).to.equal(false);
  });
});

describe('objects the executor does not own', () => {
  it('a pure step returning a part of its argument leaves the caller state untouched', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', (s) => s.data as AnyState, { pure: true });
    const input = { state_version: '1.0.0', data: { a: 1 } };
    expect(right(m.migrate(input))).to.deep.equal({ a: 1, state_version: '2.0.0' });
    expect(input).to.deep.equal({ state_version: '1.0.0', data: { a: 1 } });
  });

  it('a step returning a shared constant never changes it, whatever the next step does', () => {
    const DEFAULTS = { list: [1], settings: { theme: 'light' }, execution_trace: [] as unknown[] };
    const m = new Migrator({ clock: () => new Date('2026-01-01T00:00:00Z') })
      .register('1.0.0', '1.1.0', () => DEFAULTS)
      .register('1.1.0', '2.0.0', (s) => {
        s.list.push(2);
        s.settings.theme = 'dark';
        return s;
      });
    const first = right(m.migrate({ state_version: '1.0.0' }));
    const second = right(m.migrate({ state_version: '1.0.0' }));
    expect(DEFAULTS).to.deep.equal({
      list: [1],
      settings: { theme: 'light' },
      execution_trace: [],
    });
    expect(first).to.deep.equal(second);
    expect(first.list).to.deep.equal([1, 2]);
    expect(first.execution_trace).to.have.length(2);
  });

  it("a shared object beside the run's own fields is never changed by a later step", () => {
    const DEFAULTS = { prefs: { theme: 'dark' } };
    const m = new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, data: { a: 1 }, prefs: DEFAULTS.prefs }))
      .register('1.1.0', '2.0.0', (s) => {
        s.prefs.theme = 'light';
        return s;
      });
    const first = right(m.migrate({ state_version: '1.0.0', list: [1] }));
    expect(DEFAULTS).to.deep.equal({ prefs: { theme: 'dark' } });
    expect(first.prefs).to.deep.equal({ theme: 'light' });
    expect(right(m.migrate({ state_version: '1.0.0', list: [1] }))).to.deep.equal(first);
  });

  it('never writes into an object that existed before the run (property)', () => {
    // Plans of steps that build, pass through, unwrap a part, or return a constant, pure or
    // mutating, on states with and without a trace: nothing that existed before changes.
    // Outputs may also mix the run's fields with a shared one (spread, or assigned in place).
    type Kind =
      'spread' | 'same' | 'part' | 'constant' | 'mix' | 'assign' | 'mutate' | 'rename' | 'front';
    const kinds: Kind[] = [
      'spread',
      'same',
      'part',
      'constant',
      'mix',
      'assign',
      'mutate',
      'rename',
      'front',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom(...kinds), pure: fc.boolean() }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (steps, withTrace, trace, readOnly) => {
          const constant = { part: { x: 1 }, list: [1], execution_trace: [] as unknown[] };
          const snapshot = structuredClone(constant);
          const m = new Migrator({ trace });
          steps.forEach(({ kind, pure }, i) => {
            const step = (s: AnyState): AnyState => {
              if (kind === 'spread') return { ...s, [`f${i}`]: i };
              if (kind === 'same') return s;
              if (kind === 'part') return (s.part as AnyState | undefined) ?? { ...s };
              if (kind === 'constant') return constant;
              if (kind === 'mix') return { ...s, shared: constant.part };
              if (kind === 'rename') {
                // Fields move: positions no longer match the step's input.
                const { list, ...rest } = s;
                return { ...rest, shared: constant.list, list };
              }
              if (kind === 'front') return { shared: constant.part, ...s };
              if (kind === 'assign') {
                s.shared = constant.list;
                return s;
              }
              (s.list as unknown[] | undefined)?.push(i);
              (s.shared as unknown[] | undefined)?.push?.(i);
              const shared = s.shared as { x?: number } | undefined;
              if (shared !== undefined && 'x' in shared) shared.x = i;
              s.mutated = i;
              return s;
            };
            const mutates = kind === 'mutate' || kind === 'assign';
            m.register(`1.${i}.0`, `1.${i + 1}.0`, step, { pure: pure && !mutates });
          });
          const input = () => ({
            state_version: '1.0.0',
            part: { x: 1, part: { y: 2 } },
            list: [0],
            ...(withTrace ? { execution_trace: [] as unknown[] } : {}),
          });
          const state = input();
          // readOnly: the caller only reads the result, which may then share the constant.
          const options = readOnly ? { readOnly } : {};
          const first = right(m.migrate(state, undefined, options));
          const kept = structuredClone(first);
          right(m.migrate(state, undefined, options));
          expect(state).to.deep.equal(input());
          expect(constant).to.deep.equal(snapshot);
          expect(first).to.deep.equal(kept);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a step that returns a plain-object thenable', () => {
  const thenable = (value: unknown) => ({
    then(resolve: (v: unknown) => void) {
      resolve(value);
    },
  });
  const m = () =>
    new Migrator()
      .register('1.0.0', '1.1.0', (s) => thenable({ ...s, a: 1 }) as unknown as AnyState)
      .register('1.1.0', '2.0.0', (s) => ({ ...s, b: 2 }));

  it('is an async_step Left from migrate', () => {
    const error = left(m().migrate({ state_version: '1.0.0', keep: true }));
    expect(error).to.deep.include({ reason: 'async_step', from: '1.0.0', to: '1.1.0', step: 0 });
  });

  it('is awaited by migrateAsync, as a promise would be', async () => {
    const out = right(await m().migrateAsync({ state_version: '1.0.0', keep: true }));
    expect(out).to.deep.equal({ state_version: '2.0.0', keep: true, a: 1, b: 2 });
  });
});

describe('trace timestamps (isoClock)', () => {
  it('formats a millisecond once and follows the clock to the next one', () => {
    const readings = [0, 0, 5, 5, 1_000];
    let at = 0;
    const now = isoClock(() => new Date(readings[at++]!));
    expect(readings.map(() => now())).to.deep.equal([
      '1970-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00.005Z',
      '1970-01-01T00:00:00.005Z',
      '1970-01-01T00:00:01.000Z',
    ]);
  });

  it('reads as toISOString for any run of readings: same millisecond, same second, or apart', () => {
    // Readings near one another (to reuse a second's text) and far apart, before 1970 and
    // past year 9999 (where toISOString writes six-digit years).
    const reading = fc.oneof(
      fc.integer({ min: -2_000, max: 3_000 }),
      fc.integer({ min: -62_198_755_200_000, max: 8_640_000_000_000_000 }),
    );
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 30 }), (readings) => {
        let at = 0;
        const now = isoClock(() => new Date(readings[at++]!));
        expect(readings.map(() => now())).to.deep.equal(
          readings.map((ms) => new Date(ms).toISOString()),
        );
      }),
      { numRuns: 500 },
    );
    const near = [1_765_000_000_998, 1_765_000_000_999, 1_765_000_001_000, 1_765_000_001_007];
    let at = 0;
    const now = isoClock(() => new Date(near[at++]!));
    expect(near.map(() => now())).to.deep.equal(near.map((ms) => new Date(ms).toISOString()));
  });

  it('stamps each run with the time of that run, however close the runs', () => {
    let ms = Date.UTC(2026, 0, 1);
    const m = new Migrator({ clock: () => new Date(ms) }).register('1.0.0', '1.1.0', (s) => s);
    const first = right(m.migrate({ state_version: '1.0.0', execution_trace: [] }));
    const second = right(m.migrate({ state_version: '1.0.0', execution_trace: [] }));
    ms += 1;
    const third = right(m.migrate({ state_version: '1.0.0', execution_trace: [] }));
    const stamp = (s: AnyState) => (s.execution_trace as { timestamp: string }[])[0]!.timestamp;
    expect([first, second, third].map(stamp)).to.deep.equal([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.001Z',
    ]);
  });
});

describe('a caller that only reads the result (readOnly)', () => {
  const DEFAULTS = { prefs: { theme: 'dark' } };
  const build = () =>
    new Migrator()
      .register('1.0.0', '1.1.0', (s) => ({ ...s, prefs: DEFAULTS.prefs }))
      .register('1.1.0', '2.0.0', (s) => {
        s.prefs.theme = 'light';
        return s;
      })
      .register('2.0.0', '2.1.0', (s) => ({ ...s, prefs: DEFAULTS.prefs }));

  it("shares a step's constant with the result only after the last step", () => {
    const m = build();
    const shared = right(m.migrate({ state_version: '2.0.0' }, '2.1.0', { readOnly: true }));
    expect(shared.prefs).to.equal(DEFAULTS.prefs);
    const copied = right(m.migrate({ state_version: '2.0.0' }, '2.1.0'));
    expect(copied.prefs).not.to.equal(DEFAULTS.prefs);
    expect(copied.prefs).to.deep.equal(DEFAULTS.prefs);
  });

  it('still copies it before a later step, which may change it', () => {
    const m = build();
    const out = right(m.migrate({ state_version: '1.0.0' }, '2.0.0', { readOnly: true }));
    expect(out.prefs).to.deep.equal({ theme: 'light' });
    expect(DEFAULTS).to.deep.equal({ prefs: { theme: 'dark' } });
  });

  it('is checked like every call option', () => {
    expect(() =>
      build().migrate({ state_version: '1.0.0' }, '2.0.0', { readOnly: 'yes' } as never),
    ).to.throw(TypeError, /readOnly/);
  });
});
