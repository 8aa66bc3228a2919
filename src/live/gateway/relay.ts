import type { FastifyReply, FastifyRequest } from 'fastify';
import { request, type Dispatcher } from 'undici';
import type { BackendState } from '../backend.js';
import { SSE_HEADERS } from '../http.js';
import { errorBody, type Endpoint, type ParsedRequest } from '../openai.js';
import type { Clock } from '../clock.js';
import { eventData, SseSplitter } from './sse.js';
import { chunkText, stitchChunk } from '../rebalance/continuation.js';
import { BackendHold, type ReadySwitch, type StreamFlight, type Upstream } from '../rebalance/flight.js';

/** What a relay needs from the gateway that runs it. */
export interface RelayHost {
  readonly o: { readonly upstreamTimeoutS: number; readonly backendHeader: string };
  readonly clock: Clock;
  take(b: BackendState, promptTokens: number): void;
  markDown(b: BackendState, kind: string): void;
  completed(a: RoutedOn, outputTokens: number, firstTokenTime: number, failed: boolean): void;
}

/** A request and the backend the policy chose for it. */
export interface RoutedOn {
  readonly backend: BackendState;
  readonly parsed: ParsedRequest;
  readonly id: number;
  readonly arrival: number;
  readonly predicted: number;
}

/** One try of a request on one backend. */
export interface Attempt extends RoutedOn {
  readonly gw: RelayHost;
  readonly req: FastifyRequest;
  readonly reply: FastifyReply;
  readonly endpoint: Endpoint;
  readonly payload: string;
  /** The gateway added `stream_options.include_usage`: strip the usage chunk from what the client sees. */
  readonly injectedUsage: boolean;
  /** With live rebalancing: the request's entry in the in-flight table, through which it can be moved. */
  readonly flight?: StreamFlight | undefined;
}

/** 'retry': failed before anything reached the client, try another backend. 'done': the client has its answer. */
export type Outcome = 'done' | 'retry';

const PATHS: Record<Endpoint, string> = { completions: '/v1/completions', chat: '/v1/chat/completions' };

export function forwardHeaders(req: FastifyRequest): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  const auth = req.headers['x-backend-authorization'];
  if (typeof auth === 'string') h.authorization = auth;
  return h;
}

/**
 * Sends the request to the attempt's backend and relays the answer. The router's counts for the
 * backend are taken here and released when the stream ends, however it ends. Nothing is written to
 * the client before the backend's first event, so a failure before the first token can be retried
 * elsewhere; after it, a failing backend ends the client's stream with an error event.
 */
export async function relay(a: Attempt): Promise<Outcome> {
  const { gw, backend: b, reply } = a;
  gw.take(b, a.parsed.promptTokens);
  const hold = new BackendHold(b, a.parsed.promptTokens);
  const abort = new AbortController();
  // The upstream a client's disconnect must abort: the first one, or a continuation after a move.
  let current = abort;
  let clientGone = false;
  const onClose = (): void => {
    if (!reply.raw.writableFinished) {
      clientGone = true;
      current.abort();
      a.flight?.cancel('client-gone');
    }
  };
  reply.raw.on('close', onClose);
  const f = a.flight;
  if (f) {
    f.backend = b;
    // A move may be ready before the source has answered (a waiting request): stop the source then too.
    f.abortCurrent = () => abort.abort();
    f.replayHeld = () => (f.held.length = 0);
  }
  const timeoutMs = gw.o.upstreamTimeoutS * 1000;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(`${b.url}${PATHS[a.endpoint]}`, {
      method: 'POST',
      headers: forwardHeaders(a.req),
      body: a.payload,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: abort.signal,
    });
  } catch (e) {
    hold.release();
    const sw = clientGone ? undefined : f?.takeSwitch();
    if (sw) {
      // Moved while waiting for the source's answer: the continuation is the stream.
      try {
        return await streamed(a, sw, () => clientGone, (u) => {
          current = u.abort;
        });
      } finally {
        reply.raw.off('close', onClose);
      }
    }
    f?.cancel(clientGone ? 'client-gone' : 'source-failed');
    reply.raw.off('close', onClose);
    if (clientGone) {
      gw.completed(a, 0, Number.NaN, true);
      return 'done';
    }
    gw.markDown(b, kindOf(e));
    gw.completed(a, 0, Number.NaN, true);
    return 'retry';
  }
  try {
    if (res.statusCode !== 200 || !a.parsed.stream) f?.cancel('source-failed');
    if (res.statusCode >= 500) {
      await res.body.dump();
      gw.markDown(b, 'status');
      gw.completed(a, 0, Number.NaN, true);
      hold.release();
      return 'retry';
    }
    if (res.statusCode !== 200 || !a.parsed.stream) return await whole(a, res, () => hold.release());
    const first: Upstream = { hold, abort, body: res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>, base: 0, continuation: false };
    return await streamed(a, { upstream: first, events: [], splitter: new SseSplitter() }, () => clientGone, (u) => {
      current = u.abort;
    });
  } finally {
    reply.raw.off('close', onClose);
  }
}

