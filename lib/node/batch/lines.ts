/**
 * Reads a file (or a stream) as lines, from a byte offset, knowing where each line ends and
 * what its bytes were: what file migration needs to record progress, resume exactly where it
 * stopped, and write a line it does not change back byte for byte (invalid UTF-8, CRLF, a
 * BOM and blank lines included). Reads are pulled on demand, so a slow consumer holds the
 * reader back (backpressure).
 *
 * @since 0.1.0
 */
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';

/** The bytes of one non-blank line as read. */
export interface LineBytes {
  /** What comes before the line since the previous one: blank lines, a leading BOM. */
  readonly lead: Buffer;
  /** The line itself with its terminator (`\n`, `\r\n`, or none at the end of the input). */
  readonly bytes: Buffer;
  /** The line's terminator, to end a rewritten line the same way. */
  readonly eol: '' | '\n' | '\r\n';
  /** False when the bytes are not valid UTF-8: the line's text then has U+FFFD in their place. */
  readonly utf8: boolean;
}

/** Consecutive non-empty lines of a file. */
export interface LineChunk {
  /** The lines, decoded, without line terminators or a leading BOM. */
  readonly lines: string[];
  /** 1-based line number of each line in the file (blank lines are skipped but counted). */
  readonly numbers: number[];
  /** Byte offset just after the chunk's last line terminator (where to resume). */
  readonly end: number;
  /** Line number of the last line the chunk covers (blank lines included). */
  readonly lastLine: number;
  /** The bytes of each line of `lines`, as read. */
  readonly raw: LineBytes[];
  /** Blank lines after the chunk's last non-blank line. `raw` and `tail` together are every byte the chunk covers. */
  readonly tail: Buffer;
}

/**
 * Every byte a chunk covers (its lines' leads and bytes, then its tail), in order, as few
 * buffers as possible: lines read from one buffer are views of it side by side, and are given
 * as one view. What hashing a chunk needs: one call per read instead of two per line.
 *
 * @example
 * for (const bytes of coveredBytes(chunk)) hash.update(bytes)
 */
export const coveredBytes = (chunk: LineChunk): Buffer[] => {
  const out: Buffer[] = [];
  /** The run of side-by-side views being joined: its first view, and its length so far. */
  let first: Buffer | undefined;
  let length = 0;
  const flush = () => {
    if (first === undefined) return;
    out.push(length === first.length ? first : Buffer.from(first.buffer, first.byteOffset, length));
  };
  const add = (bytes: Buffer) => {
    if (bytes.length === 0) return;
    if (
      first !== undefined &&
      bytes.buffer === first.buffer &&
      bytes.byteOffset === first.byteOffset + length
    ) {
      length += bytes.length;
    } else {
      flush();
      first = bytes;
      length = bytes.length;
    }
  };
  for (const raw of chunk.raw) {
    add(raw.lead);
    add(raw.bytes);
  }
  add(chunk.tail);
  flush();
  return out;
};

