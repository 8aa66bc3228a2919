import { emptyShape, type PerfModel } from '../../model/perfModel.js';
import type { InstanceView } from '../clusterView.js';

/** One request this router sent to an instance and has not seen complete. */
export interface LedgerEntry {
  readonly prompt: number;
  /** Central (mean-calibrated) predicted output tokens: what routing estimates with. */
  readonly central: number;
  /** Calibrated upper estimate s~ of the output tokens: what KV reservations and deadlines use. */
  readonly calibrated: number;
  readonly routedAt: number;
  /** Arrival time: instances serve first come, first served by arrival, so a moved request queues by it. */
  readonly arrival: number;
  /** When it took a batch slot, by this router's records (NaN while it waits for one). */
  start: number;
  /** Its prefill alone, seconds (computed once). */
  prefillS: number;
}

/**
 * Router-side knowledge of one instance: what this router sent there and has not seen complete, in
 * the order sent (first come, first served). Slots are tracked from what a front end sees live: a
 * request takes a batch slot when sent to an instance with a free one, or when a request ahead of it
 * on that instance completes (the stream ends), which frees a slot for the oldest waiting one.
 */
export class InstanceLedger {
  readonly entries = new Map<number, LedgerEntry>();
  /** Sum over entries of prompt + calibrated output: their peak KV demand. */
  demandTokens = 0;
  /** Prompt tokens sent since the instance's last report (not yet in its waiting count). */
  promptSinceReport = 0;
  reportTime = -1;
  /** Entries holding a batch slot. */
  started = 0;
  /** Batch slots of the instance (its max_num_seqs, learnt from the view). */
  slots = Number.POSITIVE_INFINITY;

  add(id: number, e: Omit<LedgerEntry, 'start' | 'prefillS'>, now: number): void {
    const start = this.started < this.slots ? now : Number.NaN;
    if (!Number.isNaN(start)) this.started++;
    let last = Number.NEGATIVE_INFINITY;
    for (const x of this.entries.values()) last = x.arrival;
    this.entries.set(id, { ...e, start, prefillS: Number.NaN });
    this.demandTokens += e.prompt + e.calibrated;
    if (e.arrival < last) {
      // A moved request joins the queue at its arrival position, not at the back: keep that order.
      const sorted = [...this.entries].sort((a, b) => a[1].arrival - b[1].arrival || a[0] - b[0]);
      this.entries.clear();
      for (const [k, x] of sorted) this.entries.set(k, x);
    }
  }

  remove(id: number, now: number): LedgerEntry | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.demandTokens -= e.prompt + e.calibrated;
    if (!Number.isNaN(e.start)) {
      this.started--;
      this.promote(now);
    }
    return e;
  }

  /** The oldest waiting entries take the free slots. */
  private promote(now: number): void {
    if (this.started >= this.slots) return;
    for (const e of this.entries.values()) {
      if (!Number.isNaN(e.start)) continue;
      e.start = now;
      if (++this.started >= this.slots) return;
    }
  }

  /** Keeps the since-report counter aligned with the instance's report, and learns its slot count. */
  sync(v: InstanceView, now: number): void {
    if (this.reportTime !== v.reportTime) {
      this.reportTime = v.reportTime;
      this.promptSinceReport = 0;
    }
    if (this.slots !== v.maxNumSeqs) {
      this.slots = v.maxNumSeqs;
      this.promote(now);
    }
  }
}

/** Where a request stands in an instance's first-come order: its id (-1: a new arrival, behind everyone) and arrival. */
export interface QueuePosition {
  readonly self: number;
  readonly arrival: number;
}
export const NEW_ARRIVAL: QueuePosition = { self: -1, arrival: Number.POSITIVE_INFINITY };

/** Work of one request as the estimator sees it: seconds of prefill left and decode tokens left. */
interface Pending {
  prefillS: number;
  tokens: number;
  started: boolean;
  /** Ahead of the request being estimated in the first-come order (behind ones only share the batch). */
  ahead: boolean;
}

