// The CLI's side of data safety (SPEC §5, §7): usage errors before anything is written,
// --in-place that keeps what it replaces, one readable line for whatever user code does,
// bounded and escaped output.
import { expect } from 'chai';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { makeProject, runCli, type CliRun } from '../support/cli.js';

const MIGRATION = `export default { from: '1.0.0', to: '2.0.0', up: (s) => ({ ...s, migrated: true }) };\n`;

const v1 = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ state_version: '1.0.0', ...extra });

/** Every line of stderr is one `migraph:` line, and no stack trace. */
const expectReadable = (run: CliRun) => {
  const lines = run.stderr.trimEnd().split('\n');
  for (const line of lines) expect(line, run.stderr).to.match(/^migraph: /);
  expect(run.stderr).to.not.match(/^\s+at /m);
  return lines;
};

describe('CLI data safety', function () {
  this.timeout(60_000);
  let dir: string;
  const project = (files: Record<string, string> = {}) => {
    dir = makeProject({ 'migrations/v1_0_0_to_v2_0_0.mjs': MIGRATION, ...files });
  };
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => path.join(dir, name);
  const cli = (...args: string[]) => runCli(args, dir);

  describe('usage errors before anything is written', () => {
    beforeEach(() => project());

    it('output names of two inputs that would collide (x.ndjson and x.ndjson.rejected.ndjson)', async () => {
      mkdirSync(at('earlier'));
      writeFileSync(at('earlier/x.ndjson'), `${v1()}\n`);
      writeFileSync(at('earlier/x.ndjson.rejected.ndjson'), `${v1()}\n`);
      const run = await cli(
        'migrate',
        'earlier/x.ndjson',
        'earlier/x.ndjson.rejected.ndjson',
        '--out',
        'final',
      );
      expect(run.code, run.stderr).to.equal(2);
      expect(expectReadable(run)).to.have.length(1);
      expect(run.stderr).to.include('would both write').and.include('x.ndjson.rejected.ndjson');
      expect(existsSync(at('final')) ? readdirSync(at('final')) : []).to.deep.equal([]);
    });

    it('--out at the input’s own directory, and --out naming a file', async () => {
      writeFileSync(at('x.ndjson'), `${v1()}\n`);
      writeFileSync(at('x.json'), v1());
      for (const input of ['x.ndjson', 'x.json']) {
        const run = await cli('migrate', input, '--out', '.');
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include('would replace the input').and.include('--in-place');
      }
      expect(readFileSync(at('x.ndjson'), 'utf8')).to.equal(`${v1()}\n`);
      expect(readFileSync(at('x.json'), 'utf8')).to.equal(v1());
      const file = await cli('migrate', 'x.json', '--out', 'x.ndjson');
      expect(file.code, file.stderr).to.equal(2);
      expect(expectReadable(file)[0]).to.include('is a file: expected a directory');
    });
  });

  describe('--in-place', () => {
    beforeEach(() => project());

    it('keeps each file’s mode (and owner, as root)', async () => {
      writeFileSync(at('a.ndjson'), `${v1()}\n`);
      writeFileSync(at('a.json'), v1());
      const root = process.getuid?.() === 0;
      for (const name of ['a.ndjson', 'a.json']) {
        chmodSync(at(name), 0o600);
        if (root) chownSync(at(name), 1234, 4321);
      }
      const run = await cli('migrate', 'a.ndjson', 'a.json', '--in-place');
      expect(run.code, run.stderr).to.equal(0);
      for (const name of ['a.ndjson', 'a.json']) {
        expect(readFileSync(at(name), 'utf8')).to.match(/"migrated": ?true/);
        const info = statSync(at(name));
        expect(info.mode & 0o777, name).to.equal(0o600);
        if (root) expect([info.uid, info.gid], name).to.deep.equal([1234, 4321]);
      }
    });

    it('refuses a read-only file, even as root, before writing anything', async () => {
      writeFileSync(at('ok.json'), v1());
      writeFileSync(at('ro.ndjson'), `${v1()}\n`);
      chmodSync(at('ro.ndjson'), 0o444);
      const run = await cli('migrate', 'ok.json', 'ro.ndjson', '--in-place');
      expect(run.code, run.stderr).to.equal(2);
      expect(expectReadable(run)[0]).to.include('ro.ndjson is read-only');
      expect(readFileSync(at('ro.ndjson'), 'utf8')).to.equal(`${v1()}\n`);
      expect(readFileSync(at('ok.json'), 'utf8')).to.equal(v1());
    });

    it('follows a symlink and migrates its target; the link stays a link', async () => {
      mkdirSync(at('data'));
      writeFileSync(at('data/real.ndjson'), `${v1()}\n`);
      writeFileSync(at('data/real.json'), v1());
      symlinkSync('data/real.ndjson', at('link.ndjson'));
      symlinkSync('data/real.json', at('link.json'));
      const run = await cli('migrate', 'link.ndjson', 'link.json', '--in-place');
      expect(run.code, run.stderr).to.equal(0);
      for (const [link, real] of [
        ['link.ndjson', 'data/real.ndjson'],
        ['link.json', 'data/real.json'],
      ] as const) {
        expect(lstatSync(at(link)).isSymbolicLink(), link).to.equal(true);
        expect(readFileSync(at(real), 'utf8')).to.match(/"migrated": ?true/);
      }
    });

    it('leaves bytes it cannot rewrite without loss as they are (invalid UTF-8, big integers)', async () => {
      const atTarget = Buffer.concat([
        Buffer.from('{"state_version":"2.0.0","name":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}\n'),
      ]);
      writeFileSync(at('t.ndjson'), atTarget);
      writeFileSync(at('t.json'), atTarget);
      const big = '{"state_version":"1.0.0","user_id":12345678901234567891}';
      writeFileSync(at('big.json'), big);
      const ok = await cli('migrate', 't.ndjson', 't.json', '--in-place');
      expect(ok.code, ok.stderr).to.equal(0);
      expect(readFileSync(at('t.ndjson')).equals(atTarget)).to.equal(true);
      expect(readFileSync(at('t.json')).equals(atTarget)).to.equal(true);
      const lossy = await cli('migrate', 'big.json', '--in-place');
      expect(lossy.code).to.equal(1);
      expect(expectReadable(lossy)[0]).to.include('12345678901234567891');
      expect(readFileSync(at('big.json'), 'utf8')).to.equal(big);
    });
  });

  describe('user code that fails', () => {
    it('an async step that rejects gives migraph: lines and exit 1, for JSON and NDJSON', async () => {
      project({
        'migrations/v1_0_0_to_v2_0_0.mjs': `export default { from: '1.0.0', to: '2.0.0', up: async (s) => { if (s.n === 2) throw new Error('async nope'); return { ...s, migrated: true }; } };\n`,
      });
      writeFileSync(at('a.ndjson'), `${v1({ n: 1 })}\n${v1({ n: 2 })}\n`);
      writeFileSync(at('a.json'), `[${v1({ n: 2 })}]`);
      for (const args of [['a.ndjson', '--out', 'out'], ['a.json'], ['a.ndjson']]) {
        const run = await cli('migrate', ...args);
        expect(run.code, run.stderr).to.equal(1);
        expect(expectReadable(run)[0]).to.include('async nope');
      }
      expect(readFileSync(at('out/a.ndjson'), 'utf8')).to.include('"migrated":true');
    });

    it('a rejection nobody handles, made by a step, gives one migraph: line and exit 1', async () => {
      project({
        'migrations/v1_0_0_to_v2_0_0.mjs': `export default { from: '1.0.0', to: '2.0.0', up: (s) => { Promise.reject(new Error('stray rejection')); return s; } };\n`,
      });
      writeFileSync(at('a.json'), v1());
      const run = await cli('migrate', 'a.json');
      expect(run.code, run.stderr).to.equal(1);
      expect(expectReadable(run)).to.deep.equal(['migraph: stray rejection']);
    });

    it('a script that never finishes loading times out; one calling process.exit fails; neither hangs', async () => {
      const cases = {
        'await new Promise(() => {});': 'did not finish loading within 1 s',
        'await new Promise((r) => setTimeout(r, 1e9));': 'did not finish loading within 1 s',
        'process.exit(0);': 'called process.exit(0) while loading',
      };
      for (const [body, message] of Object.entries(cases)) {
        project({ 'migrations/v1_0_0_to_v2_0_0.mjs': `${body}\n${MIGRATION}` });
        writeFileSync(at('a.json'), v1());
        const run = await cli('--load-timeout', '1', 'migrate', 'a.json', '--out', 'out');
        expect(run.code, `${body}: ${run.stderr}`).to.equal(1);
        expect(expectReadable(run), body).to.have.length(1);
        expect(run.stderr, body).to.include(message);
        expect(existsSync(at('out/a.json'))).to.equal(false);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('bounded and escaped output', () => {
    beforeEach(() => project());

    it('escapes control characters from data before they reach the terminal', async () => {
      writeFileSync(
        at('a.ndjson'),
        `${JSON.stringify({ state_version: '\u001b[2J\r\nmigraph: forged line' })}\n`,
      );
      const run = await cli('migrate', 'a.ndjson', '--dry-run');
      expect(run.code).to.equal(1);
      // eslint-disable-next-line no-control-regex
      expect(run.stderr).to.not.match(/[\u0000-\u0009\u000b-\u001f]/);
      const lines = expectReadable(run);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include('\\x1b[2J\\r\\nmigraph: forged line');
    });

    it('prints at most 100 failures per file in a dry run or to stdout, and counts the rest', async () => {
      const lines = Array.from({ length: 500 }, (_, i) =>
        JSON.stringify({ state_version: `x${i}` }),
      );
      writeFileSync(at('a.ndjson'), `${lines.join('\n')}\n`);
      for (const args of [['--dry-run'], []]) {
        const run = await cli('migrate', 'a.ndjson', ...args);
        expect(run.code).to.equal(1);
        const printed = expectReadable(run);
        expect(printed).to.have.length(101);
        expect(printed.at(-1)).to.include('400 more failed state(s)');
      }
    });
  });

  describe('loading a project', () => {
    it('refuses a schemas module that is a symlink leaving --dir', async () => {
      project({ 'elsewhere/schemas.mjs': `export const codecs = {};\n` });
      symlinkSync(at('elsewhere/schemas.mjs'), at('migrations/schemas.mjs'));
      writeFileSync(at('a.json'), v1());
      const run = await cli('migrate', 'a.json');
      expect(run.code, run.stderr).to.equal(2);
      expect(expectReadable(run)[0]).to.include('outside');
    });

    it('refuses a mistyped schemas export, and warns when no codecs are exported', async () => {
      project({
        'migrations/schemas.mjs': `import * as t from 'io-ts';\nexport const codec = { '2.0.0': t.type({ name: t.string }) };\n`,
      });
      writeFileSync(at('a.json'), v1());
      const typo = await cli('migrate', 'a.json');
      expect(typo.code, typo.stderr).to.equal(2);
      expect(expectReadable(typo)[0])
        .to.include('exports codec')
        .and.include('did you mean codecs');
      writeFileSync(at('migrations/schemas.mjs'), `export const currentVersion = '2.0.0';\n`);
      const none = await cli('migrate', 'a.json');
      expect(none.code, none.stderr).to.equal(0);
      expect(expectReadable(none)[0]).to.include('warning').and.include('exports no codecs');
    });

    it('new refuses a pre-release version; a misnamed script fails check instead of vanishing', async () => {
      project();
      const run = await cli('new', '1.0.0-beta.1', '1.0.0');
      expect(run.code, run.stderr).to.equal(2);
      expect(expectReadable(run)[0]).to.include('pre-release');
      writeFileSync(at('migrations/v1_0_0-beta_1_to_v1_0_0.mjs'), MIGRATION);
      const check = await cli('check');
      expect(check.code, check.stdout).to.equal(1);
      expect(check.stdout).to.include('v1_0_0-beta_1_to_v1_0_0.mjs').and.include('does not follow');
    });
  });

  describe('inputs', () => {
    beforeEach(() => project());

    it('accepts a JSON file with a BOM, and keeps the BOM', async () => {
      writeFileSync(at('a.json'), `\ufeff${v1()}`);
      const run = await cli('migrate', 'a.json', '--in-place');
      expect(run.code, run.stderr).to.equal(0);
      const text = readFileSync(at('a.json'), 'utf8');
      expect(text.startsWith('\ufeff')).to.equal(true);
      expect(JSON.parse(text.slice(1))).to.include({ migrated: true });
    });

    it('migrate - reads NDJSON from stdin and writes to stdout', async () => {
      const run = await runCli(['migrate', '-'], dir, `${v1({ n: 1 })}\n${v1({ n: 2 })}\n`);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(
        '{"state_version":"2.0.0","n":1,"migrated":true}\n{"state_version":"2.0.0","n":2,"migrated":true}\n',
      );
      const out = await cli('migrate', '-', '--out', 'out');
      expect(out.code).to.equal(2);
    });

    it('caps --threads at the available parallelism', async () => {
      writeFileSync(at('a.ndjson'), `${v1()}\n`);
      const run = await cli('migrate', 'a.ndjson', '--out', 'out', '--threads', '999');
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.match(/--threads 999: using \d+, the available parallelism/);
      expect(readFileSync(at('out/a.ndjson'), 'utf8')).to.include('"migrated":true');
    });
  });
});
