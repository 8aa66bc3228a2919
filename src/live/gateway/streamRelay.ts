import { SSE_HEADERS } from '../http.js';
import { errorBody } from '../openai.js';
import { chunkText, stitchChunk } from '../rebalance/continuation.js';
import type { ReadySwitch, StreamFlight, Upstream } from '../rebalance/flight.js';
import { kindOf, type Attempt, type Outcome, type RoutedOn } from './attempt.js';
import { eventData, type SseSplitter } from './sse.js';

type UsageChunk = { usage?: { completion_tokens?: number } | null; choices?: unknown[] };

/**
 * Relays one SSE stream to the client event by event. Nothing is written before the first event (a
 * failure before it can be retried elsewhere); after it, a failing upstream ends the client's stream
 * with an error event. With a flight (live rebalancing) every chunk is parsed for its text, and the
 * stream can switch upstream mid-way: a move's continuation replaces the source (see `StreamFlight`),
 * its chunks stitched so the client sees one stream.
 */
export class StreamRelay {
  private up: Upstream;
  private splitter: SseSplitter;
  private readonly f: StreamFlight | undefined;
  private readonly raw: Attempt['reply']['raw'];
  private started = false;
  private firstToken = Number.NaN;
  private tokens = 0;
  private usageTokens = -1;
  private sawDone = false;
  /** Events that arrived together leave together: one write (one syscall) per upstream read. */
  private out = '';

  constructor(
    private readonly a: Attempt,
    private readonly from: ReadySwitch,
    private readonly clientGone: () => boolean,
    private readonly setCurrent: (abort: AbortController) => void,
  ) {
    this.up = from.upstream;
    this.splitter = from.splitter;
    this.f = a.flight;
    this.raw = a.reply.raw;
    setCurrent(this.up.abort);
    const f = this.f;
    if (f) {
      f.backend = this.up.hold.backend;
      f.abortCurrent = () => this.up.abort.abort();
      f.replayHeld = () => {
        const held = f.held.splice(0);
        if (this.raw.destroyed || this.raw.writableEnded) return; // nothing to replay to
        for (const ev of held) this.onEvent(ev);
        this.flush();
      };
    }
  }

  async run(): Promise<Outcome> {
    for (const ev of this.from.events) this.onEvent(ev);
    this.flush();
    for (;;) {
      try {
        await this.drain();
        break;
      } catch (e) {
        this.up.abort.abort();
        if (await this.switched()) continue;
        this.f?.cancel(this.clientGone() ? 'client-gone' : 'source-failed');
        return this.failed(e);
      }
    }
    this.up.hold.release();
    if (!this.started) this.start();
    this.raw.end();
    this.a.gw.completed(this.routedOn(), this.usageTokens >= 0 ? this.usageTokens : this.tokens, this.firstToken, false);
    return 'done';
  }

  /** Relays the current upstream to its end; throws when it fails or is cut (no `[DONE]`). */
  private async drain(): Promise<void> {
    for (;;) {
      const r = await this.up.body.next();
      if (r.done) break;
      for (const ev of this.splitter.push(r.value)) this.onEvent(ev);
      this.flush();
    }
    const rest = this.splitter.rest();
    if (rest.trim() !== '') this.onEvent(rest);
    this.flush();
    if (!this.sawDone) throw Object.assign(new Error('the backend ended the stream without [DONE]'), { code: 'TRUNCATED' });
  }

  /** After the upstream stopped: switches to a move's continuation when one is (or becomes) ready. */
  private async switched(): Promise<boolean> {
    const f = this.f;
    if (!f || this.clientGone()) return false;
    // The source failed while a move was under way: the continuation may still save the stream.
    const pending = f.move;
    if (pending && !this.sawDone) await pending.settled;
    const sw = this.clientGone() ? undefined : f.takeSwitch();
    if (!sw) return false;
    if (pending) this.a.gw.markDown(this.up.hold.backend, 'midstream'); // the source failed on its own
    this.up.hold.release();
    this.up = sw.upstream;
    f.backend = this.up.hold.backend;
    this.setCurrent(this.up.abort);
    this.splitter = sw.splitter;
    for (const ev of sw.events) this.onEvent(ev);
    this.flush();
    return true;
  }

