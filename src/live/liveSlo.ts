import type { PerfModel } from '../model/perfModel.js';
import { RequestTable } from '../model/requestTable.js';
import { SloJudge, type SloDefaults } from '../sim/slo.js';

/** The SLOs the live router judges: the subset of `gaps simulate`'s that a gateway can observe. */
export interface LiveSloOptions {
  /** TTFT target, seconds (`--slo-ttft`). */
  readonly ttftS?: number | undefined;
  /** TPOT target, seconds (`--slo-tpot`): (e2e - TTFT) / (output - 1). */
  readonly tpotS?: number | undefined;
  /** End-to-end deadline as a multiple of the unloaded latency (`--slo-slack`; 0 = not judged). */
  readonly e2eSlack?: number | undefined;
  /** Length of the tumbling window the recent violation rate is published over, clock seconds. */
  readonly windowS: number;
}

/** Per-backend totals and the published recent rate. */
export interface BackendSloState {
  judged: number;
  violated: number;
  /** violated / judged over the last window that had completions (0 before any). */
  recentRate: number;
}

/**
 * Judges each finished request against the run's SLOs exactly as the simulator does (`SloJudge`:
 * TTFT, TPOT and the e2e slack over the unloaded latency of the gateway's deployment and perf model),
 * and keeps the simulator's window semantics for the recent violation rate (`src/sim/monitor.ts`):
 * completions are counted per backend in a tumbling window of `windowS` aligned to multiples of
 * `windowS` on the clock; when a window ends the backend's rate becomes violated / judged over that
 * window, and a window with no completions leaves the rate as it was. Windows roll lazily, when a
 * completion is recorded or the rate is read, so the result is the same as a timer's.
 */
export class LiveSloJudge {
  private readonly judge: SloJudge;
  private readonly doneInWindow: Int32Array;
  private readonly violInWindow: Int32Array;
  private windowEnd: number;
  readonly backends: BackendSloState[];

  constructor(
    perf: PerfModel,
    readonly opts: LiveSloOptions,
    numBackends: number,
  ) {
    const d: SloDefaults = { ttftS: opts.ttftS, tpotS: opts.tpotS, e2eSlack: opts.e2eSlack };
    // Only unloadedLatency() is used: it does not read the request table.
    this.judge = new SloJudge(perf, new RequestTable(1), d);
    this.doneInWindow = new Int32Array(numBackends);
    this.violInWindow = new Int32Array(numBackends);
    this.backends = Array.from({ length: numBackends }, () => ({ judged: 0, violated: 0, recentRate: 0 }));
    this.windowEnd = opts.windowS;
  }

  /** True when any SLO is judged. */
  get active(): boolean {
    const o = this.opts;
    return o.ttftS !== undefined || o.tpotS !== undefined || (o.e2eSlack !== undefined && o.e2eSlack > 0);
  }

  /** Whether a request with these times missed an SLO (clock seconds; the comparisons of `SloJudge.violated`). */
  violated(arrival: number, firstToken: number, completion: number, prompt: number, output: number): boolean {
    const o = this.opts;
    const ttft = firstToken - arrival;
    const e2e = completion - arrival;
    if (o.ttftS !== undefined && ttft > o.ttftS) return true;
    if (o.tpotS !== undefined && output > 1 && (e2e - ttft) / (output - 1) > o.tpotS) return true;
    if (o.e2eSlack !== undefined && o.e2eSlack > 0 && e2e > o.e2eSlack * this.judge.unloadedLatency(prompt, output)) return true;
    return false;
  }

  /** Judges a finished request on `backend` at `now`, counts it in the window; returns whether it violated. */
  record(backend: number, now: number, arrival: number, firstToken: number, prompt: number, output: number): boolean {
    this.roll(now);
    const v = this.violated(arrival, firstToken, now, prompt, output);
    const s = this.backends[backend] as BackendSloState;
    s.judged++;
    this.doneInWindow[backend] = (this.doneInWindow[backend] as number) + 1;
    if (v) {
      s.violated++;
      this.violInWindow[backend] = (this.violInWindow[backend] as number) + 1;
    }
    return v;
  }

  /** The backend's recent violation rate as published at the last window end before `now`. */
  rate(backend: number, now: number): number {
    this.roll(now);
    return (this.backends[backend] as BackendSloState).recentRate;
  }

  /** A backend slot now serves another endpoint: its window and totals start afresh. */
  reset(backend: number): void {
    this.doneInWindow[backend] = 0;
    this.violInWindow[backend] = 0;
    const s = this.backends[backend] as BackendSloState;
    s.judged = s.violated = s.recentRate = 0;
  }

  private roll(now: number): void {
    if (now < this.windowEnd) return;
    for (let i = 0; i < this.backends.length; i++) {
      const done = this.doneInWindow[i] as number;
      if (done > 0) (this.backends[i] as BackendSloState).recentRate = (this.violInWindow[i] as number) / done;
      this.doneInWindow[i] = 0;
      this.violInWindow[i] = 0;
    }
    const w = this.opts.windowS;
    this.windowEnd = (Math.floor(now / w) + 1) * w;
  }
}
