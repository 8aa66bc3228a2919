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
  /**
   * Memos of the two iteration times an unloaded latency is made of (NaN: not computed yet): the
   * prefill alone, by prompt length, and one decode step alone, by twice its context length
   * (2·prompt + output − 1, an integer). Each entry is the value `perf.iterationTime` returned for
   * exactly that shape (the model is a pure function of the shape), so a memoised latency is the
   * same double as a computed one. Keys from MEMO_LIMIT up (and non-integers) are computed each time.
   */
  private prefillMemo: Float64Array = new Float64Array(0);
  private decodeMemo: Float64Array = new Float64Array(0);

  constructor(
    private readonly perf: PerfModel,
    private readonly t: RequestTable,
    readonly defaults: SloDefaults,
  ) {}

  /**
   * The request's latency alone on an idle instance. (A wrapper small enough to be inlined: the body
   * leaves its result in a field, since a double returned from a call the optimiser does not inline
   * is boxed, a heap number per completion judged.)
   */
  unloadedLatency(prompt: number, output: number): number {
    this.computeUnloaded(prompt, output);
    return this.unloadedS;
  }
  private unloadedS = Number.NaN;

  private computeUnloaded(prompt: number, output: number): void {
    let total = this.prefillTime(prompt);
    if (output > 1) total += (output - 1) * this.decodeStepTime(prompt, output);
    this.unloadedS = total;
  }

  /** The prompt's prefill alone on an idle instance. */
  private prefillTime(prompt: number): number {
    if (prompt >= 0 && prompt < MEMO_LIMIT && (prompt | 0) === prompt) {
      if (prompt >= this.prefillMemo.length) this.prefillMemo = grownMemo(this.prefillMemo, prompt);
      const m = this.prefillMemo[prompt] as number;
      if (m === m) return m;
      return (this.prefillMemo[prompt] = this.prefillTimeOf(prompt));
    }
    return this.prefillTimeOf(prompt);
  }

  /** One decode step alone at the mean context of the request's decode phase, prompt + (output − 1)/2. */
  private decodeStepTime(prompt: number, output: number): number {
    const k = 2 * prompt + output - 1;
    if (k >= 0 && k < MEMO_LIMIT && (k | 0) === k && (prompt | 0) === prompt) {
      if (k >= this.decodeMemo.length) this.decodeMemo = grownMemo(this.decodeMemo, k);
      const m = this.decodeMemo[k] as number;
      if (m === m) return m;
      return (this.decodeMemo[k] = this.decodeStepTimeOf(prompt, output));
    }
    return this.decodeStepTimeOf(prompt, output);
  }

  private prefillTimeOf(prompt: number): number {
    const s = this.shape;
    s.prefillSeqs = 1;
    s.prefillTokens = prompt;
    s.prefillPastTokens = 0;
    s.prefillAttnPairs = (prompt * (prompt + 1)) / 2;
    s.decodeSeqs = 0;
    s.decodeContextTokens = 0;
    return this.perf.iterationTime(s);
  }

  private decodeStepTimeOf(prompt: number, output: number): number {
    const s = this.shape;
    s.prefillSeqs = s.prefillTokens = s.prefillPastTokens = s.prefillAttnPairs = 0;
    s.decodeSeqs = 1;
    s.decodeContextTokens = prompt + (output - 1) / 2;
    return this.perf.iterationTime(s);
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

/** Memo keys at or above this are not memoised (8 MB a memo at most). */
const MEMO_LIMIT = 1 << 20;

/** A copy of `memo` long enough for `key` (a power of two, new entries NaN). */
function grownMemo(memo: Float64Array, key: number): Float64Array {
  let n = Math.max(1024, memo.length);
  while (n <= key) n *= 2;
  const b = new Float64Array(n).fill(Number.NaN);
  b.set(memo);
  return b;
}

function pick(own: number, dflt: number | undefined): number | undefined {
  return Number.isNaN(own) ? dflt : own;
}
