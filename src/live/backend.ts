import { unknownSnapshot, type SignalSnapshot } from './signals.js';

/**
 * What the gateway knows about one backend: its last scraped signals (with their time) and its
 * own live counts. The counts are taken when a request is routed and released when its stream ends,
 * so a burst between two scrapes does not pile onto one backend.
 */
export class BackendState {
  readonly snapshot: SignalSnapshot = unknownSnapshot();
  /** Clock time of the last successful scrape; -Infinity before the first. */
  reportTime = Number.NEGATIVE_INFINITY;
  lastScrapeError: string | undefined;
  /** Requests routed here that have not finished. */
  outstanding = 0;
  /** Requests routed here since the last successful scrape. */
  sinceReport = 0;
  /** Prompt tokens of requests routed here that have no first token yet (the router's own count). */
  pendingPromptTokens = 0;
  /** Not routed to before this clock time (set after a failure; a circuit breaker's open state). */
  downUntil = Number.NEGATIVE_INFINITY;
  /** Set when a refused scrape opened the breaker: the next good scrape closes it again. */
  downByScrape = false;
  /** Set while the gateway drains or an operator takes the backend out. */
  draining = false;
  /** Model names the backend serves (from its /v1/models), when known. */
  models: string[] = [];
  /**
   * A slot with no endpoint (`url` is ''): never routed to, scraped or exported. Slots exist so a
   * watched endpoint set can change while the policy keeps its fixed instance count.
   */
  vacant: boolean;

  constructor(
    readonly id: number,
    /** Base URL; changes only when a vacant slot is given a new endpoint (`assign`). */
    public url: string,
  ) {
    this.vacant = url === '';
  }

  /** Gives the slot (vacant, nothing in flight) a new endpoint, with every signal unknown and every count 0. */
  assign(url: string): void {
    Object.assign(this.snapshot, unknownSnapshot());
    this.url = url;
    this.vacant = url === '';
    this.reportTime = Number.NEGATIVE_INFINITY;
    this.lastScrapeError = undefined;
    this.outstanding = this.sinceReport = this.pendingPromptTokens = 0;
    this.downUntil = Number.NEGATIVE_INFINITY;
    this.downByScrape = false;
    this.draining = false;
    this.models = [];
  }

  fresh(now: number, staleAfterS: number): boolean {
    return now - this.reportTime <= staleAfterS;
  }

  available(now: number): boolean {
    return !this.vacant && !this.draining && now >= this.downUntil;
  }
}
