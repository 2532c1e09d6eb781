import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  FileMigrationError,
  Migrator,
  migrateFile,
  migrateNdjson,
  type AnyState,
  type MigratedChunk,
} from '../../lib/index.js';

const migrator = () =>
  new Migrator().register('1.0.0', '2.0.0', (s: AnyState) => {
    if (s.fail === true) throw new Error('asked to fail');
    return { ...s, migrated: true };
  });

const collect = async (
  source: AsyncIterable<E.Either<FileMigrationError, MigratedChunk>>,
): Promise<E.Either<FileMigrationError, MigratedChunk>[]> => {
  const all = [];
  for await (const x of source) all.push(x);
  return all;
};

/** Lines: every third fails, every fifth is already at 2.0.0 (with odd spacing kept). */
const lines = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    i % 5 === 4
      ? `{ "state_version" : "2.0.0", "i": ${i} }`
      : JSON.stringify({ state_version: '1.0.0', i, ...(i % 3 === 2 ? { fail: true } : {}) }),
  );

describe('migrateNdjson', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'migraph-ndjson-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a file chunk by chunk, in order, with the bytes migrateFile writes', async () => {
    const input = path.join(dir, 'in.ndjson');
    writeFileSync(input, `\ufeff${lines(40).join('\r\n')}\n\n`);
    const chunks = await collect(migrateNdjson(input, { migrator: migrator(), chunkLines: 7 }));
    expect(chunks.every(E.isRight)).to.equal(true);
    const right = chunks.map((c) => (c as E.Right<MigratedChunk>).right);
    expect(right.map((c) => c.chunk.lines.length)).to.deep.equal([7, 7, 7, 7, 7, 5]);
    const streamed = Buffer.concat(right.map((c) => c.output));
    const output = path.join(dir, 'out.ndjson');
    const report = await migrateFile(input, output, { migrator: migrator() });
    expect(E.isRight(report)).to.equal(true);
    expect(streamed.equals(readFileSync(output))).to.equal(true);
    const rejected = right.flatMap((c) => c.rejections.map((r) => r.line));
    expect(rejected).to.deep.equal(
      lines(40).flatMap((_, i) => (i % 3 === 2 && i % 5 !== 4 ? [i + 1] : [])),
    );
    const unchanged = right.reduce((n, c) => n + c.unchanged, 0);
    expect(unchanged).to.equal(8);
    expect(right[0]!.results[0]).to.equal(
      JSON.stringify({ state_version: '2.0.0', i: 0, migrated: true }),
    );
  });

  it('reads a stream of bytes, lines split anywhere', async () => {
    const text = `${lines(10).join('\n')}\n`;
    const pieces = text.match(/[\s\S]{1,13}/g)!.map((s) => Buffer.from(s));
    const chunks = await collect(migrateNdjson(Readable.from(pieces), { migrator: migrator() }));
    expect(chunks).to.have.length(1);
    const chunk = (chunks[0] as E.Right<MigratedChunk>).right;
    expect(chunk.written + chunk.rejections.length).to.equal(10);
    expect(chunk.output.toString().split('\n')).to.include(lines(10)[4]);
  });

  it('yields one typed Left for bad options or a missing file, and stops', async () => {
    const cases = [
      await collect(migrateNdjson(path.join(dir, 'absent.ndjson'), { migrator: migrator() })),
      await collect(migrateNdjson(Readable.from([]), {})),
      await collect(migrateNdjson(Readable.from([]), { migrator: migrator(), to: 'latest' })),
      await collect(migrateNdjson(Readable.from([]), { migrator: migrator(), threads: 2 })),
    ];
    expect(cases.map((c) => c.length)).to.deep.equal([1, 1, 1, 1]);
    expect(cases.map(([c]) => E.isLeft(c!) && c.left.reason)).to.deep.equal([
      'io',
      'options',
      'options',
      'options',
    ]);
    expect((cases[1]![0] as E.Left<Error>).left.message).to.equal(
      'migrateNdjson needs a migrator or a project',
    );
  });
});
