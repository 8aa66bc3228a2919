import type { BatchPolicy } from '../../model/batchPolicy.js';
import { rankFunctions } from '../../queueing/ranks.js';
import { formerOf, type BatchStyle } from './forms.js';

/** Ranks of aged requests sit below every size rank, in arrival order. */
const AGED = -1e15;

/**
 * A rank policy with a starvation bound (ageing): while a request has been in the system less than
 * `boundS` seconds it ranks by the size rank (e.g. SPRPT: predicted remaining tokens); past the bound
 * it ranks ahead of every unaged request, first come first served among the aged, and it can no longer
 * be displaced by a better-ranked one. Shortest-predicted-first without starvation's P99 cost: no
 * request waits behind a stream of shorter ones for longer than the bound plus the service ahead
 * of it among the aged. Ranks change with time, so the waiting queue is re-ranked every iteration.
 */
export function agedRankScheduler(name: string, rank: string, preemptive: boolean, boundS: number, style: BatchStyle): BatchPolicy {
  const fn = rankFunctions.get(rank)(undefined);
  const aged = (arrival: number, now: number): boolean => now - arrival >= boundS;
  const base = (y: number, a: number, arrival: number): number => fn(Number.isFinite(y) ? y : Number.MAX_VALUE, a, arrival);
  return {
    name,
    preemptive,
    usesPredictions: true,
    dynamicRank: true,
    rank: (f, now) => (aged(f.arrival, now) ? AGED + f.arrival : base(f.predictedOutputTokens, f.generatedTokens, f.arrival)),
    victimRank: (f, now) => (aged(f.arrival, now) ? Number.NEGATIVE_INFINITY : base(f.predictedOutputTokens, f.generatedTokens, f.arrival)),
    formBatch: formerOf(style),
  };
}
