import type { ApiCallFacts, ApiKvStrategy, InstanceState, RequestFacts } from '../../model/batchPolicy.js';
import { IterationEstimator } from './iterationEstimator.js';

/**
 * The memory an API call wastes under each KV strategy, in block-seconds (INFERCEPT, Abhyankar et
 * al., ICML 2024, as the survey's Section 5.1 summarises it):
 *  - preserve: the request's blocks sit idle for the whole call: blocks * duration;
 *  - discard: on return the context is recomputed; the recompute iteration delays every running
 *    request, so their memory and the request's own are held for that time: (blocks + used) * t_recompute;
 *  - swap: the copy out and back in stalls the batch twice: used * 2 * blocks * t_block.
 */
export function apiWaste(s: InstanceState, est: IterationEstimator, f: RequestFacts, durationS: number): Record<ApiKvStrategy, number> {
  const blocks = Math.ceil(f.kvTokens / s.blockSize);
  const recompute = est.measured ? est.predict(f.kvTokens, (f.kvTokens * (f.kvTokens + 1)) / 2) : f.kvTokens * 1e-4;
  const used = s.usedBlocks;
  return {
    preserve: blocks * durationS,
    discard: (blocks + used) * recompute,
    swap: blocks <= s.hostFreeBlocks ? used * 2 * blocks * s.swapSecondsPerBlock : Number.POSITIVE_INFINITY,
  };
}

export function leastWaste(w: Record<ApiKvStrategy, number>): ApiKvStrategy {
  let best: ApiKvStrategy = 'preserve';
  for (const k of ['discard', 'swap'] as const) if (w[k] < w[best]) best = k;
  return best;
}

/** Callers need the instance state when a call starts; the policy keeps the last one it formed a batch on. */
export type StateRef = { state: InstanceState | undefined };

export function strategyFor(ref: StateRef, est: IterationEstimator, f: RequestFacts, call: ApiCallFacts, duration: number): ApiKvStrategy {
  const s = ref.state;
  // Nothing known yet about this kind of call (or the instance): vLLM's default, discard.
  if (!s || !Number.isFinite(duration) || call.kind === '') return 'discard';
  return leastWaste(apiWaste(s, est, f, duration));
}
