// The README's example must run as written.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('README', () => {
  it('has an example that runs as written', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'a ts code block').to.be.a('string');
    const file = `${root}.readme-example.ts`;
    writeFileSync(file, code!);
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(out).to.contain("name: 'Hello'");
      expect(out).to.contain("title: 'Hello'");
    } finally {
      rmSync(file, { force: true });
    }
  });
});
