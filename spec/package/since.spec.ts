// `@since` tags name a version the package has: none above package.json's version.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(path.join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );

describe('@since tags', () => {
  it('never name a version above the package version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const ahead: string[] = [];
    for (const file of sources('lib')) {
      for (const [, since] of readFileSync(file, 'utf8').matchAll(/@since (\S+)/g)) {
        if (semver.valid(since!) === null || semver.gt(since!, version))
          ahead.push(`${file}: ${since}`);
      }
    }
    expect(ahead).to.deep.equal([]);
  });
});
