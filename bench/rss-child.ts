/**
 * Run by `npm run bench` in a fresh process: migrates one NDJSON file and prints the peak
 * resident set size, so that inputs of different sizes can be compared.
 * Usage: node dist/bench/rss-child.js <input> <output> <migrations dir> <threads>
 */
import * as E from 'fp-ts/lib/Either.js';
import { migrateFile } from '../lib/index.js';
import { peakRssKiB } from './peak-rss.js';

const [input, output, dir, threads] = process.argv.slice(2) as [string, string, string, string];
const started = performance.now();
const result = await migrateFile(input, output, { project: { dir }, threads: Number(threads) });
if (E.isLeft(result)) throw result.left;
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ lines: result.right.lines, ms, maxRssKiB: peakRssKiB() })}\n`,
);
