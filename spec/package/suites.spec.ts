// Every spec is classified: a unit spec runs from the sources alone (`npm run test:unit`);
// one that needs the built dist/, PostgreSQL or a browser is listed in spec/support/suites.cjs.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../support/cli.js';

const { integration } = createRequire(import.meta.url)('../support/suites.cjs') as {
  readonly integration: Readonly<Record<string, string>>;
};
const self = path.relative(repoRoot, fileURLToPath(import.meta.url));

/** What a spec's text shows it needs beyond the sources, each with a pattern that finds it. */
const needs: readonly [need: string, pattern: RegExp][] = [
  ['the built binary', /\b(?:runCli|binary)\b[^;]*from '\.\/support\/cli\.js'/],
  ['PostgreSQL', /from '(?:\.\/support\/postgres\.js|pg)'/],
  ['a browser', /from 'playwright-core'/],
  ['migraph by name (dist/)', /from '(?:migraph(?:\/[\w-]+)?)'/],
  ['a path into dist/', /['"`](?:\.\/)?dist\/|\/dist\/(?:lib|migrations)\b|'dist',/],
  ['the app examples (migraph by name)', /'\.\.\/examples\/app\//],
  ['worker threads (dist/)', /new MigrationPool\(/],
];

const specFiles = (dir: string): string[] =>
  readdirSync(path.join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.spec.ts'))
    .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)))
    .sort();

describe('spec suites', () => {
  it('lists only spec files that exist', () => {
    const missing = Object.keys(integration).filter(
      (file) => !existsSync(path.join(repoRoot, file)),
    );
    expect(missing, 'in spec/support/suites.cjs but not on disk').to.deep.equal([]);
  });

  it('lists every spec that needs the built dist/, PostgreSQL or a browser', () => {
    const unlisted = specFiles('spec').flatMap((file) => {
      if (file in integration || file === self) return [];
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      const found = needs.filter(([, pattern]) => pattern.test(text)).map(([need]) => need);
      return found.length === 0 ? [] : [`${file}: ${found.join(', ')}`];
    });
    expect(unlisted, 'add these to spec/support/suites.cjs').to.deep.equal([]);
  });
});
