import { ConfigError } from '../core/errors.js';
import { Registry } from '../core/registry.js';

/**
 * Rank functions for a waiting queue outside this module (the LLM instance scheduler): the queueing
 * policies reduced to one number per request, SOAP style. Lower ranks are served first; equal ranks
 * go in arrival order, so the caller sorts by (rank, arrival). Sizes and attained service are in
 * whatever unit the caller predicts (output tokens, seconds); arrival is the caller's clock.
 *
 * How the M/G/1 policies map:
 *  - fifo: rank = arrival.
 *  - spjf: rank = predicted size, fixed. Whether a running request may be displaced is the
 *    scheduler's choice (non-preemptive SPJF keeps it; preemptive it is PSPJF).
 *  - sprpt: rank = predicted size - attained, the predicted remaining work; it goes negative once
 *    a request outlives its prediction, so such a request is never displaced.
 *  - sprpt-bounce: rank = |predicted - attained| (Scully, Grosof, Mitzenmacher 2022, as the survey's
 *    Figure 1 describes it): it falls to 0 when attained reaches the prediction and then rises
 *    again, so a request far past its prediction yields to requests predicted shorter. Each call
 *    is a snapshot: the caller re-ranks running requests as their attained service grows.
 *  - 1bit: rank = 0 for a predicted size at most the threshold, 1 above it; arrival order within a
 *    class (the survey's queue puts short jobs at the front; for the mean response time a FIFO or
 *    LIFO order within the class makes no difference without preemption).
 */
export type RankFn = (predictedSize: number, attained: number, arrival: number) => number;

export const fifoRank: RankFn = (_y, _a, arrival) => arrival;
export const spjfRank: RankFn = (y) => y;
export const sprptRank: RankFn = (y, a) => y - a;
export const sprptBounceRank: RankFn = (y, a) => Math.abs(y - a);

export function oneBitRank(threshold: number): RankFn {
  if (!(threshold >= 0 && Number.isFinite(threshold))) {
    throw new ConfigError(`rank '1bit': threshold must be a number >= 0, got '${threshold}'`);
  }
  return (y) => (y <= threshold ? 0 : 1);
}

/** A factory per rank: `param` is the optional number of `name:param` (the 1-bit threshold). */
export type RankFactory = (param?: number) => RankFn;

function noParam(name: string, fn: RankFn): RankFactory {
  return (param) => {
    if (param !== undefined) throw new ConfigError(`rank '${name}' takes no parameter, got ${param}`);
    return fn;
  };
}

export const rankFunctions = new Registry<RankFactory>('rank function')
  .register('fifo', noParam('fifo', fifoRank), 'arrival order')
  .register('spjf', noParam('spjf', spjfRank), 'predicted size')
  .register('sprpt', noParam('sprpt', sprptRank), 'predicted remaining size (prediction - attained)')
  .register('sprpt-bounce', noParam('sprpt-bounce', sprptBounceRank), '|prediction - attained|')
  .register(
    '1bit',
    (param) => {
      if (param === undefined) throw new ConfigError("rank '1bit' needs a threshold: '1bit:T'");
      return oneBitRank(param);
    },
    '1bit:T, 0 for predictions <= T, else 1',
  );
