import { ConfigError } from '../../core/errors.js';
import type { InstanceScheduler } from '../../model/instanceScheduler.js';
import { rankFunctions } from '../../queueing/ranks.js';

/**
 * The queueing survey's rank policies ordering an LLM instance's waiting queue (the bridge between
 * the M/G/1 calculator and the simulator): the job size is the predicted output length in tokens and
 * the attained service is the tokens generated so far. Preemptive variants let a better-ranked
 * waiting request displace the worst-ranked running one when the batch or the KV cache is full, at
 * iteration boundaries (the LLM analogue of preemption; the displaced request is recomputed or
 * swapped like any preemption). Requests without a prediction rank last.
 */
export function rankScheduler(name: string, rank: string, preemptive: boolean, arg: string | undefined): InstanceScheduler {
  let param: number | undefined;
  if (arg !== undefined) {
    param = Number(arg);
    if (arg.trim() === '' || !Number.isFinite(param)) throw new ConfigError(`scheduler '${name}': expected a number after ':', got '${arg}'`);
  }
  const fn = rankFunctions.get(rank)(param);
  return {
    name,
    preemptive,
    usesPredictions: true,
    rank: (f) => fn(Number.isFinite(f.predictedOutputTokens) ? f.predictedOutputTokens : Number.MAX_VALUE, f.generatedTokens, f.arrival),
  };
}
