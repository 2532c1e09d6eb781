// What the Chromium specs share: where Chromium is, how it is started headless (as root
// too), page bundles built in memory by esbuild, and a loopback server for them.
import { build, type BuildOptions } from 'esbuild';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './cli.js';

/** Debian's Chromium, which `.ci/run` installs (or `MIGRAPH_CHROMIUM`). */
export const CHROMIUM = process.env.MIGRAPH_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Skips the calling suite (pending, not failed) on a machine without Chromium; `.ci/run`
 * installs it, so CI runs every browser spec.
 */
export const requireChromium = (suite: Mocha.Context, what: string): void => {
  if (existsSync(CHROMIUM)) return;
  console.warn(`    (no Chromium at ${CHROMIUM}: ${what} are pending)`);
  suite.skip();
};

/** Headless Chromium with no sandbox (the specs run as root) and no background traffic. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** The text of a browser ESM bundle of `entry` (a path inside the repository). */
export const bundle = async (
  entry: string,
  options: Pick<BuildOptions, 'define' | 'minify'> = {},
): Promise<string> => {
  const built = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    absWorkingDir: repoRoot,
    ...options,
  });
  return built.outputFiles[0]!.text;
};

/** Files by path: `[content type, body]`. */
export type Files = Readonly<Record<string, readonly [string, string]>>;

/** Serves `files` on a loopback port (the query string is ignored); 404 for anything else. */
export const serve = async (files: Files): Promise<{ server: Server; origin: string }> => {
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    response.writeHead(file ? 200 : 404, { 'content-type': file?.[0] ?? 'text/plain' });
    response.end(file?.[1] ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};
