import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/kernel/rng.js';
import { schedulers } from '../src/policies/schedulers/registry.js';
import { routers } from '../src/policies/routers/registry.js';
import { createPredictor } from '../src/predictors/registry.js';
import { clusterConfig, instanceConfig, linearPerf, poissonWorkload, run } from './helpers.js';

/**
 * The queueing survey's rank policies inside the LLM instance. On a single-sequence instance with
 * constant iterations (an M/G/1 queue, see queueingTheory.test.ts) with exponential-like sizes, the
 * classical ordering must appear: SPRPT < SPJF < FCFS in mean response time with exact predictions.
 */
function meanResponse(scheduler: string): number {
  const router = routers.get('round-robin')({ rng: new Rng('r'), arg: undefined, numInstances: 1 });
  const factory = schedulers.get(scheduler.split(':')[0] as string);
  const arg = scheduler.includes(':') ? `${scheduler.split(':')[1]},batch=prefill-first` : 'batch=prefill-first';
  const cfg = clusterConfig(router, {
    perf: linearPerf(0.01),
    instance: instanceConfig({ maxNumSeqs: 1, kvBlocks: 100_000 }),
    scheduler: () => factory(arg),
    predictor: createPredictor('oracle', new Rng('p')),
    check: false,
  });
  const p = 1 / 20;
  const geometric = (r: Rng): number => 1 + Math.floor(Math.log(r.nextOpen()) / Math.log(1 - p));
  const res = run(cfg, poissonWorkload('rank', 4, 20_000, () => 8, geometric));
  let sum = 0;
  for (let id = 0; id < res.table.count; id++) sum += (res.table.completion[id] as number) - (res.table.arrival[id] as number);
  return sum / res.table.count;
}

test('rank schedulers order an LLM instance as queueing theory predicts (rho = 0.8)', () => {
  const fcfs = meanResponse('fcfs');
  const spjf = meanResponse('spjf');
  const sprpt = meanResponse('sprpt');
  const oneBit = meanResponse('1bit:14');
  // Pollaczek-Khinchine for FCFS: E[S] = 0.2 s, E[S^2] = tau^2 (2 - p) / p^2 = 0.078, rho = 0.8.
  const pk = 0.2 + (4 * 0.078) / (2 * (1 - 0.8));
  assert.ok(Math.abs(fcfs - pk) / pk < 0.1, `FCFS ${fcfs} vs P-K ${pk}`);
  assert.ok(spjf < 0.8 * fcfs, `SPJF ${spjf} vs FCFS ${fcfs}`);
  assert.ok(sprpt < spjf, `SPRPT ${sprpt} vs SPJF ${spjf}`);
  assert.ok(oneBit < fcfs && oneBit > spjf, `1-bit ${oneBit} between SPJF ${spjf} and FCFS ${fcfs}`);
});

test('rank schedulers validate their arguments', () => {
  assert.throws(() => schedulers.get('1bit')(undefined), /threshold T .* is required/);
  assert.throws(() => schedulers.get('1bit')('x'), /must be a number/);
  assert.throws(() => schedulers.get('spjf')('3'), /unexpected value '3'/);
  assert.throws(() => schedulers.get('spjf')('batch=v0'), /batch must be 'mixed' or 'prefill-first'/);
  assert.throws(() => schedulers.get('sarathi')('512,x=1'), /unknown option 'x'/);
  assert.equal(schedulers.get('sprpt')(undefined).preemptive, true);
  assert.equal(schedulers.get('spjf')(undefined).usesPredictions, true);
});
