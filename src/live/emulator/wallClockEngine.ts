import type { WallClock } from '../clock.js';
import type { EngineModel } from './engineModel.js';

/** Where a request's tokens go as the engine produces them. */
export interface TokenSink {
  /** `n` more output tokens exist now. */
  tokens(n: number): void;
  /** All output tokens were produced (after the last `tokens`). */
  done(preemptions: number): void;
  /** The request can never run here (its prompt needs more KV than the engine has). */
  rejected(): void;
}

interface Entry {
  readonly sink: TokenSink;
  sent: number;
}

/**
 * Drives an `EngineModel` on the wall clock: an iteration formed at model time `t` with duration
 * `dt` ends at the absolute deadline `t + dt x slowdown`; the timer that fires then applies it and
 * forms the next batch at that same deadline. Deadlines are absolute, so timer lateness delays the
 * tokens it delivers but never accumulates into the model's clock. New requests join at the next
 * iteration boundary, as in a real engine; an idle engine starts at once.
 */
export class WallClockEngine {
  private readonly entries = new Map<number, Entry>();
  private readonly completed: number[] = [];
  private readonly rejectedIds: number[] = [];
  private readonly cancels = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private wake: NodeJS.Immediate | undefined;
  private iterEnd = 0;
  /** Multiplies every iteration's duration (fault injection: a slow GPU). */
  slowdown = 1;
  private closed = false;

  constructor(
    readonly model: EngineModel,
    private readonly clock: WallClock,
  ) {}

  /** Called by the model's listener (through the server) when a request finishes or is rejected. */
  noteComplete(id: number): void {
    this.completed.push(id);
  }
  noteReject(id: number): void {
    this.rejectedIds.push(id);
  }

  submit(promptTokens: number, outputTokens: number, sink: TokenSink): number {
    const id = this.model.submit(promptTokens, outputTokens, Number.NaN, Math.max(this.clock.now(), this.iterEnd));
    this.entries.set(id, { sink, sent: 0 });
    this.kick();
    return id;
  }

  /** The client went away: stop producing for it and free its KV at the next safe point. */
  cancel(id: number): void {
    if (!this.entries.delete(id)) return;
    if (this.model.locked(id)) this.cancels.add(id);
    else this.model.cancel(id);
  }

  get inFlight(): number {
    return this.entries.size;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.wake) clearImmediate(this.wake);
  }

  private kick(): void {
    if (this.model.busy || this.wake || this.timer || this.closed) return;
    this.wake = setImmediate(() => {
      this.wake = undefined;
      this.begin(Math.max(this.clock.now(), this.iterEnd));
    });
  }

  private begin(now: number): void {
    if (this.closed) return;
    const dt = this.model.start(now);
    // Forming a batch may reject a request that can never fit: tell its client now, not after the
    // next iteration (there may be none).
    if (this.rejectedIds.length > 0) this.deliver();
    if (dt <= 0) return;
    this.iterEnd = now + dt * this.slowdown;
    this.timer = setTimeout(() => this.onIterationEnd(), Math.max(0, this.clock.wallMs(this.iterEnd - this.clock.now())));
  }

  private onIterationEnd(): void {
    this.timer = undefined;
    const end = this.iterEnd;
    this.model.finish(end);
    this.deliver();
    for (const id of this.cancels) this.model.cancel(id);
    this.cancels.clear();
    this.begin(end);
  }

  private deliver(): void {
    for (const id of this.rejectedIds) {
      const e = this.entries.get(id);
      this.cancels.delete(id);
      if (!e) continue;
      this.entries.delete(id);
      e.sink.rejected();
    }
    this.rejectedIds.length = 0;
    for (const id of this.completed) {
      this.cancels.delete(id);
      const e = this.entries.get(id);
      if (!e) continue;
      this.entries.delete(id);
      const n = this.model.output(id) - e.sent;
      if (n > 0) e.sink.tokens(n);
      e.sink.done(this.model.preemptions(id));
    }
    this.completed.length = 0;
    for (const [id, e] of this.entries) {
      const g = this.model.generated(id);
      if (g > e.sent) {
        const n = g - e.sent;
        e.sent = g;
        e.sink.tokens(n);
      }
    }
  }
}
