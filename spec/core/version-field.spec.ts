import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Migrator, StateVersionError } from '../../lib/index.js';
import {
  formatVersion,
  isSamePath,
  readStateVersion,
  resolveTargetVersion,
  splitVersionKey,
  topLevelVersionKey,
  versionKeyOf,
  versionPathOf,
  versionRootKey,
  versionValueAt,
  withVersionAt,
  writeVersionAt,
} from '../../lib/core/version-field.js';

const leftOf = <A>(result: E.Either<StateVersionError, A>): StateVersionError => {
  if (E.isRight(result)) throw new Error(`expected a Left, got ${JSON.stringify(result.right)}`);
  return result.left;
};

const key = fc.stringMatching(/^[a-z_][a-z0-9_.]{0,6}$/).filter((k) => k !== '__proto__');
const path = fc.array(key, { minLength: 1, maxLength: 4 });

describe('version field', () => {
  describe('versionPathOf', () => {
    it('splits a dotted key and keeps an array of keys as given', () => {
      expect(versionPathOf('state_version')).to.deep.equal(['state_version']);
      expect(versionPathOf('_persist.version')).to.deep.equal(['_persist', 'version']);
      expect(versionPathOf(['meta', 'schema.version'])).to.deep.equal(['meta', 'schema.version']);
      expect(Object.isFrozen(versionPathOf('a.b'))).to.equal(true);
    });

    it('rejects an empty path or key with a TypeError naming versionKey', () => {
      for (const bad of ['', 'a..b', '.a', [], ['a', '']]) {
        expect(() => versionPathOf(bad), JSON.stringify(bad)).to.throw(TypeError, 'versionKey');
      }
    });

    it('joins back to the key it was given', () => {
      expect(versionKeyOf(versionPathOf('a.b.c'))).to.equal('a.b.c');
      expect(splitVersionKey('a..b')).to.deep.equal(['a', '', 'b']);
    });

    it('names the root key, the top-level key and compares paths', () => {
      expect(versionRootKey(['_persist', 'version'])).to.equal('_persist');
      expect(topLevelVersionKey(['state_version'])).to.equal('state_version');
      expect(topLevelVersionKey(['_persist', 'version'])).to.equal(undefined);
      expect(isSamePath(['a', 'b'], ['a', 'b'])).to.equal(true);
      expect(isSamePath(['a.b'], ['a', 'b'])).to.equal(false);
      expect(isSamePath(['a'], ['a', 'b'])).to.equal(false);
    });
  });

  describe('versionValueAt', () => {
    it('reads a top-level and a nested field', () => {
      expect(versionValueAt({ state_version: '1.0.0' }, ['state_version'])).to.equal('1.0.0');
      expect(versionValueAt({ _persist: { version: 3 } }, ['_persist', 'version'])).to.equal(3);
      expect(versionValueAt({ v: null }, ['v'])).to.equal(null);
    });

    it('is undefined when the field, or an object on the way, is absent or no plain object', () => {
      expect(versionValueAt({}, ['v'])).to.equal(undefined);
      expect(versionValueAt({ a: 1 }, ['a', 'v'])).to.equal(undefined);
      expect(versionValueAt({ a: ['x'] }, ['a', '0'])).to.equal(undefined);
      expect(versionValueAt({ a: new Map() }, ['a', 'size'])).to.equal(undefined);
      expect(versionValueAt('text', ['length'])).to.equal(undefined);
      expect(versionValueAt(null, ['v'])).to.equal(undefined);
    });

    it('reads own fields only', () => {
      const inherited = Object.assign(Object.create(null) as object, {}) as Record<string, unknown>;
      expect(versionValueAt(inherited, ['toString'])).to.equal(undefined);
      expect(versionValueAt({}, ['constructor'])).to.equal(undefined);
    });
  });

  describe('writing', () => {
    it('withVersionAt sets the field on a copy, shallow along the path', () => {
      fc.assert(
        fc.property(path, fc.jsonValue(), fc.dictionary(key, fc.jsonValue()), (p, value, base) => {
          const before = JSON.stringify(base);
          const out = withVersionAt(base, p, value);
          expect(versionValueAt(out, p)).to.deep.equal(value);
          expect(JSON.stringify(base)).to.equal(before);
          for (const k of Object.keys(base)) if (k !== p[0]) expect(out[k]).to.equal(base[k]);
        }),
      );
    });

    it('writeVersionAt writes in place and copies the objects on the way', () => {
      const shared = { version: '1.0.0', other: 1 };
      const state: Record<string, unknown> = { _persist: shared, a: 1 };
      writeVersionAt(state, ['_persist', 'version'], '2.0.0');
      expect(state).to.deep.equal({ _persist: { version: '2.0.0', other: 1 }, a: 1 });
      expect(shared.version).to.equal('1.0.0');
      const top: Record<string, unknown> = { v: 1 };
      writeVersionAt(top, ['v'], 2);
      expect(top).to.deep.equal({ v: 2 });
    });

    it('writeVersionAt and versionValueAt agree on any path', () => {
      fc.assert(
        fc.property(path, fc.string(), fc.dictionary(key, fc.jsonValue()), (p, value, base) => {
          const state = { ...base };
          writeVersionAt(state, p, value);
          expect(versionValueAt(state, p)).to.equal(value);
        }),
      );
    });

    it('formats semver as it is and integers in the form they were read', () => {
      expect(formatVersion('semver', '1.2.0')).to.equal('1.2.0');
      expect(formatVersion('integer', '3.0.0')).to.equal(3);
      expect(formatVersion('integer', '3.0.0', 2)).to.equal(3);
      expect(formatVersion('integer', '3.0.0', '2')).to.equal('3');
      expect(formatVersion('integer', '12.0.0', '2.0.0')).to.equal('12');
    });
  });

  describe('readStateVersion', () => {
    const semver = new Migrator({ versionKey: 'meta.v', missingVersion: '0.5.0' });
    const integer = new Migrator({ versionFormat: 'integer' });

    it('normalises the version and keeps the value as written', () => {
      expect(readStateVersion(semver.options, { meta: { v: 'v1.0.0' } })).to.deep.equal(
        E.right({ version: '1.0.0', raw: 'v1.0.0' }),
      );
      expect(readStateVersion(integer.options, { state_version: '3' })).to.deep.equal(
        E.right({ version: '3.0.0', raw: '3' }),
      );
    });

    it('assumes missingVersion when the field is absent', () => {
      expect(readStateVersion(semver.options, { meta: {} })).to.deep.equal(
        E.right({ version: '0.5.0', raw: undefined }),
      );
    });

    it('gives an invalid_version Left naming the field', () => {
      const error = leftOf(readStateVersion(semver.options, { meta: { v: 'banana' } }));
      expect(error.reason).to.equal('invalid_version');
      expect(error.version).to.equal('banana');
      expect(error.message).to.equal(
        "Invalid meta.v in state: Expected a semver version, got 'banana'",
      );
      expect(leftOf(readStateVersion(integer.options, { state_version: 1.5 })).reason).to.equal(
        'invalid_version',
      );
    });
  });

  describe('resolveTargetVersion', () => {
    const m = new Migrator().register('1.0.0', '2.0.0', (s) => s);

    it('reads a given target in the migrator format', () => {
      expect(resolveTargetVersion(m, 'v1.0.0')).to.deep.equal(E.right('1.0.0'));
      const integer = new Migrator({ versionFormat: 'integer' });
      expect(resolveTargetVersion(integer, 3)).to.deep.equal(E.right('3.0.0'));
      expect(leftOf(resolveTargetVersion(m, 'nope')).reason).to.equal('invalid_version');
    });

    it('defaults to currentVersion, else the highest registered version', () => {
      expect(resolveTargetVersion(m, undefined)).to.deep.equal(E.right('2.0.0'));
      const pinned = new Migrator({ currentVersion: '1.0.0' }).register('1.0.0', '2.0.0', (s) => s);
      expect(resolveTargetVersion(pinned, undefined)).to.deep.equal(E.right('1.0.0'));
    });

    it('gives an unknown_version Left when there is no target', () => {
      const error = leftOf(resolveTargetVersion(new Migrator(), undefined));
      expect(error).to.be.instanceOf(StateVersionError);
      expect(error.reason).to.equal('unknown_version');
      expect(error.message).to.match(/^No target version: none was given/);
    });
  });

  describe('one home', () => {
    const root = join(import.meta.dirname, '..', '..', 'lib');
    const home = join('core', 'version-field.ts');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const file = join(dir, name);
        if (statSync(file).isDirectory()) return files(file);
        return name.endsWith('.ts') ? [file] : [];
      });
    /** Source without comments, so doc comments may mention the version path. */
    const codeOf = (file: string): string =>
      readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    const others = files(root).filter((file) => relative(root, file) !== home);

    /**
     * Ways of walking, reading into or rebuilding the version path by hand: indexing it, asking
     * its members, spreading, iterating or destructuring it; descending an object one key at a
     * time (`at = at[key]`); splitting a version key; falling back to the default target.
     */
    const walkers: readonly [string, RegExp][] = [
      ['indexes or reads a member of versionPath', /\bversionPath\s*[!?]?\s*(\[|\.\s*\w)/],
      ['spreads or iterates versionPath', /(\.\.\.|\bof\s+)[\w.!?]*\bversionPath\b/],
      ['destructures versionPath', /\]\s*=\s*[\w.!?]*\bversionPath\b/],
      ['descends an object key by key', /\b(\w+)\s*=\s*\(?\1(\s+as\s+[^)]*\))?\)?\[\w+\]/],
      ['splits a version key', /\bversionKey\s*[!?]?\s*\.split\(/],
      ['falls back to the default target by hand', /\?\?\s*[\w.]+\.targetVersion\(\)/],
    ];

    it('no file of lib/ outside core/version-field.ts walks the version path', () => {
      const found = others.flatMap((file) => {
        const code = codeOf(file);
        return walkers
          .filter(([, pattern]) => pattern.test(code))
          .map(([what]) => `${relative(root, file)}: ${what}`);
      });
      expect(found).to.deep.equal([]);
    });

    it('the check finds each way of walking (it can fail)', () => {
      const samples = [
        'const first = m.options.versionPath[0];',
        'if (m.options.versionPath.length === 1) {}',
        'for (const key of m.options.versionPath) {}',
        'const [first, ...rest] = m.options.versionPath;',
        'let at = state; at = at[key];',
        'at = (at as Record<string, unknown>)[key];',
        "const keys = options.versionKey.split('.');",
        'const to = options.to ?? migrator.targetVersion();',
      ];
      for (const sample of samples) {
        expect(
          walkers.some(([, pattern]) => pattern.test(sample)),
          sample,
        ).to.equal(true);
      }
      expect(
        walkers.some(([, p]) => p.test('versionValueAt(out, m.options.versionPath)')),
      ).to.equal(false);
    });
  });
});
