// Lossless reading of JSON text (lib/core/json-exact.ts), what the stores read rows with: a
// number is accepted only if JavaScript holds it exactly, so that writing it back never changes it.
import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  duplicateKey,
  duplicateKeyIn,
  inexactNumber,
  isExactLiteral,
  keyCount,
  parseExact,
} from '../../lib/core/json-exact.js';

const isExactNumber = (literal: string) => isExactLiteral(literal);

describe('parseExact', () => {
  it('parses JSON whose numbers JavaScript holds exactly', () => {
    expect(
      parseExact('{"a":[0.1,-2,1.5e-7,9007199254740991,1e21,1E+2,0,0.0,12.50]}'),
    ).to.deep.equal(E.right({ a: [0.1, -2, 1.5e-7, 9007199254740991, 1e21, 100, 0, 0, 12.5] }));
  });

  it('refuses a negative zero, as file migration does: it would be written back as 0', () => {
    for (const zero of ['-0', '-0.0', '-0e5', '-0.000E-3']) {
      expect(parseExact(`{"offset":${zero}}`), zero).to.deep.equal(
        E.left(`the number ${zero} is a negative zero, which JavaScript writes back as 0`),
      );
    }
    expect(parseExact('{"offset":"-0","n":-0.5}')).to.deep.equal(
      E.right({ offset: '-0', n: -0.5 }),
    );
  });

  it('refuses a key that appears twice in one object, at any depth, however it is written', () => {
    const why = (key: string) =>
      E.left(
        `the key "${key}" appears twice in one object: readers disagree on which value counts (JavaScript takes the last, SQLite the first)`,
      );
    expect(parseExact('{"state_version":"1.1.0","state_version":"1.0.0"}')).to.deep.equal(
      why('state_version'),
    );
    expect(parseExact('{"a":[{"b":{"c":1, "c" :2}}]}')).to.deep.equal(why('c'));
    expect(parseExact('{"state_version":"1.1.0","state\\u005fversion":"1.0.0"}')).to.deep.equal(
      why('state_version'),
    );
    // The same key in different objects, and key-like text inside strings, are fine.
    const fine = '{"a":{"v":1},"b":{"v":2},"s":"{\\"v\\":1,\\"v\\":2}","l":[{"v":1},{"v":2}]}';
    expect(parseExact(fine)).to.deep.equal(E.right(JSON.parse(fine)));
  });

  it('skips the duplicate-key scan for text a store keeps one value per key of (jsonb), never the number checks', () => {
    const text = '{"v":"1.1.0","v":"1.0.0"}';
    expect(parseExact(text, { uniqueKeys: true })).to.deep.equal(E.right(JSON.parse(text)));
    expect(E.isLeft(parseExact(text, { uniqueKeys: false }))).to.equal(true);
    expect(E.isLeft(parseExact('{"n":9007199254740993}', { uniqueKeys: true }))).to.equal(true);
    expect(E.isLeft(parseExact('{"n":-0}', { uniqueKeys: true }))).to.equal(true);
  });

  it('refuses integers beyond 2^53, too many digits and numbers out of range, quoting them', () => {
    for (const [text, quoted] of [
      ['{"n":9007199254740993}', '9007199254740993'],
      ['[1, 123456789012345678901234567890]', '123456789012345678901234567890'],
      ['{"n":0.10000000000000001}', '0.10000000000000001'],
      ['{"n":1e400}', '1e400'],
      ['{"n":-1e400}', '-1e400'],
      ['{"n":1e-400}', '1e-400'],
    ] as const) {
      expect(parseExact(text), text).to.deep.equal(
        E.left(`the number ${quoted} cannot be held exactly by JavaScript`),
      );
    }
  });

  it('quotes at most a short prefix of a long number', () => {
    const long = `1${'0'.repeat(500)}1`;
    const result = parseExact(`[${long}]`);
    expect(E.isLeft(result) && result.left).to.equal(
      `the number ${long.slice(0, 39)}… cannot be held exactly by JavaScript`,
    );
  });

  it('looks only at numbers, never inside strings', () => {
    const text = JSON.stringify({ id: '123456789012345678901234567890', note: 'e5 1e999 "\\"' });
    expect(parseExact(text)).to.deep.equal(E.right(JSON.parse(text)));
    expect(
      inexactNumber('{"a":"\\"12345678901234567890","b":12345678901234567890}')?.literal,
    ).to.equal('12345678901234567890');
  });

  it('refuses text that is not JSON', () => {
    const result = parseExact('{"a":');
    expect(E.isLeft(result) && result.left).to.match(/^not valid JSON: /);
  });

  it('accepts every number JavaScript writes, and the same value written with more digits', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const written = JSON.stringify(x);
        expect(isExactNumber(written), written).to.equal(true);
        expect(parseExact(`[${written}]`)).to.deep.equal(E.right([JSON.parse(written)]));
        const [mantissa, exponent] = written.split('e') as [string, string | undefined];
        const padded = `${mantissa}${mantissa.includes('.') ? '' : '.'}000${exponent === undefined ? '' : `e${exponent}`}`;
        expect(isExactNumber(padded), padded).to.equal(true);
      }),
    );
  });

  it('refuses every integer beyond 2^53 that JavaScript would write back as another number, and accepts the others', () => {
    /** The integer JavaScript's shortest form of `Number(n)` writes (`1.1e+21` included). */
    const writtenBack = (n: bigint): bigint => {
      const [mantissa = '', exponent = '0'] = String(Number(n)).split('e');
      const [int = '', frac = ''] = mantissa.split('.');
      return BigInt(int + frac) * 10n ** BigInt(Number(exponent) - frac.length);
    };
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 70n }), (n) => {
        const exact = writtenBack(n) === n;
        expect(isExactNumber(String(n)), String(n)).to.equal(exact);
        expect(isExactNumber(`-${n}`)).to.equal(exact);
      }),
      // Written back in exponent form, the same number (1e21) or another one.
      { examples: [[10n ** 21n], [1149270744511289800000n], [2n ** 70n]] },
    );
  });

  it('accepts an integer beyond 2^53 that comes back as written, though no double equals it', () => {
    // 42672077709616630 reads as the double 42672077709616632, whose shortest form is the
    // literal again: the line is written back byte for byte, as JavaScript itself writes it.
    expect(BigInt(Number('42672077709616630'))).to.equal(42672077709616632n);
    expect(isExactNumber('42672077709616630')).to.equal(true);
    expect(isExactNumber('42672077709616631')).to.equal(false);
  });
});

