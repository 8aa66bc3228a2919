import type { BatchBuilder } from '../../model/batchPolicy.js';

/**
 * Batch formation routines shared by the schedulers: each is the part of a paper's scheduler that
 * decides what one iteration holds, written against the `BatchBuilder` so the instance's mechanism
 * stays exact. Queue order (which waiting request is the head) comes from the policy's `rank`.
 */

/**
 * vLLM V1 / Sarathi-Serve: every decode first (one token each), then ongoing prefill chunks in
 * admission order, then new admissions from the head of the queue, all within `budget` tokens;
 * prefills are chunked to fit ("stall-free": decodes never wait for a long prefill). A preemptive
 * policy first displaces running requests ranked worse than the queue's head when the batch is full.
 * An iteration that had to preempt for KV admits nothing new (vLLM V1 does the same).
 */
export function formMixed(b: BatchBuilder, budget: number): void {
  b.tokenBudget = budget;
  const displaced = b.displaceWorse();
  b.decodeAll();
  continuePrefills(b);
  // As vLLM V1: no new admissions in an iteration that had to preempt for KV (it would thrash).
  const kvShort = b.batchPreemptions > displaced;
  while (!kvShort && b.tokenBudget > 0 && b.numWaiting > 0) {
    const used = b.admit(b.tokenBudget, true, false);
    if (used < 0) break;
    b.tokenBudget -= used;
  }
  // Requests admitted with their KV (swap-in, migration) may have joined the decode set just now.
  if (b.numDecoding > 0) b.decodeAll();
}

/** Ongoing partial prefills, in admission order, chunked to the remaining budget. */
export function continuePrefills(b: BatchBuilder): void {
  for (let i = 0; i < b.numPrefilling && b.tokenBudget > 0; i++) {
    b.tokenBudget -= b.prefill(b.prefillingAt(i), b.tokenBudget);
  }
}

/**
 * vLLM V0's default: if any waiting request can be admitted, the iteration is prefill-only (whole
 * prompts, an over-long one alone); otherwise every decode runs. Partial prefills (a request that
 * arrived with part of its KV) are finished first.
 */
export function formPrefillFirst(b: BatchBuilder, budget: number): void {
  b.tokenBudget = budget;
  for (let i = 0; i < b.numPrefilling && b.tokenBudget > 0; i++) {
    const id = b.prefillingAt(i);
    const f = b.facts(id);
    const left = f.prefillTarget - f.kvTokens;
    if (left > b.tokenBudget && b.batchPrefillTokens > 0) break;
    b.tokenBudget -= b.prefill(id, Math.max(left, 0));
  }
  while (b.numWaiting > 0) {
    const used = b.admit(b.tokenBudget, false, b.batchPrefillTokens === 0);
    if (used < 0) break;
    b.tokenBudget -= used;
  }
  if (b.batchPrefillTokens > 0) return;
  b.decodeAll();
}

/**
 * Orca's iteration-level scheduling: every decode plus whole prompts admitted in queue order while
 * they fit the budget (selective batching; no chunking, so a long prompt stalls the decodes it
 * joins). An over-long prompt runs when it is the only prefill.
 */
export function formWholePrompts(b: BatchBuilder, budget: number): void {
  b.tokenBudget = budget;
  const displaced = b.displaceWorse();
  b.decodeAll();
  if (b.batchPreemptions > displaced) return;
  for (let i = 0; i < b.numPrefilling; i++) {
    const id = b.prefillingAt(i);
    const f = b.facts(id);
    b.tokenBudget -= b.prefill(id, Math.max(0, f.prefillTarget - f.kvTokens));
  }
  while (b.numWaiting > 0) {
    const used = b.admit(Math.max(0, b.tokenBudget), false, b.batchPrefillTokens === 0);
    if (used < 0) break;
    b.tokenBudget -= used;
  }
  if (b.numDecoding > 0) b.decodeAll();
}

/** The batch style a scheduler option names: mixed chunked prefill (V1) or prefill-first (V0). */
export type BatchStyle = 'mixed' | 'prefill-first';

/**
 * The batch formation a style names, as one function shared by every instance and policy object
 * using that style. A closure made per policy object (`(b) => formByStyle(b, style)`) is one more
 * object, and one more context, per instance to fetch at every iteration start; a shared function
 * stays in cache. Same calls, same batches.
 */
export function formerOf(style: BatchStyle): (b: BatchBuilder) => void {
  return style === 'mixed' ? formMixedWhole : formPrefillFirstWhole;
}

function formMixedWhole(b: BatchBuilder): void {
  formMixed(b, b.maxBatchedTokens);
}

function formPrefillFirstWhole(b: BatchBuilder): void {
  formPrefillFirst(b, b.maxBatchedTokens);
}
