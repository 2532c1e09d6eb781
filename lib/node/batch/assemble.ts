/**
 * Turns a chunk of NDJSON lines and what became of them into the bytes to write: lines kept
 * as they were read (blank lines, a BOM, invalid UTF-8 and CRLF included), rewritten lines
 * ended like the line they replace, and one record per rejected line with its bytes.
 *
 * @since 0.1.0
 */
import type { LineChunk } from './lines.js';
import type { LineResult } from './work.js';

/** A line of a rejected-lines file. */
export interface Rejection {
  /** The line's number in its input (1-based). */
  readonly line: number;
  readonly error: string;
  /** The line as read, when it is valid UTF-8. */
  readonly input?: string;
  /** The line's bytes in base64, when they are not valid UTF-8. */
  readonly inputBase64?: string;
}

/** The output of one chunk. */
export interface AssembledChunk {
  /** The bytes for the output. */
  readonly output: Buffer;
  readonly rejections: Rejection[];
  /** Lines written (`unchanged` of them kept byte for byte) and rejected. */
  readonly written: number;
  readonly unchanged: number;
}

/** Collects bytes as few buffers as possible: strings are joined, then encoded once. */
class Bytes {
  private readonly parts: Buffer[] = [];
  private text = '';
  add(bytes: Buffer | string): void {
    if (typeof bytes === 'string') this.text += bytes;
    else if (bytes.length > 0) {
      this.flushText();
      this.parts.push(bytes);
    }
  }
  private flushText(): void {
    if (this.text !== '') this.parts.push(Buffer.from(this.text));
    this.text = '';
  }
  toBuffer(): Buffer {
    this.flushText();
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}

/**
 * The output bytes and rejections of a chunk, given one result per line of `chunk.lines`.
 * A result equal to its line means the line is kept: its bytes are written as read.
 *
 * @example
 * const { output, rejections } = assembleChunk(chunk, await migrateLines(m, chunk.lines, to))
 */
export const assembleChunk = (chunk: LineChunk, results: readonly LineResult[]): AssembledChunk => {
  const output = new Bytes();
  const rejections: Rejection[] = [];
  let written = 0;
  let unchanged = 0;
  results.forEach((result, i) => {
    const line = chunk.lines[i]!;
    const raw = chunk.raw[i]!;
    output.add(raw.lead);
    if (typeof result === 'string') {
      written++;
      if (result === line) {
        unchanged++;
        output.add(raw.bytes);
      } else {
        output.add(`${result}${raw.eol}`);
      }
      return;
    }
    const number = chunk.numbers[i]!;
    const bytes = raw.bytes.subarray(0, raw.bytes.length - raw.eol.length);
    rejections.push(
      raw.utf8
        ? { line: number, error: result.error, input: line }
        : { line: number, error: result.error, inputBase64: bytes.toString('base64') },
    );
  });
  output.add(chunk.tail);
  return { output: output.toBuffer(), rejections, written, unchanged };
};
