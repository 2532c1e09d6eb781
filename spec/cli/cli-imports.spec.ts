// The lint rule `cli-imports-public-entries` (.dependency-cruiser.cjs): lib/cli reaches the
// library only through the entries package.json exports.
import { expect } from 'chai';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/cli.js';

const require = createRequire(import.meta.url);
const config = require(path.join(repoRoot, '.dependency-cruiser.cjs')) as {
  forbidden: IForbiddenRuleType[];
};
const rule = config.forbidden.find((r) => r.name === 'cli-imports-public-entries')!;

/** The violations of the rule among the files under `lib` of `baseDir`, as [from, to]. */
const violations = async (baseDir: string): Promise<[string, string][]> => {
  const tsConfig = extractTSConfig(path.join(baseDir, 'tsconfig.json'));
  const result = await cruise(
    ['lib'],
    { baseDir, ruleSet: { forbidden: [rule] }, validate: true, tsPreCompilationDeps: true },
    {},
    { tsConfig },
  );
  return (result.output as ICruiseResult).summary.violations.map((v) => [v.from, v.to]);
};

describe('lint rule: the CLI imports only public entries', function () {
  this.timeout(60_000);

  it('flags a CLI file importing a module behind an entry, not one importing the entry', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migraph-cruise-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({
          compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' },
        }),
        'lib/core/migrator.ts': 'export const m = 1;\n',
        'lib/core/index.ts': "export { m } from './migrator.js';\n",
        'lib/node/index.ts': 'export const n = 1;\n',
        'lib/cli/help.ts': 'export const h = 1;\n',
        'lib/cli/good.ts':
          "import { m } from '../core/index.js';\nimport { n } from '../node/index.js';\nimport { h } from './help.js';\nexport const g = m + n + h;\n",
        'lib/cli/bad.ts': "import { m } from '../core/migrator.js';\nexport const b = m;\n",
      };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      }
      expect(await violations(dir)).to.deep.equal([['lib/cli/bad.ts', 'lib/core/migrator.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds for lib/cli', async () => {
    expect(await violations(repoRoot)).to.deep.equal([]);
  });
});
