import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Bytes read per system call: large enough to amortise the call, small enough to stay in cache. */
export const CHUNK_BYTES = 64 * 1024;

/**
 * Synchronous streaming line reader. Reads the file in 64 KiB chunks, so memory stays constant for
 * traces of any size (the Azure 2024 traces have ~27 M rows). Lines are split on '\n'; a trailing
 * '\r' is removed (CRLF files); a last line without a final newline is still returned; a final
 * newline does not produce an extra empty line. UTF-8 characters split across chunks are decoded
 * correctly. Synchronous because workloads are pull iterators consumed by a synchronous simulator.
 *
 * The file is opened on the first `next()` (constructors have no side effects) and closed at the end
 * of the file or by `close()`.
 */
export class LineReader {
  /** 1-based number of the line last returned by `next()`; 0 before the first. */
  lineNumber = 0;
  private fd: number | undefined;
  private finished = false;
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private pos = 0;

  constructor(readonly path: string) {}

  /** The next line without its terminator, or undefined at the end of the file. */
  next(): string | undefined {
    for (;;) {
      const nl = this.pending.indexOf('\n', this.pos);
      if (nl >= 0) {
        const end = nl > this.pos && this.pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        const line = this.pending.slice(this.pos, end);
        this.pos = nl + 1;
        this.lineNumber++;
        return line;
      }
      if (this.finished) return this.lastLine();
      this.fill();
    }
  }

  /** Releases the file early (e.g. when a consumer stops after N requests). Safe to call twice. */
  close(): void {
    this.closeFile();
    this.pending = '';
    this.pos = 0;
  }

  private closeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.finished = true;
  }

  private lastLine(): string | undefined {
    if (this.pos >= this.pending.length) return undefined;
    let line = this.pending.slice(this.pos);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.pending = '';
    this.pos = 0;
    this.lineNumber++;
    return line;
  }

  private fill(): void {
    if (this.fd === undefined) this.fd = openSync(this.path, 'r');
    const n = readSync(this.fd, this.buf, 0, CHUNK_BYTES, null);
    // Drop consumed text before appending, so `pending` holds at most one partial line plus a chunk.
    const rest = this.pending.slice(this.pos);
    this.pos = 0;
    if (n === 0) {
      this.pending = rest + this.decoder.end();
      this.closeFile();
      return;
    }
    this.pending = rest + this.decoder.write(this.buf.subarray(0, n));
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
