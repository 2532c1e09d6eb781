import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  FileMigrationError,
  MigrationError,
  MigrationPool,
  Migrator,
  StateVersionError,
  migrateFile,
  orderedMap,
  readLineChunks,
  type AnyState,
  type FileReport,
} from '../../lib/index.js';
import { coveredBytes } from '../../lib/node/batch/lines.js';
import { migrateLines } from '../../lib/node/batch/work.js';
import { repoRoot } from '../support/cli.js';

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
};

/** 1.0.0 → 2.0.0 adds `migrated: true`; a state whose `fail` is true makes the step throw. */
const MIGRATION = `export default {
  from: '1.0.0',
  to: '2.0.0',
  description: 'Mark as migrated',
  up: (s) => { if (s.fail) throw new Error('asked to fail'); return { ...s, migrated: true }; },
};
`;

const makeDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

const inProcess = () =>
  new Migrator().register('1.0.0', '2.0.0', (s: AnyState) => {
    if (s.fail === true) throw new Error('asked to fail');
    return { ...s, migrated: true };
  });

describe('batch', () => {
  describe('orderedMap', () => {
    it('yields results in input order whatever order they finish in', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat({ max: 5 }), { maxLength: 30 }),
          fc.integer({ min: 1, max: 8 }),
          async (delays, concurrency) => {
            const results = await collect(
              orderedMap(
                delays,
                async (d, i) => {
                  for (let k = 0; k < d; k++) await Promise.resolve();
                  return i;
                },
                concurrency,
              ),
            );
            expect(results).to.deep.equal(delays.map((_, i) => i));
          },
        ),
        { numRuns: 100 },
      );
    });

    it('never has more than `concurrency` items pulled and unfinished', async () => {
      let pulled = 0;
      let finished = 0;
      let most = 0;
      async function* source() {
        for (let i = 0; i < 50; i++) {
          pulled++;
          most = Math.max(most, pulled - finished);
          yield i;
        }
      }
      for await (const _ of orderedMap(source(), async (x) => x, 4)) finished++;
      expect(most).to.be.at.most(4);
      expect(finished).to.equal(50);
    });

    it('stops pulling from the source when the consumer stops', async () => {
      let pulled = 0;
      let closed = false;
      async function* source() {
        try {
          for (let i = 0; ; i++) {
            pulled++;
            yield i;
          }
        } finally {
          closed = true;
        }
      }
      for await (const x of orderedMap(source(), (v) => v, 3)) if (x === 5) break;
      expect(pulled).to.be.at.most(9);
      expect(closed).to.equal(true);
    });
  });

  describe('Migrator.migrateMany', () => {
    it('gives one Either per state in input order; a bad state never stops the batch', async () => {
      const states = [
        { state_version: '1.0.0', id: 0 },
        null,
        { state_version: '1.0.0', id: 2, fail: true },
        { state_version: 'nope', id: 3 },
        { state_version: '2.0.0', id: 4 },
        { state_version: '1.0.0', id: 5 },
      ];
      const progress: { done: number; failed: number }[] = [];
      const results = await collect(
        inProcess().migrateMany(states, '2.0.0', { onProgress: (p) => progress.push(p) }),
      );
      expect(results.map((r) => (E.isRight(r) ? r.right.id : r.left.name))).to.deep.equal([
        0,
        'StateVersionError',
        'MigrationError',
        'StateVersionError',
        4,
        5,
      ]);
      expect(progress.at(-1)).to.deep.equal({ done: 6, failed: 3 });
      expect(states[0]).to.deep.equal({ state_version: '1.0.0', id: 0 }, 'inputs untouched');
    });

    it('takes async sources, reading ahead at most `concurrency` states', async () => {
      let pulled = 0;
      let yielded = 0;
      let ahead = 0;
      async function* source() {
        for (let id = 0; id < 100; id++) {
          pulled++;
          ahead = Math.max(ahead, pulled - yielded);
          await new Promise((resolve) => setImmediate(resolve));
          yield { state_version: '1.0.0', id };
        }
      }
      const ids: number[] = [];
      for await (const r of inProcess().migrateMany(source(), '2.0.0', { concurrency: 8 })) {
        yielded++;
        if (E.isRight(r)) ids.push(r.right.id as number);
      }
      expect(ids).to.deep.equal([...Array(100).keys()]);
      expect(ahead).to.be.at.most(9);
    });
  });

  describe('MigrationPool', function () {
    this.timeout(60_000);
    let dir: string;
    let pool: MigrationPool;
    before(() => {
      dir = makeDir('migraph-pool-');
      writeFileSync(path.join(dir, 'v1_0_0_to_v2_0_0.mjs'), MIGRATION);
      pool = new MigrationPool({ dir, threads: 2 });
    });
    after(async () => {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('migrates in worker threads, in order, with typed errors per state', async () => {
      const states = Array.from({ length: 300 }, (_, id) =>
        id % 50 === 7
          ? { state_version: '1.0.0', id, fail: true }
          : id % 50 === 9
            ? 'not a state'
            : { state_version: '1.0.0', id },
      );
      const results = await collect(pool.migrateMany<AnyState>(states, '2.0.0', { batchSize: 16 }));
      expect(results).to.have.length(300);
      results.forEach((r, id) => {
        if (id % 50 === 7) {
          expect(E.isLeft(r) && r.left).to.be.instanceOf(MigrationError);
          expect((r as E.Left<MigrationError>).left.message).to.equal(
            'Migration failed at 1.0.0->2.0.0: asked to fail',
          );
        } else if (id % 50 === 9) {
          expect(E.isLeft(r) && r.left).to.be.instanceOf(StateVersionError);
        } else {
          expect(r).to.deep.equal(E.right({ state_version: '2.0.0', id, migrated: true }));
        }
      });
    });

    it('fails the run when a worker cannot load the project', async () => {
      const broken = new MigrationPool({ dir: path.join(dir, 'missing'), threads: 1 });
      try {
        let error: unknown;
        try {
          await collect(broken.migrateMany([{ state_version: '1.0.0' }], '2.0.0'));
        } catch (e) {
          error = e;
        }
        expect((error as Error).name).to.equal('PoolError');
        expect((error as Error).message).to.include('No migrations directory');
      } finally {
        await broken.close();
      }
    });
  });

  describe('migrateLines', () => {
    it('rewrites changed lines and keeps unchanged ones, whatever steps do to the parsed state', async () => {
      const m = new Migrator({ trace: false })
        // Mutates the state it is given and returns it: the line still has to be rewritten.
        .register('1.0.0', '2.0.0', (s: AnyState) => {
          s.state_version = '2.0.0';
          s.seen = true;
          return s;
        })
        // Not declared async, but returns a promise: found only while the plan runs.
        .register('2.0.0', '3.0.0', (s: AnyState) => Promise.resolve({ ...s, later: true }));
      const lines = [
        '{"state_version":"1.0.0","n":1}',
        '{"state_version":"3.0.0",  "kept":"as written"}',
        '{"state_version":"2.0.0"}',
      ];
      const [first, second, third] = await migrateLines(m, lines, '2.0.0');
      expect(first).to.equal('{"state_version":"2.0.0","n":1,"seen":true}');
      expect(second)
        .to.have.property('error')
        .that.matches(/3\.0\.0/);
      expect(third).to.equal(lines[2]);
      expect(await migrateLines(m, lines, '3.0.0')).to.deep.equal([
        '{"state_version":"3.0.0","n":1,"seen":true,"later":true}',
        lines[1],
        '{"state_version":"3.0.0","later":true}',
      ]);
    });

    it('runs each step once per line, also in a plan found async only while it runs', async () => {
      const calls = { first: 0, second: 0 };
      const m = new Migrator({ trace: false })
        .register('1.0.0', '2.0.0', (s: AnyState) => {
          calls.first++;
          s.n = (s.n as number) + 1;
          return { ...s };
        })
        .register('2.0.0', '3.0.0', (s: AnyState) => {
          calls.second++;
          return Promise.resolve({ ...s, later: true });
        });
      expect(await migrateLines(m, ['{"state_version":"1.0.0","n":1}'], '3.0.0')).to.deep.equal([
        '{"state_version":"3.0.0","n":2,"later":true}',
      ]);
      expect(calls).to.deep.equal({ first: 1, second: 1 });
    });
  });

  describe('readLineChunks', () => {
    let dir: string;
    beforeEach(() => (dir = makeDir('migraph-lines-')));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('splits lines, skips blank ones, knows where each chunk ends, and resumes there', async () => {
      const file = path.join(dir, 'in.ndjson');
      const text = 'a\r\nbé\n\n  \nc\nd\ne'; // CRLF, blank lines, multi-byte, no final newline
      writeFileSync(file, text);
      const chunks = await collect(readLineChunks(file, { chunkLines: 2, bufferSize: 3 }));
      expect(chunks.map((c) => c.lines)).to.deep.equal([['a', 'bé'], ['c', 'd'], ['e']]);
      expect(chunks.map((c) => c.numbers)).to.deep.equal([[1, 2], [5, 6], [7]]);
      expect(chunks.map((c) => c.end)).to.deep.equal([
        Buffer.byteLength('a\r\nbé\n'),
        Buffer.byteLength('a\r\nbé\n\n  \nc\nd\n'),
        Buffer.byteLength(text),
      ]);
      const rest = await collect(
        readLineChunks(file, { offset: chunks[0]!.end, linesBefore: 2, chunkLines: 10 }),
      );
      expect(rest.map((c) => [c.lines, c.numbers])).to.deep.equal([
        [
          ['c', 'd', 'e'],
          [5, 6, 7],
        ],
      ]);
    });
    it('closes the file when the reader stops early, with a read still under way', async () => {
      const file = path.join(dir, 'many.ndjson');
      writeFileSync(file, '{"a":1}\n'.repeat(5000));
      const open = () => readdirSync('/proc/self/fd').length;
      const before = open();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        for (let i = 0; i < 20; i++) {
          // Small reads: each chunk takes several, and one more is always under way.
          for await (const chunk of readLineChunks(file, { chunkLines: 10, bufferSize: 64 })) {
            expect(chunk.lines).to.have.length(10);
            break;
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
        expect(open()).to.equal(before);
        expect(unhandled).to.deep.equal([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('covers every byte of the file with coveredBytes, in few buffers (what the resume hash reads)', async () => {
      const piece = fc.constantFrom('{"a":1}', 'bé', '\n', '\r\n', '  ', '\n\n', 'x'.repeat(70));
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.array(piece, { maxLength: 40 }),
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 1, max: 5 }),
          async (bom, pieces, bufferSize, chunkLines) => {
            const file = path.join(dir, 'covered.ndjson');
            const bytes = Buffer.from((bom ? '\uFEFF' : '') + pieces.join(''));
            writeFileSync(file, bytes);
            const chunks = await collect(readLineChunks(file, { chunkLines, bufferSize }));
            expect(Buffer.concat(chunks.flatMap(coveredBytes)).equals(bytes)).to.equal(true);
          },
        ),
        { numRuns: 200 },
      );
      // Lines of one read come as one view: a chunk of 500 short lines read at once.
      const file = path.join(dir, 'one-read.ndjson');
      writeFileSync(file, '{"a":1}\n'.repeat(1000));
      const chunks = await collect(readLineChunks(file));
      expect(chunks.map((c) => coveredBytes(c).length)).to.deep.equal([1, 1]);
    });
  });

  describe('migrateFile', function () {
    this.timeout(120_000);
    let dir: string;
    let migrations: string;
    beforeEach(() => {
      dir = makeDir('migraph-file-');
      migrations = path.join(dir, 'migrations');
      mkdirSync(migrations);
      writeFileSync(path.join(migrations, 'v1_0_0_to_v2_0_0.mjs'), MIGRATION);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const at = (name: string) => path.join(dir, name);

    /** `count` lines with ids; every 97th fails, every 101st is not JSON, every 50th is blank. */
    const writeInput = (count: number): string => {
      const lines: string[] = [];
      for (let id = 0; id < count; id++) {
        if (id % 50 === 49) lines.push('');
        if (id % 101 === 100) lines.push(`{"id":${id}, broken`);
        else lines.push(JSON.stringify({ state_version: '1.0.0', id, fail: id % 97 === 96 }));
      }
      const file = at('in.ndjson');
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    };

    /** Ids in the output and the rejected file; checks each appears once, in all. */
    const expectEveryLineOnce = (count: number, output: string) => {
      const out = readFileSync(output, 'utf8').trimEnd().split('\n').filter(Boolean);
      const outIds = out.map((l) => (JSON.parse(l) as AnyState).id as number);
      const rejectedFile = `${output}.rejected.ndjson`;
      const rejected = readFileSync(rejectedFile, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; error: string; input: string });
      const rejectedIds = rejected.map((r) => Number(/"id":(\d+)/.exec(r.input)![1]));
      const all = [...outIds, ...rejectedIds].sort((a, b) => a - b);
      expect(all).to.deep.equal([...Array(count).keys()], 'every input line exactly once');
      for (const l of out)
        expect(JSON.parse(l)).to.include({ state_version: '2.0.0', migrated: true });
      for (const r of rejected) {
        expect(r.error).to.match(
          /^(Migration failed at 1\.0\.0->2\.0\.0: asked to fail|not valid JSON)/,
        );
      }
      expect(
        readdirSync(path.dirname(output)).filter((f) => /partial|progress|\.tmp$/.test(f)),
      ).to.deep.equal([]);
      return { out: outIds.length, rejected: rejected.length };
    };

    const expected = (count: number) => {
      let rejected = 0;
      for (let id = 0; id < count; id++) if (id % 101 === 100 || id % 97 === 96) rejected++;
      return { written: count - rejected, rejected };
    };

    it('accounts for every line: in = written + rejected, with line numbers', async () => {
      const input = writeInput(1000);
      const report = await migrateFile(input, at('out.ndjson'), {
        migrator: inProcess(),
        chunkLines: 64,
      });
      const r = (report as E.Right<FileReport>).right;
      expect(r).to.include({ lines: 1000, ...expected(1000), unchanged: 0, committed: true });
      expect(r.rejectedFile).to.equal(at('out.ndjson.rejected.ndjson'));
      expect(expectEveryLineOnce(1000, at('out.ndjson'))).to.deep.equal({
        out: expected(1000).written,
        rejected: expected(1000).rejected,
      });
      const lines = readFileSync(input, 'utf8').split('\n');
      for (const rejection of r.rejections) {
        expect(lines[rejection.line - 1]).to.include(`"id":`);
      }
      expect(r.rejections[0]).to.deep.equal({
        line: 98, // id 96, after the blank line before id 49
        error: 'Migration failed at 1.0.0->2.0.0: asked to fail',
      });
    });

    it('gives the same result with worker threads, and keeps states already at the target byte for byte', async () => {
      const input = writeInput(3000);
      const current = '{"state_version":"2.0.0",  "id":3000}';
      writeFileSync(input, `${readFileSync(input, 'utf8')}${current}\n`);
      const report = await migrateFile(input, at('out.ndjson'), {
        project: { dir: migrations },
        threads: 2,
        chunkLines: 100,
      });
      const r = (report as E.Right<FileReport>).right;
      expect(r).to.include({ lines: 3001, unchanged: 1, rejected: expected(3000).rejected });
      expect(readFileSync(at('out.ndjson'), 'utf8').trimEnd().split('\n').at(-1)).to.equal(current);
    });

    it('writes no rejected file when nothing is rejected, and removes a stale one', async () => {
      const input = at('in.ndjson');
      writeFileSync(input, '{"state_version":"1.0.0","id":1}\n');
      writeFileSync(at('out.ndjson.rejected.ndjson'), 'stale\n');
      const report = await migrateFile(input, at('out.ndjson'), { migrator: inProcess() });
      expect((report as E.Right<FileReport>).right.rejectedFile).to.equal(undefined);
      expect(existsSync(at('out.ndjson.rejected.ndjson'))).to.equal(false);
    });

    it('with allOrNothing, leaves the output untouched when a line is rejected', async () => {
      const input = writeInput(300);
      const before = readFileSync(input, 'utf8');
      const report = await migrateFile(input, input, { migrator: inProcess(), allOrNothing: true });
      const r = (report as E.Right<FileReport>).right;
      expect(r.committed).to.equal(false);
      expect(r.rejected).to.equal(expected(300).rejected);
      expect(readFileSync(input, 'utf8')).to.equal(before);
      expect(readdirSync(dir).sort()).to.deep.equal(['in.ndjson', 'migrations']);
    });

    it('returns a typed Left for bad options, a missing input or an unloadable project', async () => {
      const input = writeInput(10);
      const cases = [
        await migrateFile(input, at('o'), {}),
        await migrateFile(input, at('o'), { migrator: inProcess(), threads: 2 }),
        await migrateFile(input, at('o'), { migrator: inProcess(), to: 'latest' }),
        await migrateFile(at('absent.ndjson'), at('o'), { migrator: inProcess() }),
        await migrateFile(input, at('o'), { project: { dir: at('nowhere') } }),
      ];
      expect(cases.map((c) => E.isLeft(c) && c.left.reason)).to.deep.equal([
        'options',
        'options',
        'options',
        'io',
        'project',
      ]);
      for (const c of cases)
        expect((c as E.Left<unknown>).left).to.be.instanceOf(FileMigrationError);
      expect(existsSync(at('o'))).to.equal(false);
    });

    describe('after a crash (SIGKILL)', () => {
      const child = (args: {
        input: string;
        output: string;
        killPhase?: string;
        killAt?: number;
        threads?: number;
      }) => {
        const script = at('child.mjs');
        writeFileSync(
          script,
          `import { migrateFile } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/lib/index.js')).href)};
const [input, output, killPhase, killAt, threads] = process.argv.slice(2);
let seen = 0;
const result = await migrateFile(input, output, {
  project: { dir: ${JSON.stringify(migrations)} },
  threads: Number(threads),
  chunkLines: 20,
  checkpointLines: 100,
  onProgress: (p) => {
    process.stdout.write(p.phase + ' ' + p.line + '\\n');
    if (p.phase === killPhase && ++seen === Number(killAt)) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write(JSON.stringify(result) + '\\n');
`,
        );
        return spawn(process.execPath, [
          script,
          args.input,
          args.output,
          args.killPhase ?? 'none',
          String(args.killAt ?? 0),
          String(args.threads ?? 0),
        ]);
      };
      const exit = (c: ReturnType<typeof child>) =>
        new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => {
          let stdout = '';
          c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          c.on('close', (code, signal) => resolve({ code, signal, stdout }));
        });

      const scenarios: [string, { killPhase: string; killAt: number; threads?: number }[]][] = [
        ['before the first checkpoint', [{ killPhase: 'chunk', killAt: 3 }]],
        ['between checkpoints', [{ killPhase: 'chunk', killAt: 23 }]],
        [
          'right after a checkpoint, twice',
          [
            { killPhase: 'checkpoint', killAt: 2 },
            { killPhase: 'checkpoint', killAt: 3 },
          ],
        ],
        ['while committing', [{ killPhase: 'commit', killAt: 1 }]],
        ['with worker threads running', [{ killPhase: 'chunk', killAt: 31, threads: 2 }]],
      ];
      for (const [name, kills] of scenarios) {
        it(`${name}: the next run finishes with every line exactly once`, async () => {
          const count = 1500;
          const input = writeInput(count);
          const output = at('out/states.ndjson');
          mkdirSync(at('out'));
          writeFileSync(output, 'previous output\n');
          for (const kill of kills) {
            const run = await exit(child({ input, output, ...kill }));
            expect(run.signal, run.stdout).to.equal('SIGKILL');
            if (kill.killPhase !== 'commit') {
              expect(readFileSync(output, 'utf8')).to.equal(
                'previous output\n',
                'output is atomic',
              );
            }
          }
          const last = await exit(child({ input, output }));
          expect(last.code, last.stdout).to.equal(0);
          const report = (
            JSON.parse(last.stdout.trimEnd().split('\n').at(-1)!) as E.Right<FileReport>
          ).right;
          expect(report).to.include({ lines: count, ...expected(count), committed: true });
          if (kills.some((k) => k.killPhase !== 'chunk' || k.killAt > 5)) {
            expect(report.resumedFromLine).to.be.greaterThan(0);
          }
          expectEveryLineOnce(count, output);
        });
      }

      it('when killed at an arbitrary moment, again and again, still ends with every line once', async () => {
        const count = 3000;
        const input = writeInput(count);
        const output = at('out.ndjson');
        for (const after of [1, 7, 19, 40]) {
          const c = child({ input, output });
          let lines = 0;
          c.stdout.on('data', (d: Buffer) => {
            lines += d.toString().split('\n').length - 1;
            if (lines >= after) c.kill('SIGKILL');
          });
          await exit(c);
        }
        const last = await exit(child({ input, output }));
        expect(last.code, last.stdout).to.equal(0);
        expectEveryLineOnce(count, output);
      });

      it('starts over when the input changed since the interrupted run', async () => {
        const input = writeInput(1500);
        const output = at('out.ndjson');
        const killed = await exit(child({ input, output, killPhase: 'checkpoint', killAt: 3 }));
        expect(killed.signal).to.equal('SIGKILL');
        writeInput(600);
        // The part done before differs (a space before the first state): start over.
        writeFileSync(input, ` ${readFileSync(input, 'utf8')}`);
        const report = await migrateFile(input, output, { project: { dir: migrations } });
        const r = (report as E.Right<FileReport>).right;
        expect(r.resumedFromLine).to.equal(undefined);
        expect(r.lines).to.equal(600);
        expectEveryLineOnce(600, output);
      });
    });
  });
});
