import { expect } from 'chai';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findOutputCollision, outputFilesOf, type OutputJob } from '../../lib/index.js';

describe('findOutputCollision', () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'migraph-collide-')));
    mkdirSync(path.join(dir, 'a'));
    mkdirSync(path.join(dir, 'b'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (...names: string[]) => path.join(dir, ...names);
  const job = (input: string, output: string, extra: Partial<OutputJob> = {}): OutputJob => ({
    input,
    output,
    format: input.endsWith('.json') ? 'json' : 'ndjson',
    ...extra,
  });

  it('finds nothing when every run writes its own files', () => {
    expect(
      findOutputCollision([
        job(at('a', 'x.ndjson'), at('out', 'x.ndjson')),
        job(at('a', 'y.json'), at('out', 'y.json')),
        job(at('b', 'z.ndjson'), at('b', 'z.ndjson'), { inPlace: true }),
        job(at('b', 'w.json'), at('b', 'w.json'), { inPlace: true }),
      ]),
    ).to.equal(undefined);
  });

  it('finds two runs writing one output, or the files beside it', () => {
    expect(
      findOutputCollision([
        job(at('a', 'x.json'), at('out', 'x.json')),
        job(at('b', 'x.json'), at('out', 'x.json')),
      ]),
    ).to.deep.equal({
      kind: 'same-output',
      first: at('a', 'x.json'),
      second: at('b', 'x.json'),
      file: at('out', 'x.json'),
    });
    // x.ndjson's rejected file is the output of the input named x.ndjson.rejected.ndjson.
    expect(
      findOutputCollision([
        job(at('a', 'x.ndjson'), at('out', 'x.ndjson')),
        job(at('b', 'x.ndjson.rejected.ndjson'), at('out', 'x.ndjson.rejected.ndjson')),
      ]),
    ).to.deep.include({ kind: 'same-output', file: at('out', 'x.ndjson.rejected.ndjson') });
    expect(outputFilesOf(at('out', 'x.ndjson'))).to.include(at('out', 'x.ndjson.rejected.ndjson'));
  });

  it('finds a run replacing its own input unless it is in place, or another run’s input', () => {
    expect(findOutputCollision([job(at('a', 'x.json'), at('a', 'x.json'))])).to.deep.equal({
      kind: 'own-input',
      input: at('a', 'x.json'),
    });
    expect(
      findOutputCollision([
        job(at('a', 'x.ndjson'), at('a', 'x.ndjson'), { inPlace: true }),
        job(at('a', 'x.ndjson.partial'), at('b', 'x.ndjson.partial')),
      ]),
    ).to.deep.equal({
      kind: 'other-input',
      writer: at('a', 'x.ndjson'),
      file: at('a', 'x.ndjson.partial'),
      input: at('a', 'x.ndjson.partial'),
    });
  });

  it('finds one input named twice, through a symlink too', () => {
    writeFileSync(at('a', 'x.json'), '{}');
    symlinkSync(at('a', 'x.json'), at('b', 'link.json'));
    expect(
      findOutputCollision([
        job(at('a', 'x.json'), at('a', 'x.json'), { inPlace: true }),
        job(at('b', 'link.json'), at('b', 'link.json'), { inPlace: true }),
      ]),
    ).to.deep.equal({ kind: 'same-input', first: at('a', 'x.json'), second: at('b', 'link.json') });
  });
});
