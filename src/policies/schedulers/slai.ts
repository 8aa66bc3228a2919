import type { BatchBuilder, BatchPolicy } from '../../model/batchPolicy.js';
import { IterationEstimator } from './iterationEstimator.js';

export interface SlaiOptions {
  /** Most tokens in one iteration (Sarathi-style budget), capped by max_num_batched_tokens. */
  readonly budget: number;
  /** TBT target for requests that carry none (seconds); Infinity: use the run's default only. */
  readonly tbtS: number;
  /** Fraction of each deadline kept in reserve against errors of the measured time model. */
  readonly margin: number;
}

/**
 * SLAI (Bari, Hegde, de Veciana 2025), from its abstract and the reading (docs/SCHEDULERS.md):
 *  - every running decode has a deadline for its next token, last token + TBT target;
 *  - iteration times are not modelled but measured: a running fit of duration against batch tokens;
 *  - the iteration's token budget is cut so it ends before the most urgent running decode's deadline;
 *  - decodes with slack for two more iterations sit this one out when prefill work is waiting and
 *    the budget binds (least urgent first), freeing budget for prefills;
 *  - waiting prefills go shortest prompt first; partial prefills continue shortest remaining first.
 */
export function slaiScheduler(opts: SlaiOptions): BatchPolicy {
  const est = new IterationEstimator();
  let ids = new Int32Array(64);
  let deadlines = new Float64Array(64);
  let contexts = new Float64Array(64);
  const order: number[] = [];
  return {
    name: 'slai',
    preemptive: false,
    rank: (f) => f.promptTokens,
    formBatch(b: BatchBuilder): void {
      est.observe(b);
      const now = b.now;
      const cap = Math.min(opts.budget, b.maxBatchedTokens);
      const n = b.numDecoding;
      if (n > ids.length) {
        ids = new Int32Array(2 * n);
        deadlines = new Float64Array(2 * n);
        contexts = new Float64Array(2 * n);
      }
      order.length = 0;
      for (let i = 0; i < n; i++) {
        const id = b.decodingAt(i);
        const f = b.facts(id);
        const target = Number.isFinite(f.tbtTargetS) ? f.tbtTargetS : opts.tbtS;
        ids[i] = id;
        deadlines[i] = f.lastTokenTime + target * (1 - opts.margin);
        contexts[i] = f.kvTokens;
        order.push(i);
      }
      order.sort((x, y) => (deadlines[x] as number) - (deadlines[y] as number) || (ids[x] as number) - (ids[y] as number));
      const pending = pendingPrefill(b, cap);
      // Decodes that can wait one iteration and still meet their deadline sit out when prefills need the room.
      let context = 0;
      for (let i = 0; i < n; i++) context += contexts[i] as number;
      const tFull = est.measured ? est.predict(cap, context + (cap * cap) / 2) : Number.POSITIVE_INFINITY;
      let kept = n;
      for (let k = n - 1; k >= 0 && kept + pending > cap; k--) {
        const i = order[k] as number;
        // Only a finite deadline gives slack to spend: a decode without a target is never skipped.
        if (!Number.isFinite(deadlines[i] as number) || (deadlines[i] as number) - now < 2 * tFull) break;
        b.skipDecode(ids[i] as number);
        kept--;
        context -= contexts[i] as number;
      }
      // The iteration must end before the most urgent decode that runs needs its token.
      let budget = cap;
      if (kept > 0) {
        const slack = (deadlines[order[0] as number] as number) - now;
        if (Number.isFinite(slack)) budget = Math.max(kept, Math.min(cap, kept + est.prefillWithin(slack, kept, context, firstPrefillPast(b))));
      }
      b.tokenBudget = budget;
      b.decodeAll();
      prefillShortestFirst(b);
      while (b.tokenBudget > 0 && b.numWaiting > 0) {
        const used = b.admit(b.tokenBudget, true, false);
        if (used < 0) break;
        b.tokenBudget -= used;
      }
      if (b.numDecoding > 0) b.decodeAll();
    },
  };
}

/** KV already computed for the prefill that would run first (the shortest partial one), or 0 for a new admission. */
function firstPrefillPast(b: BatchBuilder): number {
  let best = Number.POSITIVE_INFINITY;
  let past = 0;
  for (let i = 0; i < b.numPrefilling; i++) {
    const f = b.facts(b.prefillingAt(i));
    const left = f.prefillTarget - f.kvTokens;
    if (left < best) {
      best = left;
      past = f.kvTokens;
    }
  }
  return past;
}

/** Prefill tokens waiting to be computed, counted up to `limit` (enough to know whether the budget binds). */
function pendingPrefill(b: BatchBuilder, limit: number): number {
  let p = 0;
  for (let i = 0; i < b.numPrefilling && p <= limit; i++) {
    const f = b.facts(b.prefillingAt(i));
    p += f.prefillTarget - f.kvTokens;
  }
  for (let i = 0; i < b.numWaiting && p <= limit; i++) {
    const f = b.facts(b.waitingAt(i));
    p += Math.max(0, f.prefillTarget - f.kvTokens);
  }
  return p;
}

/** Partial prefills, shortest remaining first, chunked to the budget. */
function prefillShortestFirst(b: BatchBuilder): void {
  const n = b.numPrefilling;
  if (n === 0) return;
  const items: { id: number; left: number }[] = [];
  for (let i = 0; i < n; i++) {
    const id = b.prefillingAt(i);
    const f = b.facts(id);
    items.push({ id, left: f.prefillTarget - f.kvTokens });
  }
  items.sort((x, y) => x.left - y.left || x.id - y.id);
  for (const it of items) {
    if (b.tokenBudget <= 0) break;
    b.tokenBudget -= b.prefill(it.id, b.tokenBudget);
  }
}
