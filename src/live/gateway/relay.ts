import type { FastifyRequest } from 'fastify';
import { request, type Dispatcher } from 'undici';
import { SSE_HEADERS } from '../http.js';
import { errorBody, type Endpoint } from '../openai.js';
import { SseScanner, SseSplitter } from './sse.js';
import { kindOf, type Attempt, type Outcome } from './attempt.js';
import type { Hold } from '../rebalance/flight.js';
import { StreamRelay } from './streamRelay.js';

export type { Attempt, Outcome, RelayHost, RoutedOn } from './attempt.js';


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
  const prompt = a.parsed.promptTokens;
  gw.take(b, prompt);
  let pendingPrompt = true;
  const releasePrompt = (): void => {
    if (pendingPrompt) b.pendingPromptTokens -= prompt;
    pendingPrompt = false;
  };
  const release = (): void => {
    releasePrompt();
    b.outstanding--;
  };
  const abort = new AbortController();
  // The upstream a client's disconnect must abort: this one, or a continuation after a move.
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
  // The stream relay's view of this upstream's counts (released once, however the stream ends).
  let held = true;
  const hold: Hold = {
    backend: b,
    firstToken: releasePrompt,
    release: () => {
      if (held) release();
      held = false;
    },
  };
  const setCurrent = (c: AbortController): void => {
    current = c;
  };
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
    release();
    const sw = clientGone ? undefined : f?.takeSwitch();
    if (sw) {
      // Moved while waiting for the source's answer: the continuation is the stream.
      try {
        return await new StreamRelay(a, sw, () => clientGone, setCurrent).run();
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
      release();
      return 'retry';
    }
    if (res.statusCode !== 200 || !a.parsed.stream) return await whole(a, res, release);
    if (f) {
      // Live rebalancing: the stream is relayed event by event so that it can be moved.
      const body = res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      return await new StreamRelay(a, { upstream: { hold, abort, body, base: 0, continuation: false }, events: [], splitter: new SseSplitter() }, () => clientGone, setCurrent).run();
    }
    return await streamed(a, res, releasePrompt, release, () => clientGone);
  } finally {
    reply.raw.off('close', onClose);
  }
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

async function streamed(a: Attempt, res: Dispatcher.ResponseData, releasePrompt: () => void, release: () => void, clientGone: () => boolean): Promise<Outcome> {
  const { gw, backend: b, reply } = a;
  const raw = reply.raw;
  const s: StreamState = { started: false, firstToken: Number.NaN, tokens: 0, usageTokens: -1, sawDone: false };
  const start = (): void => {
    s.started = true;
    reply.hijack();
    raw.writeHead(200, { ...SSE_HEADERS, [gw.o.backendHeader]: b.url });
  };
  // Whole events leave as received (bytes, never decoded), one write per upstream read; the write
  // carrying [DONE] also ends the response. Nothing is written before the first data event.
  const scan = new SseScanner(a.injectedUsage);
  let held: Buffer | undefined;
  const forward = (out: Buffer): void => {
    s.tokens = scan.chunks;
    s.usageTokens = scan.usageTokens;
    s.sawDone = scan.sawDone;
    if (s.tokens > 0 && Number.isNaN(s.firstToken)) {
      s.firstToken = gw.clock.now();
      releasePrompt();
    }
    if (!s.started) {
      held = held ? Buffer.concat([held, out]) : out;
      if (scan.dataEvents === 0) return;
      start();
      out = held;
      held = undefined;
    }
    if (out.length === 0) return;
    if (s.sawDone) raw.end(out);
    else raw.write(out);
  };
  try {
    for await (const bytes of res.body) forward(scan.push(bytes as Uint8Array));
    forward(scan.end());
    if (!s.sawDone) throw Object.assign(new Error('the backend ended the stream without [DONE]'), { code: 'TRUNCATED' });
  } catch (e) {
    release();
    if (clientGone()) {
      gw.completed(a, s.tokens, s.firstToken, true);
      return 'done';
    }
    if (!s.started) {
      gw.markDown(b, kindOf(e));
      gw.completed(a, 0, Number.NaN, true);
      return 'retry';
    }
    gw.markDown(b, 'midstream');
    gw.completed(a, s.tokens, s.firstToken, true);
    const msg = `backend ${b.url} failed mid-stream after ${s.tokens} chunk(s): ${(e as Error).message}`;
    if (!raw.writableEnded) raw.end(`data: ${JSON.stringify(errorBody(502, msg, 'server_error'))}\n\n`);
    return 'done';
  }
  release();
  if (!s.started) start();
  raw.end();
  gw.completed(a, s.usageTokens >= 0 ? s.usageTokens : s.tokens, s.firstToken, false);
  return 'done';
}
