import { emptyShape, type PerfModel } from '../model/perfModel.js';
import type { RequestTable } from '../model/requestTable.js';

/** Run-wide SLO defaults; a request's own targets (RequestSpec.slo) override them. */
export interface SloDefaults {
  /** TTFT target, seconds; undefined: not judged. */
  readonly ttftS?: number | undefined;
  /** TPOT target, seconds; undefined: not judged. */
  readonly tpotS?: number | undefined;
  /** End-to-end deadline as a multiple of the request's unloaded latency; undefined or 0: not judged. */
  readonly e2eSlack?: number | undefined;
  /**
   * 'gaps': each request also has its own absolute deadline, set on arrival by the run's deadline
   * stage (src/sim/deadlines.ts) and judged here. Undefined: no per-request deadlines.
   */
  readonly deadline?: 'gaps' | undefined;
  /** Multiple of the unloaded latency of the calibrated size in those deadlines (default 5). */
  readonly deadlineSlack?: number | undefined;
}

/** The SLOs a run judges, for printing with its results (absent = not judged). */
export interface ActiveSlos {
  ttftS?: number;
  tpotS?: number;
  e2eSlack?: number;
  /** Time-between-tokens targets (judged in tbtSloAttainment, not in sloViolationRate). */
  tbtS?: number;
  tbtByType?: Readonly<Record<string, number>>;
  /** 'gaps': each request's own calibrated deadline, with its slack. */
  deadline?: 'gaps';
  deadlineSlack?: number;
}

export function activeSlos(d: SloDefaults & { readonly tbtS?: number | undefined; readonly tbtByType?: Readonly<Record<string, number>> | undefined }): ActiveSlos {
  return {
    ...(d.ttftS !== undefined ? { ttftS: d.ttftS } : {}),
    ...(d.tpotS !== undefined ? { tpotS: d.tpotS } : {}),
    ...(d.e2eSlack !== undefined && d.e2eSlack > 0 ? { e2eSlack: d.e2eSlack } : {}),
    ...(d.tbtS !== undefined ? { tbtS: d.tbtS } : {}),
    ...(d.tbtByType !== undefined ? { tbtByType: d.tbtByType } : {}),
    ...(d.deadline !== undefined ? { deadline: d.deadline, deadlineSlack: d.deadlineSlack ?? 5 } : {}),
  };
}

/** One line: "TTFT <= 0.1 s, e2e <= 5x unloaded latency" (or "none"). */
export function describeSlos(d: ActiveSlos): string {
  const a = activeSlos(d);
  const parts = [
    a.ttftS !== undefined && `TTFT <= ${a.ttftS} s`,
    a.tpotS !== undefined && `TPOT <= ${a.tpotS * 1000} ms`,
    a.e2eSlack !== undefined && `e2e <= ${a.e2eSlack}x unloaded latency`,
    a.tbtS !== undefined && `TBT <= ${a.tbtS * 1000} ms`,
    a.deadline !== undefined && `completion <= GAPS calibrated deadline (slack ${a.deadlineSlack})`,
    a.tbtByType !== undefined && `TBT by type (${Object.entries(a.tbtByType).map(([k, v]) => `${k} ${v * 1000} ms`).join(', ')})`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * Judges each completed request against its SLOs. The unloaded latency of a request is its prefill
 * alone on an idle instance plus (output - 1) decode steps alone, each step timed at the mean context
 * length of its decode phase (exact when decode time is linear in context, as in the roofline's
 * memory-bound regime).
 */
export class SloJudge {
  private readonly shape = emptyShape();
  /** Per-request absolute deadlines (NaN: none), filled through `setDeadline`. */
  private deadlines = new Float64Array(0);

  constructor(
    private readonly perf: PerfModel,
    private readonly t: RequestTable,
    readonly defaults: SloDefaults,
  ) {}

  unloadedLatency(prompt: number, output: number): number {
    const s = this.shape;
    s.prefillSeqs = 1;
    s.prefillTokens = prompt;
    s.prefillPastTokens = 0;
    s.prefillAttnPairs = (prompt * (prompt + 1)) / 2;
    s.decodeSeqs = 0;
    s.decodeContextTokens = 0;
    let total = this.perf.iterationTime(s);
    if (output > 1) {
      s.prefillSeqs = s.prefillTokens = s.prefillPastTokens = s.prefillAttnPairs = 0;
      s.decodeSeqs = 1;
      s.decodeContextTokens = prompt + (output - 1) / 2;
      total += (output - 1) * this.perf.iterationTime(s);
    }
    return total;
  }

  /** Sets a request's own absolute deadline (judged on top of the run's targets). */
  setDeadline(id: number, t: number): void {
    if (id >= this.deadlines.length) {
      const b = new Float64Array(Math.max(4096, 2 * (id + 1))).fill(Number.NaN);
      b.set(this.deadlines);
      this.deadlines = b;
    }
    this.deadlines[id] = t;
  }

  /** The request's own absolute deadline, NaN when it has none. */
  deadlineOf(id: number): number {
    return id < this.deadlines.length ? (this.deadlines[id] as number) : Number.NaN;
  }

  /** True when the completed request missed any SLO it is judged on. */
  violated(id: number): boolean {
    const t = this.t;
    const arrival = t.arrival[id] as number;
    const ttft = (t.firstToken[id] as number) - arrival;
    const e2e = (t.completion[id] as number) - arrival;
    const out = t.output[id] as number;
    const ttftT = pick(t.sloTtftOf(id), this.defaults.ttftS);
    if (ttftT !== undefined && ttft > ttftT) return true;
    const tpotT = pick(t.sloTpotOf(id), this.defaults.tpotS);
    if (tpotT !== undefined && out > 1 && (e2e - ttft) / (out - 1) > tpotT) return true;
    const slack = pick(t.sloSlackOf(id), this.defaults.e2eSlack);
    if (slack !== undefined && slack > 0 && e2e > slack * this.unloadedLatency(t.prompt[id] as number, out)) return true;
    const own = this.deadlineOf(id);
    if (!Number.isNaN(own) && (t.completion[id] as number) > own) return true;
    return false;
  }
}

function pick(own: number, dflt: number | undefined): number | undefined {
  return Number.isNaN(own) ? dflt : own;
}