function kindOf(e: unknown): string {
  const code = (e as { code?: string }).code ?? '';
  if (code.includes('TIMEOUT')) return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connect';
  return 'connect';
}

/** A non-streamed answer (or a 4xx the client must see): read it whole, forward it. */
async function whole(a: Attempt, res: Dispatcher.ResponseData, release: () => void): Promise<Outcome> {
  const { gw, backend: b, reply } = a;
  let text: string;
  try {
    text = await res.body.text();
  } catch (e) {
    release();
    gw.markDown(b, kindOf(e));
    gw.completed(a, 0, Number.NaN, true);
    return 'retry';
  }
  release();
  let output = 0;
  if (res.statusCode === 200) {
    try {
      const j = JSON.parse(text) as { usage?: { completion_tokens?: number } };
      output = j.usage?.completion_tokens ?? 0;
    } catch {
      // forwarded as is; the client sees what the backend sent
    }
  }
  const now = gw.clock.now();
  gw.completed(a, output, res.statusCode === 200 ? now : Number.NaN, res.statusCode !== 200);
  const type = res.headers['content-type'];
  void reply
    .code(res.statusCode)
    .header(gw.o.backendHeader, b.url)
    .type(typeof type === 'string' ? type : 'application/json')
    .send(text);
  return 'done';
}

interface StreamState {
  started: boolean;
  firstToken: number;
  tokens: number;
  usageTokens: number;
  sawDone: boolean;
}

type UsageChunk = { usage?: { completion_tokens?: number } | null; choices?: unknown[] };

/**
 * Relays an SSE stream event by event. With a flight (live rebalancing) every chunk is parsed for
 * its text, and the stream can switch upstream mid-way: a move's continuation replaces the source
 * (see `StreamFlight`), its chunks stitched so the client sees one stream.
 */
