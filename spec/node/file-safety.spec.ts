// Data safety of files (SPEC §5): nothing altered silently, one poison line never stops a
// run, one run per output, and a resume continues only the very same job.
import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, migrateFile, type AnyState, type FileReport } from '../../lib/index.js';
import { inexactNumber, stringifyExactly } from '../../lib/core/json-exact.js';
import { repoRoot } from '../support/cli.js';

const makeDir = () => mkdtempSync(path.join(tmpdir(), 'migraph-safety-'));

/** 1.0.0 → 2.0.0 adds `migrated: true`, or what a line's `emit` asks for. */
const migrator = () =>
  new Migrator().register('1.0.0', '2.0.0', (s: AnyState) => {
    if (s.emit === 'bigint') return { ...s, big: 10n };
    if (s.emit === 'cycle') {
      const out: AnyState = { ...s };
      out.self = out;
      return out;
    }
    if (s.emit === 'nan') return { ...s, ratio: NaN };
    return { ...s, migrated: true };
  });

const right = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) throw new Error(`expected a Right, got ${String(result.left)}`);
  return result.right;
};

interface Rejected {
  line: number;
  error: string;
  input?: string;
  inputBase64?: string;
}

const rejectedOf = (output: string): Rejected[] =>
  existsSync(`${output}.rejected.ndjson`)
    ? readFileSync(`${output}.rejected.ndjson`, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Rejected)
    : [];

