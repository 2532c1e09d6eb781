// One error-constructor style (issue 20): every error class of lib/ is built as
// `new XError(message, details)`, a details object holding its fields and `cause`, or takes
// Error's own `(message, { cause })`.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(path.join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );

describe('error classes', () => {
  it('are all built from a message and a details object', () => {
    const classes: string[] = [];
    const off: string[] = [];
    for (const file of sources('lib')) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(
        /export class (\w+) extends (?:Error|TypeError)\b[^{]*\{([\s\S]*?)\n\}/g,
      )) {
        classes.push(match[1]!);
        const ctor = /\bconstructor\(([\s\S]*?)\)\s*\{/.exec(match[2]!);
        if (ctor === null) continue; // Error's own (message, { cause })
        const params = ctor[1]!.replace(/\s+/g, ' ').trim();
        if (!/^message: string, details(\?)?: /.test(params))
          off.push(`${match[1]} (${file}): ${params}`);
      }
    }
    expect(classes.length).to.be.at.least(12);
    expect(off).to.deep.equal([]);
  });
});
