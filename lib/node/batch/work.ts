/**
 * The unit of batch work, the same in the main thread and in worker threads: a list of
 * NDJSON lines or of states, migrated one by one, each failure kept as a value.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js';
import { describeCause, serializeError, type SerializedError } from '../../core/errors.js';
import type { Migrator } from '../../core/migrator.js';

/** What became of one NDJSON line: the output line, or why it was rejected. */
export type LineResult = string | { readonly error: string };

/** What became of one state: the migrated state, or the error as plain data. */
export type StateResult =
  | { readonly ok: true; readonly state: unknown }
  | { readonly ok: false; readonly error: SerializedError };

/**
 * Migrates NDJSON lines. A state already at `to` keeps its line byte for byte; a line that is
 * not JSON, or whose state fails, gives `{ error }`.
 */
export const migrateLines = (m: Migrator, lines: readonly string[], to: string): LineResult[] =>
  lines.map((line) => {
    let input: unknown;
    try {
      input = JSON.parse(line);
    } catch (cause) {
      return { error: `not valid JSON: ${describeCause(cause)}` };
    }
    const result = m.migrate(input, to);
    if (E.isLeft(result)) return { error: result.left.message };
    return result.right === input ? line : JSON.stringify(result.right);
  });

/** Migrates states, keeping each failure as serialisable data. */
export const migrateStates = (m: Migrator, states: readonly unknown[], to: string): StateResult[] =>
  states.map((state) => {
    const result = m.migrate(state, to);
    return E.isLeft(result)
      ? { ok: false, error: serializeError(result.left) }
      : { ok: true, state: result.right };
  });
