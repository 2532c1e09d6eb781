import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Code generation is an optimisation, never a requirement: importing an entry generates no
 * code, checks compile on first use, and `jitless` never generates any. Each case runs in a
 * fresh Node process from the sources (through tsx), with `Function` and `eval` trapped (they
 * count their calls), and, where said, with `--disallow-code-generation-from-strings` (a
 * Content-Security-Policy without `unsafe-eval`, as a browser would enforce it).
 */
const lib = (path: string) => fileURLToPath(new URL(`../../lib/${path}`, import.meta.url));

const TRAP = `
const counts = { Function: 0, eval: 0 };
const SavedFunction = globalThis.Function;
const trapped = function (...args) { counts.Function++; return SavedFunction(...args); };
trapped.prototype = SavedFunction.prototype;
globalThis.Function = trapped;
const savedEval = globalThis.eval;
globalThis.eval = (code) => { counts.eval++; return savedEval(code); };
const snapshot = () => ({ ...counts });
`;

/** Runs `body` (an ES module, after the trap) in a fresh process; its last line is JSON. */
const runChild = (body: string, flags: readonly string[] = []): Record<string, unknown> => {
  const out = execFileSync(
    process.execPath,
    [...flags, '--import', 'tsx', '--input-type=module', '-e', TRAP + body],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
};

const NONE = { Function: 0, eval: 0 };

describe('code generation', () => {
  it('importing migraph/state generates no code; its first validation compiles a check', () => {
    const result = runChild(`
      const state = await import(${JSON.stringify(lib('state/index.ts'))});
      const afterImport = snapshot();
      const migrated = state.migrateState(state.createInitialState(), '1.1.0');
      console.log(JSON.stringify({ afterImport, afterMigrate: snapshot(), version: migrated.state_version }));
    `);
    expect(result.afterImport).to.deep.equal(NONE);
    expect(result.version).to.equal('1.1.0');
    // The trap sees code generation when it happens: the first validation compiles.
    expect((result.afterMigrate as typeof NONE).Function).to.be.greaterThan(0);
  });

  it('importing migraph/core and registering codecs generates no code', () => {
    const result = runChild(`
      const { Migrator } = await import(${JSON.stringify(lib('core/index.ts'))});
      const t = await import('io-ts');
      new Migrator().register('1.0.0', '2.0.0', (s) => s).schema('2.0.0', t.type({ a: t.number }));
      console.log(JSON.stringify(snapshot()));
    `);
    expect(result).to.deep.equal(NONE);
  });

  const JITLESS_RUN = `
    const { Migrator } = await import(${JSON.stringify(lib('core/index.ts'))});
    const t = await import('io-ts');
    const codec = t.type({ state_version: t.string, tags: t.array(t.string) });
    const m = new Migrator({ jitless: JITLESS })
      .register('1.0.0', '1.1.0', (s) => ({ ...s, tags: ['a'] }))
      .register('1.1.0', '2.0.0', (s) => ({ ...s, tags: [1] }))
      .schema('1.1.0', codec)
      .schema('2.0.0', codec);
    const results = [];
    for (let i = 0; i < 3; i++) {
      const ok = m.migrate({ state_version: '1.0.0' }, '1.1.0');
      const bad = m.migrate({ state_version: '1.0.0' }, '2.0.0');
      const invalidInput = m.migrate({ state_version: '1.1.0', tags: 'x' }, '1.1.0');
      results.push([ok._tag, ok.right?.tags, bad.left?.reason, bad.left?.validationErrors, invalidInput.left?.reason]);
    }
    console.log(JSON.stringify({ counts: snapshot(), results }));
  `;
  const expected = [
    'Right',
    ['a'],
    'validation_failed',
    ['tags[0]: expected string, got 1'],
    'invalid_input',
  ];

  it('with jitless, never generates code, and validates all the same', () => {
    for (const flags of [[], ['--disallow-code-generation-from-strings']]) {
      const result = runChild(JITLESS_RUN.replace('JITLESS', 'true'), flags);
      expect(result.counts, flags.join(' ')).to.deep.equal(NONE);
      expect(result.results).to.deep.equal([expected, expected, expected]);
    }
  });

  it('without jitless, where code generation is refused, validates all the same', () => {
    const result = runChild(JITLESS_RUN.replace('JITLESS', 'false'), [
      '--disallow-code-generation-from-strings',
    ]);
    // One refused attempt per codec (compiled once, on first use), none per call.
    expect(result.counts).to.deep.equal({ Function: 1, eval: 0 });
    expect(result.results).to.deep.equal([expected, expected, expected]);
  });
});