async function streamed(a: Attempt, from: ReadySwitch, clientGone: () => boolean, setCurrent: (u: Upstream) => void): Promise<Outcome> {
  const { gw, reply } = a;
  const f = a.flight;
  const raw = reply.raw;
  let up = from.upstream;
  setCurrent(up);
  if (f) f.backend = up.hold.backend;
  const s: StreamState = { started: false, firstToken: Number.NaN, tokens: 0, usageTokens: -1, sawDone: false };
  let splitter = from.splitter;
  const start = (): void => {
    s.started = true;
    reply.hijack();
    raw.writeHead(200, { ...SSE_HEADERS, [gw.o.backendHeader]: up.hold.backend.url });
  };
  // Events that arrived together leave together: one write (one syscall) per upstream read.
  let out = '';
  const token = (): void => {
    s.tokens++;
    if (s.tokens === 1 && Number.isNaN(s.firstToken)) s.firstToken = gw.clock.now();
    up.hold.firstToken();
  };
  /** A chunk with a flight: its text is kept, and a continuation's chunk is stitched. Returns the event to send, or undefined to drop it. */
  const tracked = (ev: string, data: string, fl: StreamFlight): string | undefined => {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(data) as Record<string, unknown>;
    } catch {
      fl.reason = 'unparsable chunk';
      token();
      return ev;
    }
    if (up.continuation) stitchChunk(j, fl.meta, up.base);
    const u = (j as UsageChunk).usage;
    if (u && typeof u.completion_tokens === 'number') s.usageTokens = u.completion_tokens;
    const usageOnly = Array.isArray(j.choices) && j.choices.length === 0;
    if (usageOnly && a.injectedUsage) return undefined;
    if (!usageOnly) {
      token();
      fl.delivered = s.tokens;
      fl.text += chunkText(fl.endpoint, j);
      fl.meta ??= { id: j.id, created: j.created, model: j.model };
    }
    return up.continuation ? `data: ${JSON.stringify(j)}` : ev;
  };
  const onEvent = (ev: string): void => {
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
      s.sawDone = true;
    } else if (f) {
      const e = tracked(ev, data, f);
      if (e === undefined) return;
      ev = e;
    } else if (data.includes('"usage"')) {
      const j = JSON.parse(data) as UsageChunk;
      if (j.usage && typeof j.usage.completion_tokens === 'number') s.usageTokens = j.usage.completion_tokens;
      const usageOnly = Array.isArray(j.choices) && j.choices.length === 0;
      if (usageOnly && a.injectedUsage) return; // the client did not ask for it
      if (!usageOnly) token();
    } else {
      token();
    }
    if (!s.started) start();
    out += `${ev}\n\n`;
  };
  const flush = (): void => {
    if (out !== '') raw.write(out);
    out = '';
  };
  if (f) {
    f.abortCurrent = () => up.abort.abort();
    f.replayHeld = () => {
      const held = f.held.splice(0);
      if (raw.destroyed) return; // the client left: nothing to replay to
      for (const ev of held) onEvent(ev);
      flush();
    };
  }
  for (const ev of from.events) onEvent(ev);
  flush();
  for (;;) {
    try {
      for (;;) {
        const r = await up.body.next();
        if (r.done) break;
        for (const ev of splitter.push(r.value)) onEvent(ev);
        flush();
      }
      const rest = splitter.rest();
      if (rest.trim() !== '') onEvent(rest);
      flush();
      if (!s.sawDone) throw Object.assign(new Error('the backend ended the stream without [DONE]'), { code: 'TRUNCATED' });
      break;
    } catch (e) {
      up.abort.abort();
      // The source failed while a move was under way: the continuation may still save the stream.
      const pending = f?.move;
      if (pending && !clientGone() && !s.sawDone) await pending.settled;
      const sw = clientGone() ? undefined : f?.takeSwitch();
      if (sw && f) {
        // A move's continuation is ready: the source is left, the target relayed from here on.
        if (pending) gw.markDown(up.hold.backend, 'midstream'); // the source failed on its own
        up.hold.release();
        up = sw.upstream;
        f.backend = up.hold.backend;
        setCurrent(up);
        splitter = sw.splitter;
        for (const ev of sw.events) onEvent(ev);
        flush();
        continue;
      }
      f?.cancel(clientGone() ? 'client-gone' : 'source-failed');
      return failedStream(a, up, s, e, clientGone(), flush);
    }
  }
  up.hold.release();
  if (!s.started) start();
  raw.end();
  gw.completed(on(a, up), s.usageTokens >= 0 ? s.usageTokens : s.tokens, s.firstToken, false);
  return 'done';
}

/** The request as routed on the upstream it ended on. */
function on(a: Attempt, up: Upstream): RoutedOn {
  return up.hold.backend === a.backend ? a : { ...a, backend: up.hold.backend };
}

function failedStream(a: Attempt, up: Upstream, s: StreamState, e: unknown, clientGone: boolean, flush: () => void): Outcome {
  const { gw, reply } = a;
  const b = up.hold.backend;
  const raw = reply.raw;
  up.hold.release();
  if (clientGone) {
    gw.completed(on(a, up), s.tokens, s.firstToken, true);
    return 'done';
  }
  if (!s.started) {
    gw.markDown(b, kindOf(e));
    gw.completed(on(a, up), 0, Number.NaN, true);
    return 'retry';
  }
  gw.markDown(b, 'midstream');
  gw.completed(on(a, up), s.tokens, s.firstToken, true);
  flush();
  const msg = `backend ${b.url} failed mid-stream after ${s.tokens} chunk(s): ${(e as Error).message}`;
  raw.write(`data: ${JSON.stringify(errorBody(502, msg, 'server_error'))}\n\n`);
  raw.end();
  return 'done';
}
