/**
 * `migrateJsonFile`: a JSON file holding one state, or an array of states, migrated as a
 * whole. Nothing is altered silently: a file whose states are all already at the target keeps
 * its bytes (invalid UTF-8 and all); a file that cannot be written back without loss (bytes
 * that are not UTF-8, a number JavaScript cannot hold exactly, an output JSON cannot express)
 * is not written, and neither is a file with a failing state. A leading BOM is accepted and
 * kept. The output is written atomically; an in-place rewrite leaves an unchanged file alone.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { describeCause } from '../../core/describe-cause.js';
import {
  duplicateKeyIn,
  inexactNumber,
  keyCount,
  stringifyExactly,
} from '../../core/json-exact.js';
import type { Migrator } from '../../core/migrator.js';
import { resolveTargetVersion } from '../../core/version-field.js';
import { writeFileAtomic } from '../files.js';
import { realOrResolved } from './file.js';
import { FileMigrationError } from './ndjson.js';
import { checkOptions, type OptionRules } from '../../core/options.js';

/** Options of {@link migrateJson} and {@link migrateJsonFile}. */
export interface MigrateJsonOptions {
  readonly migrator: Migrator;
  /** Target version. Default: the migrator's current version. */
  readonly to?: string;
}

/**
 * What became of one state of a JSON document: migrated, already at the target (or newer and
 * kept), or failed with the error's description. `input` is the state as parsed (the
 * migration does not change it), `output` the state written.
 */
export type JsonStateResult =
  | { readonly kind: 'migrated' | 'unchanged'; readonly input: unknown; readonly output: unknown }
  | { readonly kind: 'failed'; readonly input: unknown; readonly error: string };

/** The outcome of {@link migrateJson}. */
export interface JsonReport {
  /** True when the document is an array of states, each migrated; false for one state. */
  readonly many: boolean;
  /** One result per state, in order (none when the document is not JSON). */
  readonly states: readonly JsonStateResult[];
  readonly migrated: number;
  readonly unchanged: number;
  /** States that failed. */
  readonly failed: number;
  /** Whether any state was migrated (the bytes differ from the input's). */
  readonly changed: boolean;
  /**
   * The migrated document: the input's own bytes when nothing changed, else the states as
   * JSON indented by two spaces (a leading BOM kept). Undefined when a state failed or when
   * `problem` says the document cannot be written.
   */
  readonly data: Uint8Array | undefined;
  /**
   * Why the document as a whole fails: `not valid JSON: …`, or `not written: …` when it
   * cannot be written back without loss. Undefined otherwise (failing states are in `states`).
   */
  readonly problem: string | undefined;
}

