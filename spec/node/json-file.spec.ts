import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  FileMigrationError,
  Migrator,
  migrateJson,
  migrateJsonFile,
  type AnyState,
  type JsonFileReport,
  type JsonReport,
} from '../../lib/index.js';

/** 1.0.0 → 2.0.0 adds `migrated: true`; a state whose `fail` is true makes the step throw. */
const migrator = () =>
  new Migrator().register('1.0.0', '2.0.0', async (s: AnyState) => {
    if (s.fail === true) throw new Error('asked to fail');
    return { ...s, migrated: true };
  });

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected a Right, got ${String(e.left)}`);
  return e.right;
};

const v1 = (extra: object = {}) => ({ state_version: '1.0.0', ...extra });
const v2 = (extra: object = {}) => ({ state_version: '2.0.0', ...extra });

describe('migrateJson', () => {
  it('migrates one state, and reports it as migrated with its input and output', async () => {
    const report = right(
      await migrateJson(Buffer.from(JSON.stringify(v1({ a: 1 }))), { migrator: migrator() }),
    );
    expect(report).to.deep.include({
      many: false,
      migrated: 1,
      unchanged: 0,
      failed: 0,
      changed: true,
      problem: undefined,
    });
    expect(report.states).to.deep.equal([
      { kind: 'migrated', input: v1({ a: 1 }), output: v2({ a: 1, migrated: true }) },
    ]);
    expect(JSON.parse(Buffer.from(report.data!).toString())).to.deep.equal(
      v2({ a: 1, migrated: true }),
    );
    expect(Buffer.from(report.data!).toString()).to.equal(
      `${JSON.stringify(v2({ a: 1, migrated: true }), null, 2)}\n`,
    );
  });

  it('migrates an array state by state, and gives no data when one fails', async () => {
    const input = [v1(), v1({ fail: true }), v2()];
    const report = right(
      await migrateJson(Buffer.from(JSON.stringify(input)), { migrator: migrator(), to: '2.0.0' }),
    );
    expect(report).to.deep.include({
      many: true,
      migrated: 1,
      unchanged: 1,
      failed: 1,
      data: undefined,
      problem: undefined,
    });
    expect(report.states.map((s) => s.kind)).to.deep.equal(['migrated', 'failed', 'unchanged']);
    expect((report.states[1] as { error: string }).error).to.include('asked to fail');
  });

  it('gives back the very bytes of a document already at the target', async () => {
    const bytes = Buffer.from('\ufeff{ "state_version" : "2.0.0",\r\n "x": 1e400 }');
    const report = right(await migrateJson(bytes, { migrator: migrator() }));
    expect(report.changed).to.equal(false);
    expect(Buffer.compare(Buffer.from(report.data!), bytes)).to.equal(0);
  });

  it('keeps a leading BOM on a migrated document', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(v1())),
    ]);
    const data = Buffer.from(right(await migrateJson(bytes, { migrator: migrator() })).data!);
    expect([...data.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    expect(JSON.parse(data.subarray(3).toString())).to.deep.equal(v2({ migrated: true }));
  });

  it('does not rewrite a document with a key twice in one object (one value would be dropped)', async () => {
    const twice = right(
      await migrateJson(Buffer.from('[{"state_version":"1.0.0","n":1,"n":2}]'), {
        migrator: migrator(),
      }),
    );
    expect(twice.data).to.equal(undefined);
    expect(twice.problem).to.match(/^not written: the key "n" appears twice in one object/);
    const kept = right(
      await migrateJson(Buffer.from('{"state_version":"2.0.0","n":1,"n":2}'), {
        migrator: migrator(),
      }),
    );
    expect(kept.problem).to.equal(undefined);
  });

  it('does not rewrite what it cannot carry: a big integer, invalid UTF-8', async () => {
    const big = right(
      await migrateJson(Buffer.from('{"state_version":"1.0.0","n":12345678901234567890}'), {
        migrator: migrator(),
      }),
    );
    expect(big.data).to.equal(undefined);
    expect(big.problem).to.match(
      /^not written: the number 12345678901234567890 cannot be carried exactly/,
    );
    expect(big.migrated).to.equal(1);
    const latin1 = Buffer.concat([
      Buffer.from('{"state_version":"1.0.0","s":"'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    const invalid = right(await migrateJson(latin1, { migrator: migrator() }));
    expect(invalid.problem).to.equal(
      'not written: it is not valid UTF-8: rewriting it would replace its invalid bytes',
    );
  });

  it('reports a document that is not JSON, and gives a typed Left for a bad target', async () => {
    const report: JsonReport = right(
      await migrateJson(Buffer.from('{ nope'), { migrator: migrator() }),
    );
    expect(report.problem).to.match(/^not valid JSON: /);
    expect(report.states).to.deep.equal([]);
    const bad = await migrateJson(Buffer.from('{}'), { migrator: migrator(), to: 'latest' });
    expect(E.isLeft(bad) && bad.left)
      .to.be.instanceOf(FileMigrationError)
      .and.include({ reason: 'options' });
    const none = await migrateJson(Buffer.from('{}'), { migrator: new Migrator() });
    expect(E.isLeft(none) && none.left.message).to.match(/^No target version: none was given/);
  });
});

describe('migrateJsonFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'migraph-json-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => path.join(dir, name);

  it('writes the migrated file to its output, and a copy of an unchanged one', async () => {
    writeFileSync(at('a.json'), JSON.stringify(v1()));
    writeFileSync(at('b.json'), ' {"state_version":"2.0.0"} ');
    const a: JsonFileReport = right(
      await migrateJsonFile(at('a.json'), at('a.out.json'), { migrator: migrator() }),
    );
    expect(a.output).to.equal(at('a.out.json'));
    expect(JSON.parse(readFileSync(at('a.out.json'), 'utf8'))).to.deep.equal(
      v2({ migrated: true }),
    );
    const b = right(
      await migrateJsonFile(at('b.json'), at('b.out.json'), { migrator: migrator() }),
    );
    expect(b.output).to.equal(at('b.out.json'));
    expect(readFileSync(at('b.out.json'), 'utf8')).to.equal(' {"state_version":"2.0.0"} ');
  });

  it('in place, leaves an unchanged file alone and rewrites a changed one keeping its mode', async () => {
    writeFileSync(at('same.json'), JSON.stringify(v2()));
    const mtime = statSync(at('same.json')).mtimeMs;
    const same = right(
      await migrateJsonFile(at('same.json'), at('same.json'), { migrator: migrator() }),
    );
    expect(same.output).to.equal(undefined);
    expect(statSync(at('same.json')).mtimeMs).to.equal(mtime);
    writeFileSync(at('old.json'), JSON.stringify(v1()));
    chmodSync(at('old.json'), 0o640);
    right(await migrateJsonFile(at('old.json'), at('old.json'), { migrator: migrator() }));
    expect(JSON.parse(readFileSync(at('old.json'), 'utf8'))).to.deep.equal(v2({ migrated: true }));
    expect(statSync(at('old.json')).mode & 0o777).to.equal(0o640);
  });

  it('in place through a symlink, rewrites the target and keeps the link', async () => {
    writeFileSync(at('real.json'), JSON.stringify(v1()));
    symlinkSync(at('real.json'), at('link.json'));
    right(await migrateJsonFile(at('link.json'), at('link.json'), { migrator: migrator() }));
    expect(lstatSync(at('link.json')).isSymbolicLink()).to.equal(true);
    expect(JSON.parse(readFileSync(at('real.json'), 'utf8'))).to.deep.equal(v2({ migrated: true }));
  });

  it('writes nothing when a state fails, and nothing without an output', async () => {
    writeFileSync(at('mixed.json'), JSON.stringify([v1(), v1({ fail: true })]));
    const mixed = right(
      await migrateJsonFile(at('mixed.json'), at('out.json'), { migrator: migrator() }),
    );
    expect(mixed.failed).to.equal(1);
    expect(mixed.output).to.equal(undefined);
    expect(() => statSync(at('out.json'))).to.throw();
    writeFileSync(at('one.json'), JSON.stringify(v1()));
    const dry = right(await migrateJsonFile(at('one.json'), undefined, { migrator: migrator() }));
    expect(dry.output).to.equal(undefined);
    expect(JSON.parse(Buffer.from(dry.data!).toString())).to.deep.equal(v2({ migrated: true }));
    expect(JSON.parse(readFileSync(at('one.json'), 'utf8'))).to.deep.equal(v1());
  });

  it('gives an io Left for a file it cannot read or write', async () => {
    const missing = await migrateJsonFile(at('absent.json'), undefined, { migrator: migrator() });
    expect(E.isLeft(missing) && missing.left).to.include({ reason: 'io' });
    expect(E.isLeft(missing) && missing.left.message).to.match(
      /^Migrating .*absent\.json failed: /,
    );
    writeFileSync(at('a.json'), JSON.stringify(v1()));
    const unwritable = await migrateJsonFile(at('a.json'), at('no/such/dir/a.json'), {
      migrator: migrator(),
    });
    expect(E.isLeft(unwritable) && unwritable.left).to.include({ reason: 'io' });
  });
});
