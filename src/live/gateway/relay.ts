import type { FastifyRequest } from 'fastify';
import { request, type Dispatcher } from 'undici';
import type { Endpoint } from '../openai.js';
import { SseSplitter } from './sse.js';
import { BackendHold, type Upstream } from '../rebalance/flight.js';
import { kindOf, type Attempt, type Outcome } from './attempt.js';
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
        return await new StreamRelay(a, sw, () => clientGone, (u) => {
          current = u.abort;
        }).run();
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
    return await new StreamRelay(a, { upstream: first, events: [], splitter: new SseSplitter() }, () => clientGone, (u) => {
      current = u.abort;
    }).run();
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
