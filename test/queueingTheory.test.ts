import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/kernel/rng.js';
import { routers } from '../src/policies/routers/registry.js';
import { clusterConfig, instanceConfig, linearPerf, poissonWorkload, run, vllmStyle } from './helpers.js';

/**
 * One instance that runs one request at a time, where every iteration takes tau seconds, is an
 * M/G/1 FCFS queue: a request with K output tokens needs one prefill iteration (first token) and K-1
 * decode iterations, so its service time is K * tau. With K geometric on {1, 2, ...} of mean m,
 * E[S] = m tau and E[S^2] = tau^2 (2 - p) / p^2 with p = 1/m; Pollaczek-Khinchine gives
 * W = E[S] + lambda E[S^2] / (2 (1 - rho)).
 */
test('single-sequence instance with constant iterations matches the M/G/1 closed form', () => {
  const tau = 0.01;
  const m = 20;
  const p = 1 / m;
  const lambda = 3.5; // rho = 0.7
  const es = m * tau;
  const es2 = (tau * tau * (2 - p)) / (p * p);
  const rho = lambda * es;
  const exact = es + (lambda * es2) / (2 * (1 - rho));
  const reps = 10;
  const means: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const router = routers.get('round-robin')({ rng: new Rng('x'), arg: undefined, numInstances: 1 });
    const cfg = clusterConfig(router, {
      perf: linearPerf(tau),
      instance: instanceConfig({ maxNumSeqs: 1, kvBlocks: 100_000 }),
      scheduler: vllmStyle(false),
      check: false,
    });
    const geometric = (r: Rng): number => 1 + Math.floor(Math.log(r.nextOpen()) / Math.log(1 - p));
    const res = run(cfg, poissonWorkload(`mg1-${rep}`, lambda, 20_000, () => 8, geometric));
    let sum = 0;
    let n = 0;
    for (let id = 2000; id < res.table.count; id++) {
      sum += (res.table.completion[id] as number) - (res.table.arrival[id] as number);
      n++;
    }
    means.push(sum / n);
  }
  const mean = means.reduce((s, x) => s + x, 0) / reps;
  const sd = Math.sqrt(means.reduce((s, x) => s + (x - mean) ** 2, 0) / (reps - 1));
  const half = (2.262 * sd) / Math.sqrt(reps); // t(0.975, 9)
  assert.ok(Math.abs(mean - exact) <= half, `simulated ${mean.toFixed(4)} ± ${half.toFixed(4)} vs exact ${exact.toFixed(4)}`);
  assert.ok(half / exact < 0.05, 'the interval is tight enough to mean something');
});

/**
 * Little's law on a cluster: the time-average number of requests in the system equals the arrival
 * rate times the mean time in system. L is measured from the instances' own queues (waiting plus
 * running, sampled by the monitor every 50 ms), W from the requests' timestamps: they agree only if
 * the instance state and the recorded times are consistent.
 */
test("Little's law holds on a multi-instance run", () => {
  const router = routers.get('least-outstanding')({ rng: new Rng('l'), arg: undefined, numInstances: 4 });
  const cfg = clusterConfig(router, { numInstances: 4, check: false, timeSeriesIntervalS: 0 });
  const res = run(cfg, poissonWorkload('little', 40, 6000, (r) => 50 + r.int(800), (r) => 1 + r.int(200)));
  const t = res.table;
  let sumW = 0;
  let lastCompletion = 0;
  for (let id = 0; id < t.count; id++) {
    sumW += (t.completion[id] as number) - (t.arrival[id] as number);
    lastCompletion = Math.max(lastCompletion, t.completion[id] as number);
  }
  const ts = res.timeSeries;
  let sumN = 0;
  const times = new Set<number>();
  for (let i = 0; i < ts.length; i++) {
    if ((ts.time[i] as number) > lastCompletion) continue;
    sumN += (ts.waiting[i] as number) + (ts.running[i] as number);
    times.add(ts.time[i] as number);
  }
  const L = sumN / times.size;
  const lambda = t.count / lastCompletion;
  const W = sumW / t.count;
  assert.ok(times.size > 1000);
  assert.ok(Math.abs(L - lambda * W) / (lambda * W) < 0.03, `sampled L=${L.toFixed(3)} vs lambda*W=${(lambda * W).toFixed(3)}`);
});