/**
 * Predicted completion time of a request on an instance: GAPS Eq. 9 with the intent the paper states
 * ("the instance with the smallest predicted completion time"), since adding the same s~ to every
 * queue cannot change a choice (docs/GAPS.md). The instance is a B-slot first-come-first-served
 * server, B = max_num_seqs:
 *
 *   C_j(i) = max(slotWait_j, kvWait_j) + prefill_j(i) + s_i * tpot_j(b_j)
 *
 * - s_i: the central (mean-calibrated) prediction of the request's output tokens.
 * - slotWait_j: the requests ahead hold the B slots; each holds its slot for its remaining prefill
 *   plus its remaining predicted tokens at tpot_j; waiting ones take the earliest free slot in order;
 *   the request starts when the next slot frees after them. Zero while fewer than B are outstanding.
 * - tpot_j(b): one decode step of b sequences at the reported context; b counts the requests that
 *   will decode beside this one, each weighted by the fraction of its decode it overlaps, at most B.
 * - prefill_j(i): its own prompt, plus the prefill still running ahead of it when it starts at once.
 * - kvWait_j: when the calibrated peak KV demand (prompt + s~) of the outstanding requests plus its
 *   own exceeds the KV capacity, the excess drains first at b tokens per tpot.
 *
 * With one slot (B = 1) and no KV pressure, b = 1 and C_j(i) is the sum of the work left on j (each
 * request's remaining prefill and decode alone) plus the request's own: the argmin over j is
 * least-work-left (tested).
 */
export class CompletionEstimator {
  private readonly shape = emptyShape();
  private readonly pending: Pending[] = [];
  private readonly free: number[] = [];

  constructor(private readonly perf: PerfModel) {}

  decodeStep(batch: number, context: number): number {
    const s = this.shape;
    s.prefillSeqs = s.prefillTokens = s.prefillAttnPairs = s.prefillPastTokens = 0;
    s.decodeSeqs = Math.max(1, Math.round(batch));
    s.decodeContextTokens = context;
    return this.perf.iterationTime(s);
  }

  prefill(tokens: number): number {
    const s = this.shape;
    s.decodeSeqs = s.decodeContextTokens = s.prefillPastTokens = 0;
    s.prefillSeqs = 1;
    s.prefillTokens = tokens;
    s.prefillAttnPairs = (tokens * (tokens + 1)) / 2;
    return this.perf.iterationTime(s);
  }

  /** Mean KV context per sequence, from the report (or the request's own size when nothing runs). */
  private context(v: InstanceView, prompt: number, own: number): number {
    return v.running > 0 ? (v.kvUsedBlocks * v.kvBlockSize) / v.running : prompt + own / 2;
  }

  /**
   * The work ahead on the instance, one entry per outstanding request, in first-come order. From the
   * ledger when there is one: a started request has produced (now - start - prefill) / tpot tokens.
   * Without one (no global monitoring) the reported counts stand in, each of `typical` tokens
   * (running ones half done).
   */
  private fillPending(v: InstanceView, ledger: InstanceLedger | undefined, tpot: number, typical: number, typicalPrompt: number, now: number, at: QueuePosition): Pending[] {
    const out = this.pending;
    out.length = 0;
    if (ledger) {
      for (const [id, e] of ledger.entries) {
        if (id === at.self) continue;
        if (Number.isNaN(e.prefillS)) e.prefillS = this.prefill(Math.max(1, e.prompt));
        const pre = e.prefillS;
        const ahead = e.arrival < at.arrival || (e.arrival === at.arrival && id < at.self) || at.self < 0;
        if (Number.isNaN(e.start)) {
          out.push({ prefillS: pre, tokens: Math.max(1, e.central), started: false, ahead });
        } else {
          const elapsed = Math.max(0, now - e.start);
          const produced = Math.max(0, elapsed - pre) / tpot;
          out.push({ prefillS: Math.max(0, pre - elapsed), tokens: Math.max(1, e.central - produced), started: true, ahead: true });
        }
      }
      return out;
    }
    const pre = this.prefill(Math.max(1, typicalPrompt));
    for (let k = 0; k < v.running; k++) out.push({ prefillS: 0, tokens: Math.max(1, typical / 2), started: true, ahead: true });
    for (let k = 0; k < v.waiting + v.sinceReport; k++) out.push({ prefillS: pre, tokens: Math.max(1, typical), started: false, ahead: true });
    return out;
  }