/** The outcome of {@link migrateJsonFile}. */
export interface JsonFileReport extends JsonReport {
  readonly input: string;
  /** The file written, or undefined when nothing was (no output, a failure, in place and unchanged). */
  readonly output: string | undefined;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Why migrated text cannot replace `bytes` without loss, or undefined when it can. */
const lossOf = (bytes: Uint8Array, text: string, parsed: unknown): string | undefined => {
  if (!isUtf8(bytes)) return 'it is not valid UTF-8: rewriting it would replace its invalid bytes';
  const inexact = inexactNumber(text);
  if (inexact !== undefined) {
    return `the number ${inexact.literal} cannot be carried exactly (${inexact.why})`;
  }
  const twice = duplicateKeyIn(text, keyCount(parsed));
  return (
    twice &&
    `the key ${JSON.stringify(twice)} appears twice in one object: rewriting it would drop one of its values`
  );
};

/** The options of {@link migrateJson} and {@link migrateJsonFile}. */
const JSON_OPTIONS: OptionRules = { migrator: 'any', to: 'any' };

/**
 * Migrates a JSON document (one state, or an array of states; async steps included) held in
 * `bytes`. Every state is tried; the migrated document is given only when all of them
 * migrate and it can be written back without loss: the input's own bytes when every state was
 * already at the target. A `Left` only for bad options (no target version, a bad one).
 *
 * @example
 * const report = await migrateJson(readFileSync('state.json'), { migrator: m, to: '2.0.0' })
 * // Right({ many: false, migrated: 1, data: <bytes>, problem: undefined, … })
 * @since 0.1.0
 */
export const migrateJson = async (
  bytes: Uint8Array,
  options: MigrateJsonOptions,
): Promise<E.Either<FileMigrationError, JsonReport>> => {
  checkOptions('migrateJson()', options, JSON_OPTIONS);
  const { migrator } = options;
  const to = resolveTargetVersion(migrator, options.to);
  if (E.isLeft(to)) return E.left(new FileMigrationError(to.left.message, { reason: 'options' }));
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = buffer.subarray(0, 3).equals(BOM);
  const text = buffer.subarray(bom ? 3 : 0).toString('utf8');
  const empty = { many: false, states: [], migrated: 0, unchanged: 0, failed: 0, changed: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return E.right({
      ...empty,
      data: undefined,
      problem: `not valid JSON: ${describeCause(cause)}`,
    });
  }
  const many = Array.isArray(parsed);
  const inputs: unknown[] = many ? (parsed as unknown[]) : [parsed];
  const states: JsonStateResult[] = [];
  for (const input of inputs) {
    const result = await migrator.migrateReportAsync(input, to.right);
    states.push(
      E.isLeft(result)
        ? { kind: 'failed', input, error: describeCause(result.left) }
        : {
            kind: result.right.outcome === 'migrated' ? 'migrated' : 'unchanged',
            input,
            output: result.right.state,
          },
    );
  }
  const count = (kind: JsonStateResult['kind']) => states.filter((s) => s.kind === kind).length;
  const report = {
    many,
    states,
    migrated: count('migrated'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    changed: states.some((s) => s.kind === 'migrated'),
  };
  if (report.failed > 0) return E.right({ ...report, data: undefined, problem: undefined });
  if (!report.changed) return E.right({ ...report, data: bytes, problem: undefined });
  const outputs = states.map((s) => (s.kind === 'failed' ? undefined : s.output));
  const loss = lossOf(bytes, text, parsed);
  const json = loss === undefined ? stringifyExactly(many ? outputs : outputs[0], 2) : undefined;
  if (json === undefined || E.isLeft(json)) {
    const why = loss ?? (json as E.Left<string>).left;
    return E.right({ ...report, data: undefined, problem: `not written: ${why}` });
  }
  const data = Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(`${json.right}\n`)]);
  return E.right({ ...report, data, problem: undefined });
};

/**
 * Migrates the JSON file `input` (one state, or an array of states) and, when every state
 * migrates and the result can be written back without loss, writes it to `output` atomically
 * (a symlink is written through; a file replaced keeps its mode and owner). With `output` the
 * input itself, an unchanged file is not rewritten; without `output` nothing is written and the
 * bytes are in the report's `data`. Failing states and a document that cannot be written are in
 * the report; a `Left` for bad options or a file that cannot be read or written.
 *
 * @example
 * await migrateJsonFile('state.json', 'state.json', { migrator: m }) // in place
 * // Right({ migrated: 1, output: 'state.json', … })
 * @since 0.1.0
 */
export const migrateJsonFile = async (
  input: string,
  output: string | undefined,
  options: MigrateJsonOptions,
): Promise<E.Either<FileMigrationError, JsonFileReport>> => {
  checkOptions('migrateJsonFile()', options, JSON_OPTIONS);
  const fail = (cause: unknown) =>
    E.left(
      new FileMigrationError(`Migrating ${input} failed: ${describeCause(cause)}`, {
        reason: 'io',
        cause,
      }),
    );
  let bytes: Buffer;
  try {
    bytes = await readFile(input);
  } catch (cause) {
    return fail(cause);
  }
  const migrated = await migrateJson(bytes, options);
  if (E.isLeft(migrated)) return migrated;
  const report = migrated.right;
  const inPlace = output !== undefined && realOrResolved(output) === realOrResolved(input);
  if (output === undefined || report.data === undefined || (inPlace && !report.changed)) {
    return E.right({ ...report, input, output: undefined });
  }
  try {
    await writeFileAtomic(output, report.data);
  } catch (cause) {
    return fail(cause);
  }
  return E.right({ ...report, input, output });
};
