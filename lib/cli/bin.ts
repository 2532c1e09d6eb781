#!/usr/bin/env node
/**
 * The `migraph` executable (see `lib/cli/main.ts`).
 *
 * @since 0.1.0
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
