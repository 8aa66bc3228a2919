/**
 * Splits a byte stream of Server-Sent Events into whole events (separated by a blank line), keeping
 * each event's text exactly as received so it can be forwarded unchanged.
 */
export class SseSplitter {
  private readonly decoder = new TextDecoder();
  private buf = '';

  push(bytes: Uint8Array): string[] {
    this.buf += this.decoder.decode(bytes, { stream: true });
    const out: string[] = [];
    for (;;) {
      const i = this.buf.indexOf('\n\n');
      const j = this.buf.indexOf('\r\n\r\n');
      if (i < 0 && j < 0) break;
      const cut = j >= 0 && (i < 0 || j < i) ? j : i;
      const len = cut === j ? 4 : 2;
      out.push(this.buf.slice(0, cut));
      this.buf = this.buf.slice(cut + len);
    }
    return out;
  }

  /** Whatever is left when the stream ends (an unterminated event). */
  rest(): string {
    return this.buf + this.decoder.decode();
  }
}

/** The data of an event (`data:` lines joined), or undefined when it has none (comments, keep-alives). */
export function eventData(event: string): string | undefined {
  let data: string | undefined;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const d = line.slice(line[5] === ' ' ? 6 : 5);
    data = data === undefined ? d : `${data}\n${d}`;
  }
  return data;
}

const LF = 0x0a;
const CR = 0x0d;
const DATA = Buffer.from('data:');
const DONE = Buffer.from('[DONE]');
const COMPLETION_TOKENS = Buffer.from('"completion_tokens"');
const EMPTY = Buffer.alloc(0);

/**
 * Reads an OpenAI-style SSE stream as bytes, without decoding it: finds whole events, counts the
 * chunks that carry output (every data event but `[DONE]` and a usage-only chunk), reads `usage`
 * (the only event parsed as JSON, found by its `"completion_tokens"` key) and notes `[DONE]`.
 *
 * `push` returns the bytes to forward: the whole events the chunk completes, as received (a
 * sub-array of the input, no copy, when the chunk holds no partial event from before), minus the
 * usage-only event when `stripUsage` is set (the client did not ask for it). A partial event at
 * the end is held until its end arrives, so an event is never split across two forwarded writes
 * and a stripped event never reaches the client in part.
 */
export class SseScanner {
  /** Data events carrying output (chunks): with one token per chunk, the output so far. */
  chunks = 0;
  /** Whole events seen (data or not). */
  events = 0;
  /** Events with a data line (output, usage or [DONE]): comments and keep-alives are not. */
  dataEvents = 0;
  /** `usage.completion_tokens` when a usage chunk was seen, else -1. */
  usageTokens = -1;
  sawDone = false;
  private tail: Buffer = EMPTY;
  /** Where the event after the one `boundary` found begins. */
  private next = 0;
  /** In the buffer being pushed: the next `"completion_tokens"` at or after `usageFrom` (-1: none). */
  private usageAt = -1;
  private usageFrom = Number.POSITIVE_INFINITY;

  constructor(private readonly stripUsage: boolean) {}

  push(chunk: Uint8Array): Buffer {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.tail.length > 0) buf = Buffer.concat([this.tail, buf]);
    let start = 0;
    this.usageFrom = Number.POSITIVE_INFINITY;
    let cutFrom = -1;
    let cutTo = -1;
    for (;;) {
      const end = this.boundary(buf, start);
      if (end < 0) break;
      const next = this.next;
      if (this.onEvent(buf, start, end) && this.stripUsage) {
        cutFrom = start;
        cutTo = next;
      }
      start = next;
    }
    this.tail = start < buf.length ? Buffer.from(buf.subarray(start)) : EMPTY;
    if (cutFrom < 0) return buf.subarray(0, start);
    return Buffer.concat([buf.subarray(0, cutFrom), buf.subarray(cutTo, start)]);
  }

  /** The stream ended: an unterminated last event is counted and returned (unless stripped). */
  end(): Buffer {
    const t = this.tail;
    this.tail = EMPTY;
    if (t.length === 0 || t.toString('latin1').trim() === '') return t;
    this.usageFrom = Number.POSITIVE_INFINITY;
    return this.onEvent(t, 0, t.length) && this.stripUsage ? EMPTY : t;
  }

  /** Counts one event; returns true when it is a usage-only chunk. */
  private onEvent(b: Buffer, start: number, end: number): boolean {
    this.events++;
    const d = b.indexOf(DATA, start);
    if (d < 0 || d >= end) return false;
    this.dataEvents++;
    let p = d + 5;
    if (b[p] === 0x20) p++;
    if (end - p >= DONE.length && b.compare(DONE, 0, DONE.length, p, p + DONE.length) === 0) {
      this.sawDone = true;
      return false;
    }
    // One search per buffer, not one per event: the key is looked for again only past where it was found.
    if (p < this.usageFrom || (this.usageAt >= 0 && this.usageAt < p)) {
      this.usageAt = b.indexOf(COMPLETION_TOKENS, p);
      this.usageFrom = p;
    }
    const u = this.usageAt;
    if (u < 0 || u >= end) {
      this.chunks++;
      return false;
    }
    const data = eventData(b.toString('utf8', start, end));
    let usageOnly = false;
    try {
      const j = JSON.parse(data ?? '') as { usage?: { completion_tokens?: unknown } | null; choices?: unknown[] };
      if (j.usage && typeof j.usage.completion_tokens === 'number') this.usageTokens = j.usage.completion_tokens;
      usageOnly = Array.isArray(j.choices) && j.choices.length === 0;
    } catch {
      // not JSON: forwarded as is, counted as a chunk
    }
    if (!usageOnly) this.chunks++;
    return usageOnly;
  }

  /** The end of the first whole event from `start` (-1: none yet); sets `next` to where the following one begins. */
  private boundary(b: Buffer, start: number): number {
    let i = b.indexOf(LF, start);
    while (i >= 0) {
      const crBefore = i > start && b[i - 1] === CR;
      if (b[i + 1] === LF) {
        this.next = i + 2;
        return crBefore ? i - 1 : i;
      }
      if (b[i + 1] === CR && b[i + 2] === LF) {
        this.next = i + 3;
        return crBefore ? i - 1 : i;
      }
      i = b.indexOf(LF, i + 1);
    }
    return -1;
  }
}