  private start(): void {
    this.started = true;
    this.a.reply.hijack();
    this.raw.writeHead(200, { ...SSE_HEADERS, [this.a.gw.o.backendHeader]: this.up.hold.backend.url });
  }

  private token(): void {
    this.tokens++;
    if (this.tokens === 1 && Number.isNaN(this.firstToken)) this.firstToken = this.a.gw.clock.now();
    this.up.hold.firstToken();
  }

  private onEvent(ev: string): void {
    const f = this.f;
    let data = eventData(ev);
    if (f?.holding) {
      if (data !== '[DONE]') {
        f.held.push(ev);
        return;
      }
      f.cancel('source-finished'); // replays the held events first
      data = eventData(ev);
    }
    if (data === undefined) return;
    if (data === '[DONE]') {
      this.sawDone = true;
    } else if (f) {
      const e = this.tracked(ev, data, f);
      if (e === undefined) return;
      ev = e;
    } else if (data.includes('"usage"')) {
      const j = JSON.parse(data) as UsageChunk;
      if (j.usage && typeof j.usage.completion_tokens === 'number') this.usageTokens = j.usage.completion_tokens;
      const usageOnly = Array.isArray(j.choices) && j.choices.length === 0;
      if (usageOnly && this.a.injectedUsage) return; // the client did not ask for it
      if (!usageOnly) this.token();
    } else {
      this.token();
    }
    if (!this.started) this.start();
    this.out += `${ev}\n\n`;
  }

  /** A chunk with a flight: its text is kept, a continuation's chunk stitched. Returns the event to send, or undefined to drop it. */
  private tracked(ev: string, data: string, f: StreamFlight): string | undefined {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(data) as Record<string, unknown>;
    } catch {
      f.reason = 'unparsable chunk';
      this.token();
      return ev;
    }
    const up = this.up;
    if (up.continuation) stitchChunk(j, f.meta, up.base);
    const u = (j as UsageChunk).usage;
    if (u && typeof u.completion_tokens === 'number') this.usageTokens = u.completion_tokens;
    const usageOnly = Array.isArray(j.choices) && j.choices.length === 0;
    if (usageOnly && this.a.injectedUsage) return undefined;
    if (!usageOnly) {
      this.token();
      f.delivered = this.tokens;
      f.text += chunkText(f.endpoint, j);
      f.meta ??= { id: j.id, created: j.created, model: j.model };
    }
    return up.continuation ? `data: ${JSON.stringify(j)}` : ev;
  }

  private flush(): void {
    if (this.out !== '') this.raw.write(this.out);
    this.out = '';
  }

  /** The request as routed on the upstream it ended on. */
  private routedOn(): RoutedOn {
    const b = this.up.hold.backend;
    return b === this.a.backend ? this.a : { ...this.a, backend: b };
  }

  private failed(e: unknown): Outcome {
    const { gw } = this.a;
    const b = this.up.hold.backend;
    this.up.hold.release();
    if (this.clientGone()) {
      gw.completed(this.routedOn(), this.tokens, this.firstToken, true);
      return 'done';
    }
    if (!this.started) {
      gw.markDown(b, kindOf(e));
      gw.completed(this.routedOn(), 0, Number.NaN, true);
      return 'retry';
    }
    gw.markDown(b, 'midstream');
    gw.completed(this.routedOn(), this.tokens, this.firstToken, true);
    this.flush();
    const msg = `backend ${b.url} failed mid-stream after ${this.tokens} chunk(s): ${(e as Error).message}`;
    this.raw.write(`data: ${JSON.stringify(errorBody(502, msg, 'server_error'))}\n\n`);
    this.raw.end();
    return 'done';
  }
}
