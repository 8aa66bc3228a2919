import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../../core/errors.js';
import type { LineSource } from '../traceReader.js';

const CHUNK = 64 * 1024;

/**
 * Streams the elements of one array inside a JSON document without reading the document whole:
 * the top-level array (`key` undefined: ShareGPT files), or the array under a top-level object's
 * `key` (a vLLM result's `input_lens`). Each `next()` returns one element's JSON text; memory holds
 * one element plus a 64 KiB chunk, so a file of any size streams. `lineNumber` is the line where
 * the element starts (errors name it). Other top-level values are skipped by a string-aware scan.
 * Malformed structure is an InputError naming the file and line.
 */
export class JsonArraySource implements LineSource {
  lineNumber = 0;
  /** 0-based index of the element last returned. */
  index = -1;
  private fd: number | undefined;
  private eof = false;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private pos = 0;
  private line = 1;
  private state: 'start' | 'first' | 'more' | 'done' = 'start';

  constructor(
    readonly path: string,
    readonly key?: string,
  ) {}

  next(): string | undefined {
    if (this.state === 'done') return undefined;
    if (this.state === 'start') {
      if (!this.enterArray()) {
        this.state = 'done';
        return undefined;
      }
      this.state = 'first';
    }
    this.skipWs();
    let c = this.peek();
    if (this.state === 'more') {
      if (c === ',') {
        this.pos++;
        this.skipWs();
        c = this.peek();
      } else if (c !== ']') this.fail(`expected ',' or ']' after element ${this.index}, got ${show(c)}`);
    }
    if (c === ']') {
      this.state = 'done';
      this.close();
      return undefined;
    }
    if (c === '') this.fail('the document ends inside the array');
    this.compact();
    const start = this.pos;
    const startLine = this.line;
    const end = this.valueEnd(start);
    const element = this.text.slice(start, end);
    this.advance(end);
    this.state = 'more';
    this.index++;
    this.lineNumber = startLine;
    return element;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.eof = true;
  }

  /** Positions after the '[' of the wanted array; false when the object has no such key. */
  private enterArray(): boolean {
    this.skipWs();
    if (this.peek() === '\uFEFF') {
      this.pos++;
      this.skipWs();
    }
    if (this.key === undefined) {
      if (this.peek() !== '[') this.fail(`expected a JSON array, got ${show(this.peek())}`);
      this.pos++;
      return true;
    }
    if (this.peek() !== '{') this.fail(`expected a JSON object, got ${show(this.peek())}`);
    this.pos++;
    for (;;) {
      this.skipWs();
      let c = this.peek();
      if (c === '}') return false;
      if (c === ',') {
        this.pos++;
        this.skipWs();
        c = this.peek();
      }
      if (c !== '"') this.fail(`expected a key, got ${show(c)}`);
      this.compact();
      const kEnd = this.valueEnd(this.pos);
      const name = JSON.parse(this.text.slice(this.pos, kEnd)) as string;
      this.advance(kEnd);
      this.skipWs();
      if (this.peek() !== ':') this.fail(`expected ':' after key '${name}', got ${show(this.peek())}`);
      this.pos++;
      this.skipWs();
      if (name === this.key) {
        if (this.peek() !== '[') this.fail(`'${name}': expected an array, got ${show(this.peek())}`);
        this.pos++;
        return true;
      }
      this.compact();
      this.advance(this.valueEnd(this.pos));
    }
  }

  /** Index one past the JSON value starting at `from` (string-aware bracket matching). */
  private valueEnd(from: number): number {
    let i = from;
    let depth = 0;
    let inString = false;
    for (;;) {
      if (i >= this.text.length && !this.fill()) {
        if (depth === 0 && !inString && i > from) return i;
        this.fail('the document ends inside a value');
      }
      const c = this.text.charCodeAt(i);
      if (inString) {
        if (c === 92) i++; // backslash: skip the escaped character
        else if (c === 34) {
          inString = false;
          if (depth === 0) return i + 1;
        }
      } else if (c === 34) inString = true;
      else if (c === 91 || c === 123) depth++;
      else if (c === 93 || c === 125) {
        if (depth === 0) return i; // end of a scalar followed by the container's close
        depth--;
        if (depth === 0) return i + 1;
      } else if (depth === 0 && (c === 44 || c === 32 || c === 10 || c === 13 || c === 9)) return i;
      i++;
    }
  }

  private advance(to: number): void {
    for (let i = this.pos; i < to; i++) if (this.text.charCodeAt(i) === 10) this.line++;
    this.pos = to;
  }

  private skipWs(): void {
    for (;;) {
      if (this.pos >= this.text.length && !this.fill()) return;
      const c = this.text.charCodeAt(this.pos);
      if (c === 10) this.line++;
      else if (c !== 32 && c !== 9 && c !== 13) return;
      this.pos++;
    }
  }

  private peek(): string {
    if (this.pos >= this.text.length && !this.fill()) return '';
    return this.text[this.pos] as string;
  }

  /** Drops text before `pos` (called only where no scan holds an index into it). */
  private compact(): void {
    if (this.pos > CHUNK) {
      this.text = this.text.slice(this.pos);
      this.pos = 0;
    }
  }

  private fill(): boolean {
    if (this.eof) return false;
    if (this.fd === undefined) this.fd = openSync(this.path, 'r');
    const n = readSync(this.fd, this.buf, 0, CHUNK, null);
    if (n === 0) {
      this.text += this.decoder.end();
      this.close();
      return false;
    }
    this.text += this.decoder.write(this.buf.subarray(0, n));
    return true;
  }

  private fail(problem: string): never {
    throw new InputError(this.path, this.line, this.key ?? '(json)', problem);
  }
}

function show(c: string): string {
  return c === '' ? 'the end of the file' : `'${c}'`;
}