/** Options of {@link readLineChunks}. */
export interface ReadLinesOptions {
  /** Byte offset to start at (the start of a line). Default 0. */
  readonly offset?: number;
  /** Number of the line at `offset`, minus one. Default 0. */
  readonly linesBefore?: number;
  /** Most lines per chunk. Default 500. */
  readonly chunkLines?: number;
  /** Read buffer size in bytes. Default 1 MiB (fewer reads, each under way while lines are migrated). */
  readonly bufferSize?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Whitespace only (what `String.prototype.trim` removes), so not a state. */
const isBlank = (text: string): boolean => text.trim() === '';

/**
 * The reads of a file from `offset`, each in a buffer of its own (lines point into them). The
 * next read is under way while the caller works on the current one, so the file is read
 * while lines are migrated rather than between chunks.
 */
async function* readsOf(file: string, offset: number, size: number): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  const readAt = (position: number): Promise<Buffer> => {
    const buffer = Buffer.allocUnsafe(size);
    const read = handle
      .read(buffer, 0, size, position)
      .then((r) => buffer.subarray(0, r.bytesRead));
    // Awaited below, or in `finally` when the caller stops early: never an unhandled rejection.
    read.catch(() => undefined);
    return read;
  };
  let next = readAt(offset);
  try {
    let position = offset;
    for (;;) {
      const bytes = await next;
      if (bytes.length === 0) return;
      position += bytes.length;
      next = readAt(position);
      yield bytes;
    }
  } finally {
    // The handle closes only once no read is in flight on it.
    await next.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Splits a stream of bytes into chunks of non-empty lines, each with the byte offset after
 * it. A last line without a terminator is yielded at the end.
 *
 * @example
 * for await (const chunk of splitLineChunks(process.stdin, { chunkLines: 256 })) …
 */
export async function* splitLineChunks(
  reads: AsyncIterable<Buffer | string>,
  options: Omit<ReadLinesOptions, 'bufferSize'> = {},
): AsyncGenerator<LineChunk> {
  const chunkLines = Math.max(1, options.chunkLines ?? 500);
  let position = options.offset ?? 0;
  let lineNumber = options.linesBefore ?? 0;
  const fresh = (): Mutable<LineChunk> => ({
    lines: [],
    numbers: [],
    end: position,
    lastLine: lineNumber,
    raw: [],
    tail: EMPTY,
  });
  let carry: Buffer[] = [];
  let chunk = fresh();
  let yieldedUpTo = position;
  /** Blank lines (and a BOM) waiting for the next non-blank line. */
  let lead: Buffer[] = [];
  const take = (bytes: Buffer, end: number) => {
    lineNumber++;
    let body = bytes;
    if (lineNumber === 1 && body.subarray(0, 3).equals(BOM)) {
      lead.push(BOM);
      body = body.subarray(3);
    }
    const eolLength = body.at(-1) === NEWLINE ? (body.length > 1 && body.at(-2) === CR ? 2 : 1) : 0;
    const content = body.subarray(0, body.length - eolLength);
    const text = content.toString('utf8');
    if (isBlank(text)) {
      lead.push(body);
    } else {
      chunk.lines.push(text);
      chunk.numbers.push(lineNumber);
      chunk.raw.push({
        lead: lead.length === 0 ? EMPTY : Buffer.concat(lead),
        bytes: body,
        eol: eolLength === 2 ? '\r\n' : eolLength === 1 ? '\n' : '',
        utf8: isUtf8(content),
      });
      lead = [];
    }
    chunk.end = end;
    chunk.lastLine = lineNumber;
  };
  const flush = (): LineChunk => {
    const done = { ...chunk, tail: lead.length === 0 ? EMPTY : Buffer.concat(lead) };
    lead = [];
    yieldedUpTo = done.end;
    chunk = { ...fresh(), end: done.end, lastLine: done.lastLine };
    return done;
  };
  for await (const read of reads) {
    const buffer = typeof read === 'string' ? Buffer.from(read) : read;
    let start = 0;
    for (let i = buffer.indexOf(NEWLINE); i !== -1; i = buffer.indexOf(NEWLINE, i + 1)) {
      const piece = buffer.subarray(start, i + 1);
      const line = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
      carry = [];
      take(line, position + i + 1);
      start = i + 1;
      if (chunk.lines.length >= chunkLines) yield flush();
    }
    if (start < buffer.length) carry.push(buffer.subarray(start));
    position += buffer.length;
  }
  if (carry.length > 0) take(Buffer.concat(carry), position);
  if (chunk.lines.length > 0 || chunk.end > yieldedUpTo) yield flush();
}

/**
 * Yields chunks of non-empty lines of `file`, each with the byte offset after it. A last line
 * without a terminator is yielded at the end of the file.
 *
 * @example
 * for await (const chunk of readLineChunks('states.ndjson', { chunkLines: 1000 })) console.log(chunk.lines.length)
 */
export async function* readLineChunks(
  file: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineChunk> {
  const offset = options.offset ?? 0;
  yield* splitLineChunks(readsOf(file, offset, options.bufferSize ?? 1024 * 1024), options);
}