  /** Seconds until a batch slot frees for a request behind `ahead`, on `slots` slots at `tpot`. */
  private slotWait(pending: readonly Pending[], slots: number, tpot: number): number {
    let n = 0;
    for (const p of pending) if (p.ahead) n++;
    if (n < slots) return 0;
    const free = this.free;
    free.length = 0;
    for (const p of pending) if (p.started) free.push(p.prefillS + p.tokens * tpot);
    while (free.length < slots) free.push(0);
    free.sort((a, b) => a - b);
    // Keep the `slots` smallest finish times as a sorted array; each waiting request takes the first.
    if (free.length > slots) free.length = slots;
    for (const p of pending) {
      if (p.started || !p.ahead) continue;
      const t = (free.shift() as number) + p.prefillS + p.tokens * tpot;
      insertSorted(free, t);
    }
    return free[0] as number;
  }

  /**
   * Eq. 9's completion time of a request of `prompt` tokens and `own` predicted output tokens
   * (central), whose calibrated upper estimate is `upper`, on instance v. `typical` sizes requests
   * the router has no record of; `at` places a request that is already in the system (a candidate
   * for a move) at its own place in the first-come order, leaving it out of the work ahead.
   */
  estimate(v: InstanceView, ledger: InstanceLedger | undefined, prompt: number, own: number, upper: number, now: number, typical = own, typicalPrompt = prompt, at: QueuePosition = NEW_ARRIVAL): number {
    own = Math.max(1, own);
    const slots = Math.max(1, v.maxNumSeqs);
    const ctx = this.context(v, prompt, own);
    const tpotNow = this.decodeStep(Math.min(slots, v.running + 1), ctx * Math.min(slots, v.running + 1));
    const ahead = this.fillPending(v, ledger, tpotNow, typical, typicalPrompt, now, at);
    let overlap = 0;
    for (const p of ahead) overlap += Math.min(p.tokens, own) / own;
    const batch = Math.min(slots, overlap + 1);
    const tpot = this.decodeStep(batch, ctx * batch);
    const slotWait = this.slotWait(ahead, slots, tpot);
    const capacity = v.kvTotalBlocks * v.kvBlockSize;
    const demand = Math.max(ledger ? ledger.demandTokens : 0, v.kvUsedBlocks * v.kvBlockSize) + prompt + Math.max(own, upper);
    const excess = Math.max(0, demand - capacity);
    const kvWait = excess > 0 ? (excess * tpot) / batch : 0;
    // Starting at once, its prefill shares iterations with the prefills still running ahead of it.
    let prefillAhead = 0;
    if (slotWait === 0) {
      if (ledger) for (const p of ahead) if (p.ahead) prefillAhead += p.prefillS;
      else if (v.waitingPromptTokens > 0) prefillAhead = this.prefill(v.waitingPromptTokens);
    }
    return Math.max(slotWait, kvWait) + prefillAhead + this.prefill(prompt) + own * tpot;
  }

  /**
   * Least-work-left's score: the seconds of work the instance has left, each outstanding request's
   * remaining prefill and remaining predicted decode timed alone (batch of one), as a single-slot
   * server would serve them.
   */
  workLeft(v: InstanceView, ledger: InstanceLedger | undefined, prompt: number, own: number, typical = own, typicalPrompt = prompt, now = 0): number {
    const ctx = this.context(v, prompt, Math.max(1, own));
    const tpot1 = this.decodeStep(1, ctx);
    let work = 0;
    for (const p of this.fillPending(v, ledger, tpot1, typical, typicalPrompt, now, NEW_ARRIVAL)) work += p.prefillS + p.tokens * tpot1;
    return work;
  }

  /** The request alone on an idle instance. */
  unloaded(prompt: number, tokens: number): number {
    return this.prefill(Math.max(1, prompt)) + Math.max(1, tokens) * this.decodeStep(1, prompt + tokens / 2);
  }
}

function insertSorted(xs: number[], x: number): void {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  xs.splice(lo, 0, x);
}
