import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ConfigError, InputError } from '../core/errors.js';

/** Bytes read per system call: large enough to amortise the call, small enough to stay in cache. */
export const CHUNK_BYTES = 64 * 1024;

/** Longest line accepted, in characters (16 Mi): a longer line is an InputError, not a slow read. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Synchronous streaming line reader. Reads the file in 64 KiB chunks, so memory stays constant for
 * traces of any size (the Azure 2024 traces have ~27 M rows). Lines are split on '\n'; a trailing
 * '\r' is removed (CRLF files); a UTF-8 byte-order mark at the start of the file is removed; a last
 * line without a final newline is still returned; a final newline does not produce an extra empty
 * line. UTF-8 characters split across chunks are decoded correctly. Synchronous because workloads
 * are pull iterators consumed by a synchronous simulator.
 *
 * Each chunk is scanned once: a line that spans chunks is kept as a list of pieces and joined when
 * its newline arrives, so a long line costs time linear in its length. A line longer than
 * `maxLineChars` is an InputError naming the file and line.
 *
 * The file is opened on the first `next()` (constructors have no side effects) and closed at the end
 * of the file or by `close()`. A file that cannot be opened or read is a ConfigError naming it.
 */
export class LineReader {
  /** 1-based number of the line last returned by `next()`; 0 before the first. */
  lineNumber = 0;
  private fd: number | undefined;
  private finished = false;
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private readonly decoder = new StringDecoder('utf8');
  /** Decoded text of the current chunk, and where the unread part starts. */
  private pending = '';
  private pos = 0;
  /** Pieces of a line that started in earlier chunks, and their total length. */
  private readonly parts: string[] = [];
  private partsLength = 0;

  constructor(
    readonly path: string,
    readonly maxLineChars = MAX_LINE_CHARS,
  ) {}

  /** The next line without its terminator, or undefined at the end of the file. */
  next(): string | undefined {
    for (;;) {
      const nl = this.pending.indexOf('\n', this.pos);
      if (nl >= 0) {
        let line = this.pending.slice(this.pos, nl);
        this.pos = nl + 1;
        if (this.parts.length > 0) line = this.takeParts() + line;
        return this.emit(line);
      }
      if (this.pos < this.pending.length) this.keepPart(this.pending.slice(this.pos));
      this.pending = '';
      this.pos = 0;
      if (this.finished) return this.parts.length > 0 ? this.emit(this.takeParts()) : undefined;
      this.fill();
    }
  }

  /** Releases the file early (e.g. when a consumer stops after N requests). Safe to call twice. */
  close(): void {
    this.closeFile();
    this.pending = '';
    this.pos = 0;
    this.parts.length = 0;
    this.partsLength = 0;
  }

  private emit(text: string): string {
    let line = text;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    this.lineNumber++;
    if (line.length > this.maxLineChars) this.tooLong();
    if (this.lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    return line;
  }

  private keepPart(piece: string): void {
    this.parts.push(piece);
    this.partsLength += piece.length;
    // +1: a trailing '\r' of a CRLF line end is not part of the line.
    if (this.partsLength > this.maxLineChars + 1) {
      this.lineNumber++;
      this.tooLong();
    }
  }

  private takeParts(): string {
    const s = this.parts.join('');
    this.parts.length = 0;
    this.partsLength = 0;
    return s;
  }

  private tooLong(): never {
    const line = this.lineNumber;
    this.close();
    throw new InputError(this.path, line, '(line)', `longer than ${this.maxLineChars} characters; is this a trace file?`);
  }

  private closeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.finished = true;
  }

  private fill(): void {
    let n: number;
    try {
      if (this.fd === undefined) this.fd = openSync(this.path, 'r');
      n = readSync(this.fd, this.buf, 0, CHUNK_BYTES, null);
    } catch (e) {
      this.close();
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new ConfigError(`cannot read '${this.path}': ${code}`);
    }
    if (n === 0) {
      this.pending = this.decoder.end();
      this.closeFile();
      return;
    }
    this.pending = this.decoder.write(this.buf.subarray(0, n));
  }
}

/** Convenience generator over a file's lines as `[lineNumber, text]` (1-based). */
export function* readLines(path: string): Generator<[number, string], void, undefined> {
  const reader = new LineReader(path);
  try {
    for (let line = reader.next(); line !== undefined; line = reader.next()) yield [reader.lineNumber, line];
  } finally {
    reader.close();
  }
}
