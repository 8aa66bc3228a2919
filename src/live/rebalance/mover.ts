import { request } from 'undici';
import type { BackendState } from '../backend.js';
import { eventData, SseSplitter } from '../gateway/sse.js';
import { continuationBody } from './continuation.js';
import { BackendHold, type PendingMove, type StreamFlight } from './flight.js';

/** What a move needs from the gateway. */
export interface MoveHost {
  readonly o: { readonly upstreamTimeoutS: number; readonly moveTimeoutS: number };
  /** Takes the router's counts on `b` (outstanding, since-report, prompt tokens waiting). */
  take(b: BackendState, promptTokens: number, routed?: boolean): void;
  readonly migrations: { attempted(promptTokens: number, generatedTokens: number): void };
}

const PATHS = { completions: '/v1/completions', chat: '/v1/chat/completions' } as const;

class MoveFailed extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof MoveFailed) return e.reason;
  const code = (e as { code?: string }).code ?? '';
  if (code.includes('TIMEOUT')) return 'timeout';
  if ((e as Error).name === 'AbortError' || code === 'UND_ERR_ABORTED') return 'cancelled';
  return 'connect';
}

/**
 * Moves a streamed request to `to`: sends the continuation (the prompt plus the text the client has,
 * `max_tokens` reduced by the tokens it has) and, at the continuation's first event, hands it to the
 * relay, which stops the source and relays the target from then on. Until then the source keeps
 * streaming with its events held back (see `StreamFlight`); on any failure the move is abandoned and
 * the request stays on its source.
 */
export async function moveStream(host: MoveHost, f: StreamFlight, to: BackendState): Promise<void> {
  const base = f.delivered;
  const body = continuationBody(f.endpoint, f.body, f.text, base);
  const promptTokens = f.parsed.promptTokens + base;
  host.take(to, promptTokens, false);
  const hold = new BackendHold(to, promptTokens);
  const abort = new AbortController();
  let settle: () => void = () => {};
  const move: PendingMove = { to, abort, settled: new Promise<void>((r) => (settle = r)) };
  f.begin(move);
  host.migrations.attempted(f.parsed.promptTokens, base);
  const timeoutMs = host.o.upstreamTimeoutS * 1000;
  // The client's stream is held while the target prefills: a target that stays silent must not hold it long.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, host.o.moveTimeoutS * 1000);
  try {
    const res = await request(`${to.url}${PATHS[f.endpoint]}`, {
      method: 'POST',
      headers: f.headers,
      body: JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: abort.signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new MoveFailed('refused', `the target answered HTTP ${res.statusCode}`);
    }
    const it = res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    const splitter = new SseSplitter();
    const events: string[] = [];
    while (!events.some((ev) => eventData(ev) !== undefined)) {
      const r = await it.next();
      if (r.done) throw new MoveFailed('ended', 'the target ended its stream before its first event');
      events.push(...splitter.push(r.value));
    }
    if (f.move !== move) throw new MoveFailed('cancelled', 'the move was cancelled');
    f.ready({ upstream: { hold, abort, body: it, base, continuation: true }, events, splitter });
  } catch (e) {
    abort.abort();
    hold.release();
    // A move the relay cancelled (source finished, client gone) was counted there.
    if (f.move === move) f.cancel(timedOut ? 'timeout' : reasonOf(e));
  } finally {
    clearTimeout(timer);
    settle();
  }
}
