import { request } from 'undici';
import type { Clock } from '../clock.js';
import type { BackendState } from '../backend.js';
import { readSnapshot, type SignalAdapter } from '../signals.js';

export interface PollerOptions {
  readonly intervalS: number;
  /** A scrape slower than this fails (the backend's gauges then go stale). */
  readonly timeoutS: number;
  /** A backend that refuses connections is not routed to for this long. */
  readonly cooldownS: number;
}

/**
 * Scrapes each backend's /metrics on its own timer (never two scrapes of one backend at once).
 * A successful scrape replaces the snapshot and resets the backend's since-report count; a failed
 * one leaves the old snapshot to go stale. A refused connection also opens the circuit breaker.
 */
export class MetricsPoller {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly backends: readonly BackendState[],
    private readonly adapter: SignalAdapter,
    private readonly clock: Clock,
    private readonly opts: PollerOptions,
    private readonly onError: (b: BackendState) => void = () => {},
  ) {}

  start(): void {
    for (const b of this.backends) void this.loop(b);
  }

  /** Scrapes every backend once now (tests and start-up). */
  async scrapeAll(): Promise<void> {
    await Promise.all(this.backends.map((b) => this.scrape(b)));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async loop(b: BackendState): Promise<void> {
    if (this.stopped) return;
    await this.scrape(b);
    if (this.stopped) return;
    this.timers.set(b.id, setTimeout(() => void this.loop(b), this.opts.intervalS * 1000));
  }

  private async scrape(b: BackendState): Promise<void> {
    if (b.vacant) return;
    const url = b.url;
    const ms = this.opts.timeoutS * 1000;
    try {
      // A plain timer rather than AbortSignal.timeout: that one fires (and builds a DOMException) even
      // after a scrape that ended long before, twenty times a second per backend.
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), ms);
      let text: string;
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(`${url}/metrics`, { headersTimeout: ms, bodyTimeout: ms, signal: ac.signal });
        text = await res.body.text();
      } finally {
        clearTimeout(timer);
      }
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      if (b.url !== url) return; // the slot was given another endpoint meanwhile
      readSnapshot(text, this.adapter, b.snapshot);
      b.reportTime = this.clock.now();
      b.sinceReport = 0;
      b.lastScrapeError = undefined;
      if (b.downByScrape) {
        b.downUntil = Number.NEGATIVE_INFINITY;
        b.downByScrape = false;
      }
    } catch (e) {
      if (b.url !== url) return;
      const err = e as NodeJS.ErrnoException;
      b.lastScrapeError = err.code ?? err.message;
      if (err.code === 'ECONNREFUSED') {
        const until = this.clock.now() + this.opts.cooldownS;
        if (until > b.downUntil) {
          b.downUntil = until;
          b.downByScrape = true;
        }
      }
      this.onError(b);
    }
  }
}
