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
