import type { BackendState } from '../backend.js';
import type { Endpoint, ParsedRequest } from '../openai.js';
import type { SseSplitter } from '../gateway/sse.js';
import type { StreamMeta } from './continuation.js';

/** The router's counts on one backend for one upstream request: taken by the caller, released once. */
export interface Hold {
  readonly backend: BackendState;
  /** The upstream produced its first token: its prompt no longer waits for prefill. */
  firstToken(): void;
  release(): void;
}

/** A `Hold` for a move's continuation (the first upstream's is the relay's own). */
export class BackendHold implements Hold {
  private promptHeld = true;
  private held = true;

  constructor(
    readonly backend: BackendState,
    readonly promptTokens: number,
  ) {}

  /** The upstream produced its first token: its prompt no longer waits for prefill. */
  firstToken(): void {
    if (!this.promptHeld) return;
    this.backend.pendingPromptTokens -= this.promptTokens;
    this.promptHeld = false;
  }

  release(): void {
    this.firstToken();
    if (!this.held) return;
    this.backend.outstanding--;
    this.held = false;
  }
}

/** One upstream response a stream is being relayed from. */
export interface Upstream {
  readonly hold: Hold;
  readonly abort: AbortController;
  readonly body: AsyncIterator<Uint8Array>;
  /** Tokens the client already had when this upstream was sent (0 for the first one). */
  readonly base: number;
  /** A continuation on another backend: its chunks are stitched onto the first upstream's. */
  readonly continuation: boolean;
}

/** A continuation whose first event has arrived: the relay switches to it. */
export interface ReadySwitch {
  readonly upstream: Upstream;
  /** Events already read from it (the first data event among them). */
  readonly events: string[];
  /** Its splitter, holding any partial event read after them. */
  readonly splitter: SseSplitter;
}

/** A move in progress: the continuation has been sent, its first event not yet seen. */
export interface PendingMove {
  readonly to: BackendState;
  readonly abort: AbortController;
  /** Resolves when the move has its outcome (ready, or abandoned). */
  readonly settled: Promise<void>;
}

/** Where a move's outcome is counted (the gateway's migration counters). */
export interface MoveOutcomes {
  succeeded(): void;
  failed(reason: string): void;
}

/**
 * A streamed request in the router's in-flight table, as live rebalancing sees and moves it: the
 * backend it is on now, the tokens and text the client has received, and the state of a move.
 *
 * A move is make-before-break: while the continuation is sent to the target, the source keeps
 * streaming but its events are held back from the client (`holding`). When the target's first event
 * arrives, the relay switches to it and the held events are dropped (the target continues from the
 * text the client has). When the move fails (refused, timed out, the target died, the source
 * finished first), the held events are replayed to the client and the request stays where it was.
 */
export class StreamFlight {
  backend: BackendState;
  /** Content chunks the client has received (one token each for vLLM-style streams). */
  delivered = 0;
  /** Their text, in order. */
  text = '';
  meta: StreamMeta | undefined;
  holding = false;
  readonly held: string[] = [];
  move: PendingMove | undefined;
  switchTo: ReadySwitch | undefined;
  /** Set by the relay: aborts the upstream being relayed now. */
  abortCurrent: () => void = () => {};
  /** Set by the relay: relays the held events to the client. */
  replayHeld: () => void = () => {};

  constructor(
    readonly id: number,
    readonly endpoint: Endpoint,
    /** The body sent upstream (with `stream_options.include_usage`). */
    readonly body: Readonly<Record<string, unknown>>,
    readonly parsed: ParsedRequest,
    readonly arrival: number,
    readonly predicted: number,
    readonly headers: Readonly<Record<string, string>>,
    /** Why it cannot be moved (undefined: it can). */
    public reason: string | undefined,
    backend: BackendState,
    private readonly outcomes: MoveOutcomes,
  ) {
    this.backend = backend;
  }

  /** Whether a move may start now. */
  get movable(): boolean {
    const max = this.parsed.maxTokens;
    return this.reason === undefined && !this.move && !this.switchTo && (max === undefined || this.delivered < max - 1);
  }

  begin(move: PendingMove): void {
    this.move = move;
    this.holding = true;
  }

  /** The target answered: hand it to the relay and stop the source. */
  ready(s: ReadySwitch): void {
    this.move = undefined;
    this.switchTo = s;
    this.abortCurrent();
  }

  /** The relay takes the ready switch (when there is one). */
  takeSwitch(): ReadySwitch | undefined {
    const s = this.switchTo;
    this.switchTo = undefined;
    if (s) {
      this.held.length = 0;
      this.holding = false;
      this.outcomes.succeeded();
    }
    return s;
  }

  /**
   * Ends a move without switching, whether its continuation is still pending or already ready but
   * not taken (the source finished or failed first, the client left): the target is aborted and
   * released, the held events go to the client.
   */
  cancel(reason: string): void {
    const m = this.move;
    const s = this.switchTo;
    if (!m && !s) return;
    this.move = undefined;
    this.switchTo = undefined;
    m?.abort.abort();
    if (s) {
      s.upstream.abort.abort();
      s.upstream.hold.release();
    }
    this.outcomes.failed(reason);
    this.holding = false;
    this.replayHeld();
  }
}
