import type { BatchPolicy, RequestFacts } from '../../model/batchPolicy.js';
import { formWholePrompts } from './forms.js';
import { IterationEstimator } from './iterationEstimator.js';

export interface FastServeOptions {
  /** Levels of the multi-level feedback queue. */
  readonly levels: number;
  /** Seconds of waiting after which a request is promoted to the top level (starvation prevention). */
  readonly promoteS: number;
  /**
   * Promote again each time a request starves (the paper's rule) instead of once per request.
   * Off by default: under overload every waiting request starves in turn (see the class comment).
   */
  readonly repromote?: boolean;
  /**
   * 'lazy' (the paper): a displaced request keeps its KV on the GPU; KV is offloaded to host only
   * when the instance needs the blocks, lowest-priority waiter first. 'eager': swapped out at once.
   */
  readonly offload?: 'lazy' | 'eager';
}

/**
 * FastServe (Wu et al., 2023; the survey's Section 4): preemptive skip-join MLFQ at iteration
 * granularity. Quanta double from level to level, q_k = q_0 * 2^k, with q_0 the measured time of a
 * one-token iteration. Skip-join: a new request enters the highest level whose quantum covers its
 * first iteration (its prefill, priced from measured iteration times), so long prompts do not block
 * the top queue. A request is demoted each time it uses up its level's quantum of service (prefill
 * plus one decode iteration per token). One that has waited longer than `promoteS` is moved back to
 * the top level with a fresh quantum (and is demoted again from there as it runs), once per request:
 * repeated promotions under overload turn MLFQ into a swap storm (`repromote` restores the paper's rule). A request of a
 * higher level yields to a waiting one of a lower level when the batch or KV is full; within a
 * level requests are served in arrival order and nobody is displaced. Displaced requests keep their
 * KV on the GPU (`offload: 'lazy'`, the paper's design); when the instance needs the blocks (an
 * admission, or running requests' growth) kept KV goes to host memory, the lowest-priority waiter's
 * first (proactive
 * swapping: the copies overlap the iteration's compute, so a step takes max(compute, PCIe time)), so
 * displaced requests resume without recompute when the host has room. `offload: 'eager'` swaps each
 * victim out at once (two full-KV copies per displacement, which PCIe cannot hide). Batches are formed as in Orca, which FastServe builds on (iteration-level
 * scheduling, whole prompts beside the decodes, no chunked prefill).
 */
export function fastServeScheduler(opts: FastServeOptions): BatchPolicy {
  const est = new IterationEstimator();
  const top = opts.levels - 1;
  const lazy = opts.offload === 'lazy';
  // Per request (by id): current level + 1 (0: not seen yet), service when it entered that level,
  // and when it was promoted (NaN: never).
  let levelOf = new Int8Array(1024);
  let markOf = new Float64Array(1024);
  let promotedWait = new Float64Array(1024).fill(Number.NaN);
  const ensure = (id: number): void => {
    if (id < levelOf.length) return;
    let n = levelOf.length;
    while (n <= id) n *= 2;
    const l = new Int8Array(n);
    l.set(levelOf);
    levelOf = l;
    const m = new Float64Array(n);
    m.set(markOf);
    markOf = m;
    const p = new Float64Array(n).fill(Number.NaN);
    p.set(promotedWait);
    promotedWait = p;
  };
  const q0 = (): number => Math.max(1e-6, est.measured ? est.predict(1) : 0.02);
  const prefillTime = (p: number): number => (est.measured ? est.predict(p, (p * (p + 1)) / 2) : p * 1e-4);
  const service = (f: RequestFacts): number => (f.generatedTokens > 0 ? prefillTime(f.promptTokens) + (f.generatedTokens - 1) * q0() : 0);
  /** Current level, advancing the request's MLFQ state (skip-join, demotion, promotion). */
  const level = (f: RequestFacts, now: number): number => {
    ensure(f.id);
    const base = q0();
    const s = service(f);
    let k = (levelOf[f.id] as number) - 1;
    if (k < 0) {
      k = Math.min(top, Math.max(0, Math.ceil(Math.log2(Math.max(1, prefillTime(f.promptTokens) / base)))));
      markOf[f.id] = 0; // service counts from the start, prefill included
    }
    const waitStart = now - f.waitedS;
    // Promotion happens once per request: under overload every waiting request starves, and
    // repeated promotions would make every running request yield every few tokens (a swap storm).
    const eligible = opts.repromote ? promotedWait[f.id] !== waitStart : Number.isNaN(promotedWait[f.id] as number);
    if (f.waitedS >= opts.promoteS && eligible) {
      k = 0;
      markOf[f.id] = s;
      promotedWait[f.id] = waitStart;
    }
    while (k < top && s - (markOf[f.id] as number) >= base * 2 ** k) {
      markOf[f.id] = (markOf[f.id] as number) + base * 2 ** k;
      k++;
    }
    levelOf[f.id] = k + 1;
    return k;
  };
  return {
    name: 'fastserve',
    preemptive: true,
    dynamicRank: true,
    rank: (f, now) => level(f, now) * 1e9 + f.arrival,
    // Without the arrival term: within a level nothing is displaced.
    victimRank: (f, now) => level(f, now) * 1e9,
    // Lazy offload keeps the victim's KV on the GPU; the instance swaps kept KV to host, lowest
    // priority first, when it needs the blocks (admissions and decode growth; `swapsKeptKv`).
    preemptMode: () => (lazy ? 'keep' : 'swap'),
    swapsKeptKv: true,
    overlapsSwaps: true,
    formBatch: (b) => {
      est.observe(b);
      formWholePrompts(b, b.maxBatchedTokens);
    },
  };
}