describe('file data safety', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = makeDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => path.join(dir, name);

  describe('numbers', () => {
    it('inexactNumber finds integers beyond 2^53, overflow, underflow, -0 and excess digits, and nothing else', () => {
      const inexact = [
        '12345678901234567891',
        '9007199254740993',
        '-9007199254740993',
        '1e400',
        '-1e400',
        '1e-400',
        '-0',
        '-0.0',
        '3.14159265358979323846',
      ];
      for (const n of inexact) {
        expect(inexactNumber(`{"a":[1,${n}]}`), n).to.include({ literal: n });
      }
      const exact = ['9007199254740992', '0.1', '1.10', '1e21', '1E+2', '-12.5e-3', '0', '5e-324'];
      for (const n of exact) expect(inexactNumber(`{"a":${n}}`), n).to.equal(undefined);
      expect(inexactNumber('{"id":"12345678901234567891","t":"2024-01-05","e":"1e400"}')).to.equal(
        undefined,
        'strings are not numbers',
      );
    });

    it('inexactNumber agrees with a JSON round trip on every double and safe integer', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.maxSafeInteger()),
          (n) => {
            expect(inexactNumber(JSON.stringify({ n }))).to.equal(undefined);
          },
        ),
      );
      fc.assert(
        fc.property(fc.bigInt({ min: 2n ** 53n + 1n, max: 10n ** 21n - 1n }), (n) => {
          // Exact when JSON writes back the same literal: 87497879930179530000 is read as the
          // double 87497879930179528704, which JSON writes as 87497879930179530000 again.
          const rounds = JSON.stringify(JSON.parse(String(n))) === String(n);
          expect(inexactNumber(`{"n":${n}}`) === undefined).to.equal(rounds);
        }),
        { examples: [[87497879930179530000n], [2n ** 53n + 1n]] },
      );
    });

    it('rejects a migrated line whose numbers cannot be carried exactly, keeping its bytes; a line at the target keeps them in the output', async () => {
      const big = '{"state_version":"1.0.0","user_id":12345678901234567891}';
      const huge = '{"state_version":"1.0.0","x":1e400}';
      const atTarget = '{"state_version":"2.0.0","user_id":12345678901234567891, "x": 1.50}';
      const fine = '{"state_version":"1.0.0","x":1.5,"when":"2024-01-05"}';
      writeFileSync(at('in.ndjson'), `${big}\n${huge}\n${atTarget}\n${fine}\n`);
      const report = right(
        await migrateFile(at('in.ndjson'), at('out.ndjson'), { migrator: migrator() }),
      );
      expect(report).to.include({ lines: 4, written: 2, unchanged: 1, rejected: 2 });
      expect(readFileSync(at('out.ndjson'), 'utf8')).to.equal(
        `${atTarget}\n{"state_version":"2.0.0","x":1.5,"when":"2024-01-05","migrated":true}\n`,
      );
      const rejected = rejectedOf(at('out.ndjson'));
      expect(rejected.map((r) => r.input)).to.deep.equal([big, huge]);
      expect(rejected[0]!.error).to.include('12345678901234567891').and.include('2^53');
      expect(rejected[1]!.error).to.include('1e400').and.include('out of range');
    });
  });

  describe('keys that appear twice', () => {
    it('rejects a migrated line with a key twice in one object, keeping its bytes; at the target it is kept as it is', async () => {
      const twice = '{"state_version":"1.0.0","name":"a","name":"b"}';
      const nested = '{"state_version":"1.0.0","p":{"x":1,"\\u0078":2}}';
      const atTarget = '{"state_version":"2.0.0","name":"a","name":"b"}';
      const apart = '{"state_version":"1.0.0","a":{"v":1},"b":{"v":2},"s":"\\"v\\":1,\\"v\\":2"}';
      writeFileSync(at('in.ndjson'), `${twice}\n${nested}\n${atTarget}\n${apart}\n`);
      const report = right(
        await migrateFile(at('in.ndjson'), at('out.ndjson'), { migrator: migrator() }),
      );
      expect(report).to.include({ lines: 4, written: 2, unchanged: 1, rejected: 2 });
      const rejected = rejectedOf(at('out.ndjson'));
      expect(rejected.map((r) => r.input)).to.deep.equal([twice, nested]);
      expect(rejected[0]!.error).to.include('the key "name" appears twice');
      expect(rejected[1]!.error).to.include('the key "x" appears twice');
      const out = readFileSync(at('out.ndjson'), 'utf8').split('\n');
      expect(out[0]).to.equal(atTarget);
      expect(JSON.parse(out[1]!)).to.deep.include({ a: { v: 1 }, b: { v: 2 }, migrated: true });
    });
  });

  describe('bytes', () => {
    it('writes lines at the target byte for byte: invalid UTF-8, CRLF, BOM, blank lines, no final newline', async () => {
      const bytes = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('{"state_version":"2.0.0","name":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}\r\n\n  \r\n{"state_version":"2.0.0","n":1}\n{"state_version":"2.0.0"}'),
      ]);
      writeFileSync(at('in.ndjson'), bytes);
      const report = right(
        await migrateFile(at('in.ndjson'), at('out.ndjson'), { migrator: migrator() }),
      );
      expect(report).to.include({ lines: 3, written: 3, unchanged: 3, rejected: 0 });
      expect(readFileSync(at('out.ndjson')).equals(bytes)).to.equal(true);
    });

    it('rejects a line that is not valid UTF-8 when it would be rewritten, with its bytes in base64', async () => {
      const bad = Buffer.concat([
        Buffer.from('{"state_version":"1.0.0","name":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}'),
      ]);
      writeFileSync(
        at('in.ndjson'),
        Buffer.concat([bad, Buffer.from('\r\n{"state_version":"1.0.0","n":2}\r\n')]),
      );
      const report = right(
        await migrateFile(at('in.ndjson'), at('out.ndjson'), { migrator: migrator() }),
      );
      expect(report).to.include({ written: 1, rejected: 1 });
      const [rejected] = rejectedOf(at('out.ndjson'));
      expect(rejected!.input).to.equal(undefined);
      expect(Buffer.from(rejected!.inputBase64!, 'base64').equals(bad)).to.equal(true);
      expect(rejected!.error).to.include('not valid UTF-8');
      expect(readFileSync(at('out.ndjson'), 'utf8')).to.equal(
        '{"state_version":"2.0.0","n":2,"migrated":true}\r\n',
        'a rewritten line ends like the line it replaces',
      );
    });
  });

  describe('poison lines', () => {
    it('rejects an output with a BigInt, a cycle or NaN, and a line too deep to write, and goes on', async () => {
      const deep = `{"state_version":"1.0.0","a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const lines = [
        '{"state_version":"1.0.0","emit":"bigint"}',
        '{"state_version":"1.0.0","emit":"cycle"}',
        '{"state_version":"1.0.0","emit":"nan"}',
        deep,
        '{"state_version":"1.0.0","n":1}',
      ];
      writeFileSync(at('in.ndjson'), `${lines.join('\n')}\n`);
      const report = right(
        await migrateFile(at('in.ndjson'), at('out.ndjson'), { migrator: migrator() }),
      );
      expect(report).to.include({ lines: 5, written: 1, rejected: 4 });
      expect(readFileSync(at('out.ndjson'), 'utf8')).to.equal(
        '{"state_version":"1.0.0","n":1}\n'
          .replace('1.0.0', '2.0.0')
          .replace('}', ',"migrated":true}'),
      );
      const rejected = rejectedOf(at('out.ndjson'));
      expect(rejected.map((r) => r.line)).to.deep.equal([1, 2, 3, 4]);
      expect(rejected.map((r) => r.input)).to.deep.equal(lines.slice(0, 4));
      expect(rejected[2]!.error).to.include('NaN');
      // Running again gives the same result: the poison line does not stop a re-run either.
      const again = right(
        await migrateFile(at('in.ndjson'), at('out.ndjson'), { migrator: migrator() }),
      );
      expect(again).to.include({ lines: 5, written: 1, rejected: 4 });
    });

    it('stringifyExactly names what JSON cannot express', () => {
      expect(stringifyExactly({ a: [1, 'x'] })).to.deep.equal(E.right('{"a":[1,"x"]}'));
      expect(E.isLeft(stringifyExactly({ a: Infinity }))).to.equal(true);
      expect(E.isLeft(stringifyExactly({ a: 1n }))).to.equal(true);
    });

    it('stringifyExactly refuses exactly the values where JSON.stringify would write a non-finite number as null', () => {
      // What JSON.stringify itself writes: its replacer sees every own enumerable value.
      const writesNonFinite = (value: unknown): boolean => {
        let found = false;
        JSON.stringify(value, (_key, v: unknown) => {
          if (typeof v === 'number' && !Number.isFinite(v)) found = true;
          return v;
        });
        return found;
      };
      // Objects whose prototype holds enumerable keys (a NaN, an object holding one): for-in
      // sees them, JSON.stringify does not.
      const inheriting = fc
        .tuple(
          fc.dictionary(fc.string(), fc.constantFrom(NaN, { x: Infinity }, 1, 'a')),
          fc.dictionary(fc.string(), fc.integer()),
        )
        .map(([inherited, own]) => Object.assign(Object.create(inherited) as object, own));
      const { value } = fc.letrec((tie) => ({
        value: fc.oneof(
          { depthSize: 'small' },
          fc.constantFrom(NaN, Infinity, -Infinity, 0, 1.5, null, true, 'x'),
          inheriting,
          fc.array(tie('value')),
          fc.dictionary(fc.string(), tie('value')),
        ),
      }));
      fc.assert(
        fc.property(value, (v) => {
          expect(E.isLeft(stringifyExactly(v))).to.equal(writesNonFinite(v));
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('one run per output', () => {
    it('a second run on an output being written fails at once, and the first finishes intact', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = new Migrator().register('1.0.0', '2.0.0', async (s: AnyState) => {
        await gate;
        return { ...s, migrated: true };
      });
      writeFileSync(at('in.ndjson'), '{"state_version":"1.0.0","n":1}\n');
      writeFileSync(at('other.ndjson'), '{"state_version":"1.0.0","n":2}\n');
      mkdirSync(at('migrations'));
      writeFileSync(
        at('migrations/v1_0_0_to_v2_0_0.mjs'),
        `export default { from: '1.0.0', to: '2.0.0', up: (s) => s };\n`,
      );
      const first = migrateFile(at('in.ndjson'), at('out.ndjson'), { migrator: slow });
      // Wait until the first run holds the lock.
      while (!existsSync(at('out.ndjson.lock.json'))) await new Promise((r) => setTimeout(r, 5));
      const second = await childRun(dir, at('other.ndjson'), at('out.ndjson'), {});
      expect(second.code, second.stderr).to.equal(0);
      const result = JSON.parse(second.stdout) as E.Left<{ reason: string; message: string }>;
      expect(result._tag).to.equal('Left');
      expect(result.left.reason).to.equal('locked');
      expect(result.left.message).to.match(/being written by another migraph run \(process \d+\)/);
      release();
      expect(right(await first)).to.include({ written: 1 });
      expect(readFileSync(at('out.ndjson'), 'utf8')).to.equal(
        '{"state_version":"2.0.0","n":1,"migrated":true}\n',
      );
      expect(existsSync(at('out.ndjson.lock')), 'the lock is released').to.equal(false);
    });
  });

  describe('resuming', () => {
    const input = (count: number, extra = '') =>
      Array.from(
        { length: count },
        (_, id) => `{"state_version":"1.0.0","id":${id}${extra}}\n`,
      ).join('');
    const script = (marker: string) =>
      `export default { from: '1.0.0', to: '2.0.0', up: (s) => ({ ...s, marker: '${marker}' }) };\n` +
      `export const back = 1;\n`;
    const project = (marker: string) => {
      const migrations = at('migrations');
      mkdirSync(migrations, { recursive: true });
      writeFileSync(path.join(migrations, 'v1_0_0_to_v2_0_0.mjs'), script(marker));
      writeFileSync(
        path.join(migrations, 'v2_0_0_to_v3_0_0.mjs'),
        `export default { from: '2.0.0', to: '3.0.0', up: (s) => ({ ...s, three: true }) };\n`,
      );
      return { dir: migrations };
    };
    const markers = (file: string) =>
      readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as AnyState);

    it('after a kill in the commit window, a run with another target does not commit the old job', async () => {
      project('a');
      writeFileSync(at('in.ndjson'), input(300));
      const killed = await childRun(dir, at('in.ndjson'), at('out.ndjson'), {
        to: '2.0.0',
        kill: 'commit',
      });
      expect(killed.signal).to.equal('SIGKILL');
      expect(JSON.parse(readFileSync(at('out.ndjson.progress.json'), 'utf8'))).to.include({
        phase: 'committing',
      });
      const next = await childRun(dir, at('in.ndjson'), at('out.ndjson'), { to: '3.0.0' });
      const report = (JSON.parse(next.stdout) as E.Right<FileReport>).right;
      expect(report.resumedFromLine).to.equal(undefined);
      const out = markers(at('out.ndjson'));
      expect(out).to.have.length(300);
      for (const s of out) expect(s).to.include({ state_version: '3.0.0', three: true });
    });

    it('after a kill in the commit window, an input replaced with the same size and mtime starts over', async () => {
      project('a');
      writeFileSync(at('in.ndjson'), input(300));
      const { mtime, size } = statSync(at('in.ndjson'));
      await childRun(dir, at('in.ndjson'), at('out.ndjson'), { kill: 'commit' });
      writeFileSync(at('in.ndjson'), input(300).replaceAll('"id"', '"ID"'));
      utimesSync(at('in.ndjson'), mtime, mtime);
      expect(statSync(at('in.ndjson')).size).to.equal(size);
      const next = await childRun(dir, at('in.ndjson'), at('out.ndjson'), {});
      expect((JSON.parse(next.stdout) as E.Right<FileReport>).right.resumedFromLine).to.equal(
        undefined,
      );
      for (const s of markers(at('out.ndjson'))) expect(s).to.have.property('ID');
    });

    it('after a kill mid-run, changed migrations or a replaced input start over: no mix of jobs', async () => {
      project('old');
      writeFileSync(at('in.ndjson'), input(1000));
      const killed = await childRun(dir, at('in.ndjson'), at('out.ndjson'), { kill: 'checkpoint' });
      expect(killed.signal).to.equal('SIGKILL');
      project('new');
      const fixed = await childRun(dir, at('in.ndjson'), at('out.ndjson'), {});
      expect((JSON.parse(fixed.stdout) as E.Right<FileReport>).right.resumedFromLine).to.equal(
        undefined,
      );
      expect(new Set(markers(at('out.ndjson')).map((s) => s.marker))).to.deep.equal(
        new Set(['new']),
      );

      writeFileSync(at('in.ndjson'), input(1000));
      const { mtime } = statSync(at('in.ndjson'));
      await childRun(dir, at('in.ndjson'), at('out2.ndjson'), { kill: 'checkpoint' });
      writeFileSync(at('in.ndjson'), input(1000).replaceAll('"id"', '"ID"'));
      utimesSync(at('in.ndjson'), mtime, mtime);
      const replaced = await childRun(dir, at('in.ndjson'), at('out2.ndjson'), {});
      expect((JSON.parse(replaced.stdout) as E.Right<FileReport>).right.resumedFromLine).to.equal(
        undefined,
      );
      for (const s of markers(at('out2.ndjson'))) expect(s).to.have.property('ID');
    });

    it('resumes the very same job', async () => {
      project('a');
      writeFileSync(at('in.ndjson'), input(1000));
      await childRun(dir, at('in.ndjson'), at('out.ndjson'), { kill: 'checkpoint' });
      const next = await childRun(dir, at('in.ndjson'), at('out.ndjson'), {});
      expect(
        (JSON.parse(next.stdout) as E.Right<FileReport>).right.resumedFromLine,
      ).to.be.greaterThan(0);
      expect(markers(at('out.ndjson')).map((s) => s.id)).to.deep.equal([...Array(1000).keys()]);
    });
  });
});

/**
 * Runs `migrateFile(input, output)` in a child process with the project in `<dir>/migrations`
 * (chunks of 20 lines, a checkpoint every 100), printing the result as JSON; with `kill`, the
 * child SIGKILLs itself at the first progress event of that phase ('commit' is after the
 * progress record says `committing`, before the rename).
 */
const childRun = (
  dir: string,
  input: string,
  output: string,
  options: { to?: string; kill?: 'checkpoint' | 'commit' },
) => {
  const script = path.join(dir, 'child.mjs');
  writeFileSync(
    script,
    `import { migrateFile } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/lib/index.js')).href)};
const [input, output, options] = process.argv.slice(2);
const { to, kill } = JSON.parse(options);
const result = await migrateFile(input, output, {
  project: { dir: ${JSON.stringify(path.join(dir, 'migrations'))} },
  ...(to ? { to } : {}),
  chunkLines: 20,
  checkpointLines: 100,
  onProgress: (p) => { if (p.phase === kill) process.kill(process.pid, 'SIGKILL'); },
});
process.stdout.write(JSON.stringify(E(result)));
function E(r) { return r._tag === 'Left' ? { _tag: 'Left', left: { reason: r.left.reason, message: r.left.message } } : r; }
`,
  );
  return new Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    const child = spawn(process.execPath, [script, input, output, JSON.stringify(options)]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
};
