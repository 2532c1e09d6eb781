/**
 * The unit of batch work, the same in the main thread and in worker threads: a list of
 * NDJSON lines or of states, migrated one by one, each failure kept as a value.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { serializeError, type SerializedError } from '../../core/errors.js';
import { describeCause } from '../../core/describe-cause.js';
import type { MigrateReport, Migrator } from '../../core/migrator.js';
import type { Version } from '../../core/version.js';
import {
  duplicateKeyIn,
  inexactNumber,
  keyCount,
  stringifyExactly,
} from '../../core/json-exact.js';

/**
 * What became of one NDJSON line: the output line (the input line itself when the state was
 * already at the target: its bytes are kept), or why it was rejected.
 */
export type LineResult = string | { readonly error: string };

/** What became of one state: the migrated state, or the error as plain data. */
export type StateResult =
  | { readonly ok: true; readonly state: unknown }
  | { readonly ok: false; readonly error: SerializedError };

/** Options of {@link migrateLines}. */
export interface MigrateLinesOptions {
  /**
   * Indices of lines whose bytes were not valid UTF-8 (their text holds U+FFFD instead): such
   * a line is kept when its state is already at the target, and rejected when it would have
   * to be rewritten.
   */
  readonly invalidUtf8?: readonly number[];
}

/** Error messages stay this short, whatever the data they quote. */
const MAX_MESSAGE = 1_000;

const cap = (message: string): string =>
  message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;

/** Parses a line, BOM and all; the text of its error when it is no JSON. */
const parseLine = (line: string): { value: unknown } | { error: string } => {
  try {
    return { value: JSON.parse(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line) as unknown };
  } catch (cause) {
    return { error: cap(`not valid JSON: ${describeCause(cause)}`) };
  }
};

type Migrated = E.Either<unknown, MigrateReport<unknown>>;

/**
 * A line's state was just parsed for this run (`consume`), and its result is only written
 * out as text (`readOnly`). Frozen: the migrator checks it once, not per line.
 */
const LINE_CALL = Object.freeze({ consume: true, readOnly: true });

/**
 * Migrates one parsed line. The state was just parsed and the line's text is kept, so the
 * run consumes it (no copy). Synchronous until a step returns a promise, and from there on
 * the run goes on from that promise: no step runs twice, and a line of synchronous steps
 * costs no promise.
 */
const migrateParsed = (m: Migrator, input: unknown, to: Version): Migrated | Promise<Migrated> => {
  try {
    return m.migrateReportSyncFirst(input, to, LINE_CALL);
  } catch (cause) {
    return E.left(new Error(describeCause(cause)));
  }
};

/** The output line of a migrated state, or why it cannot be written without loss. */
const lineOf = (line: string, keys: number, result: Migrated, invalidUtf8: boolean): LineResult => {
  if (E.isLeft(result)) return { error: cap(describeCause(result.left)) };
  // Already at the target, or newer and kept: its bytes are kept.
  if (result.right.outcome !== 'migrated') return line;
  if (invalidUtf8) {
    return {
      error:
        'the line is not valid UTF-8: rewriting it would replace its invalid bytes (its bytes are kept here)',
    };
  }
  const inexact = inexactNumber(line);
  if (inexact !== undefined) {
    return {
      error: cap(
        `the number ${inexact.literal} cannot be carried exactly (${inexact.why}); the line is kept here unchanged`,
      ),
    };
  }
  // JSON.parse kept the last of a key that appears twice: writing the line back would drop
  // the other value (a line left as it is keeps its bytes, so only rewritten lines pay this).
  const twice = duplicateKeyIn(line, keys);
  if (twice !== undefined) {
    return {
      error: cap(
        `the key ${JSON.stringify(twice)} appears twice in one object: rewriting the line would drop one of its values; the line is kept here unchanged`,
      ),
    };
  }
  const text = stringifyExactly(result.right.state);
  return E.isRight(text) ? text.right : { error: cap(text.left) };
};

const migrateLine = (
  m: Migrator,
  line: string,
  to: Version,
  invalidUtf8: boolean,
): LineResult | Promise<LineResult> => {
  const parsed = parseLine(line);
  if ('error' in parsed) return parsed;
  // Counted before the run, which may change the parsed state (it consumes it).
  const keys = keyCount(parsed.value);
  const result = migrateParsed(m, parsed.value, to);
  return result instanceof Promise
    ? result.then(
        (settled) => lineOf(line, keys, settled, invalidUtf8),
        (cause: unknown) => ({ error: cap(describeCause(cause)) }),
      )
    : lineOf(line, keys, result, invalidUtf8);
};

/**
 * Migrates NDJSON lines (async steps included). A state already at `to` keeps its line byte
 * for byte; a line that is not JSON, whose state fails, or that cannot be written back
 * without loss (a number JavaScript cannot hold exactly, invalid UTF-8, an output JSON cannot
 * express) gives `{ error }`. Never rejects.
 *
 * @example
 * await migrateLines(m, ['{"state_version":"1.0.0"}'], '2.0.0') // ['{"state_version":"2.0.0",…}']
 */
export const migrateLines = async (
  m: Migrator,
  lines: readonly string[],
  to: string,
  options: MigrateLinesOptions = {},
): Promise<LineResult[]> => {
  const invalid = new Set(options.invalidUtf8 ?? []);
  const results: LineResult[] = [];
  for (let i = 0; i < lines.length; i++) {
    const result = migrateLine(m, lines[i]!, to, invalid.has(i));
    results.push(result instanceof Promise ? await result : result);
  }
  return results;
};

/** Migrates states (async steps included), keeping each failure as serialisable data. */
export const migrateStates = async (
  m: Migrator,
  states: readonly unknown[],
  to: string,
): Promise<StateResult[]> => {
  const results: StateResult[] = [];
  for (const state of states) {
    const result = await m.migrateAsync(state, to);
    results.push(
      E.isLeft(result)
        ? { ok: false, error: serializeError(result.left) }
        : { ok: true, state: result.right },
    );
  }
  return results;
};
