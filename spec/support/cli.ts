// Runs the built `migraph` binary on temporary projects.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = path.join(repoRoot, 'dist', 'lib', 'cli', 'bin.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns the built binary with `args` in `cwd`, as a user's shell would. */
export const runCli = (args: readonly string[], cwd: string, input?: string): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(input ?? '');
  });

/**
 * A temporary project: `node_modules` with the packages migration scripts import (and
 * `migraph` itself, pointing at this repository), and a `migrations` directory of `files`.
 */
export const makeProject = (
  files: Readonly<Record<string, string>>,
  type: 'module' | 'commonjs' = 'module',
): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'migraph-cli-'));
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of ['io-ts', 'fp-ts', 'fast-check']) {
    symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(modules, name), 'dir');
  }
  symlinkSync(repoRoot, path.join(modules, 'migraph'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), `{ "name": "app", "type": "${type}" }\n`);
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(dir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return dir;
};
