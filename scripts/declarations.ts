/**
 * `npm run build`, after tsc: rewrites the package imports (`#fp/Either.js`, package.json's
 * `imports` map) in the emitted declaration files to the module they stand for in Node
 * (`fp-ts/lib/Either.js`). TypeScript's `node10` resolution reads no `imports` map, and with
 * `skipLibCheck` an import it cannot resolve makes every type that uses it silently `any`; the
 * rewritten declarations resolve under every mode. The JavaScript keeps `#fp/…`, so bundlers
 * still pick fp-ts's ES modules.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Manifest {
  readonly imports?: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
}

/** `#fp/*` → `fp-ts/lib/*`: each package import pattern and its target under Node. */
const patterns = (manifest: Manifest): [prefix: string, target: string][] =>
  Object.entries(manifest.imports ?? {}).map(([key, target]) => {
    const resolved = typeof target === 'string' ? target : (target.node ?? target.default);
    if (resolved === undefined || !key.endsWith('/*') || !resolved.endsWith('/*')) {
      throw new Error(`package.json imports: cannot rewrite '${key}' in declarations`);
    }
    return [key.slice(0, -1), resolved.slice(0, -1)];
  });

/** Every `.d.ts` file under `dir`. */
const declarationFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const rewrites = patterns(manifest);
let changed = 0;
for (const file of ['lib', 'migrations'].flatMap((dir) =>
  declarationFiles(path.join(root, 'dist', dir)),
)) {
  const text = readFileSync(file, 'utf8');
  const rewritten = rewrites.reduce(
    (out, [prefix, target]) =>
      out.replace(
        new RegExp(`(['"])${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g'),
        `$1${target}`,
      ),
    text,
  );
  if (rewritten !== text) {
    writeFileSync(file, rewritten);
    changed += 1;
  }
}
if (process.argv.includes('--verbose')) console.log(`declarations: rewrote ${changed} files`);