describe('duplicateKeyIn: the duplicate-key scan after a count', () => {
  /** JSON text of nested objects whose keys may repeat, with or without white space. */
  const text = (): fc.Arbitrary<string> =>
    fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('1', '"s"', '"a\\":b"', 'null', '"{\\"k\\":1}"'),
        tie('object') as fc.Arbitrary<string>,
        fc
          .array(tie('value') as fc.Arbitrary<string>, { maxLength: 3 })
          .map((a) => `[${a.join(',')}]`),
      ),
      object: fc
        .array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'a\\u0062', 'ab', 'k"', '__proto__'),
            fc.constantFrom('', ' ', '\n'),
            tie('value') as fc.Arbitrary<string>,
          ),
          { maxLength: 4 },
        )
        .map(
          (entries) =>
            `{${entries.map(([k, space, v]) => `${JSON.stringify(k).replace('\\\\u', '\\u')}${space}:${v}`).join(',')}}`,
        ),
    })).object;

  it('answers what the full scan answers, on any text (property)', () => {
    fc.assert(
      fc.property(text(), (json) => {
        const parsed = JSON.parse(json) as unknown;
        expect(duplicateKeyIn(json, keyCount(parsed))).to.equal(duplicateKey(json));
      }),
      { numRuns: 2_000 },
    );
  });

  it('finds a key twice, nested or decoded, and passes distinct keys', () => {
    const of = (json: string) => duplicateKeyIn(json, keyCount(JSON.parse(json)));
    expect(of('{"v":1,"v":2}')).to.equal('v');
    expect(of('{"p":{"x":1,"\\u0078":2}}')).to.equal('x');
    expect(of('{"a" :1, "a":2}')).to.equal('a');
    expect(of('{"a":{"x":1,"y":2},"a":{"z":3}}')).to.equal('a');
    expect(of('{"a":{"v":1},"b":{"v":2},"s":"\\"v\\":1"}')).to.equal(undefined);
    expect(keyCount({ a: 1, b: [{ c: 2 }, 3] })).to.equal(3);
  });
});
