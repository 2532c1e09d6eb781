/**
 * Reads a file as lines, from a byte offset, knowing where each line ends: what file
 * migration needs to record progress and resume exactly where it stopped. Reads are pulled
 * on demand, so a slow consumer holds the reader back (backpressure).
 *
 * @since 0.1.0
 */
import { open } from 'node:fs/promises';

/** Consecutive non-empty lines of a file. */
export interface LineChunk {
  /** The lines, without line terminators (`\n` or `\r\n`). */
  readonly lines: string[];
  /** 1-based line number of each line in the file (blank lines are skipped but counted). */
  readonly numbers: number[];
  /** Byte offset just after the chunk's last line terminator (where to resume). */
  readonly end: number;
  /** Line number of the last line the chunk covers (blank lines included). */
  readonly lastLine: number;
}

/** Options of {@link readLineChunks}. */
export interface ReadLinesOptions {
  /** Byte offset to start at (the start of a line). Default 0. */
  readonly offset?: number;
  /** Number of the line at `offset`, minus one. Default 0. */
  readonly linesBefore?: number;
  /** Most lines per chunk. Default 500. */
  readonly chunkLines?: number;
  /** Read buffer size in bytes. Default 64 KiB. */
  readonly bufferSize?: number;
}

const NEWLINE = 0x0a;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Yields chunks of non-empty lines of `file`, each with the byte offset after it. A last line
 * without a terminator is yielded at the end of the file.
 *
 * @example
 * for await (const chunk of readLineChunks('states.ndjson', { chunkLines: 1000 })) …
 */
export async function* readLineChunks(
  file: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineChunk> {
  const chunkLines = Math.max(1, options.chunkLines ?? 500);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(options.bufferSize ?? 64 * 1024);
    let position = options.offset ?? 0;
    let lineNumber = options.linesBefore ?? 0;
    let carry: Buffer[] = [];
    let carryLength = 0;
    let chunk: Mutable<LineChunk> = { lines: [], numbers: [], end: position, lastLine: lineNumber };
    let yieldedUpTo = position;
    const take = (bytes: Buffer, end: number) => {
      lineNumber++;
      let text = bytes.toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.trim() !== '') {
        chunk.lines.push(text);
        chunk.numbers.push(lineNumber);
      }
      chunk.end = end;
      chunk.lastLine = lineNumber;
    };
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      let start = 0;
      for (
        let i = buffer.indexOf(NEWLINE, 0);
        i !== -1 && i < bytesRead;
        i = buffer.indexOf(NEWLINE, i + 1)
      ) {
        const piece = buffer.subarray(start, i);
        const line = carryLength === 0 ? piece : Buffer.concat([...carry, piece]);
        carry = [];
        carryLength = 0;
        take(line, position + i + 1);
        start = i + 1;
        if (chunk.lines.length >= chunkLines) {
          yieldedUpTo = chunk.end;
          yield chunk;
          chunk = { lines: [], numbers: [], end: chunk.end, lastLine: chunk.lastLine };
        }
      }
      if (start < bytesRead) {
        carry.push(Buffer.from(buffer.subarray(start, bytesRead)));
        carryLength += bytesRead - start;
      }
      position += bytesRead;
    }
    if (carryLength > 0) take(Buffer.concat(carry), position);
    if (chunk.lines.length > 0 || chunk.end > yieldedUpTo) yield chunk;
  } finally {
    await handle.close();
  }
}
