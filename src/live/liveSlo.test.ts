import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeployment } from '../perf/presets.js';
import { createPerfModel, DEFAULT_PERF_MODEL } from '../perf/registry.js';
import { LiveSloJudge } from './liveSlo.js';

const perf = createPerfModel(DEFAULT_PERF_MODEL, parseDeployment('llama-2-7b/a100-80gb'));

test('live SLO judge: TTFT, TPOT and e2e slack judged as the simulator judges them', () => {
  const j = new LiveSloJudge(perf, { ttftS: 0.5, tpotS: 0.05, windowS: 1 }, 1);
  assert.equal(j.violated(0, 0.4, 1.4, 100, 21), false, 'TTFT 0.4 s, TPOT 50 ms: met');
  assert.equal(j.violated(0, 0.6, 1.0, 100, 5), true, 'TTFT 0.6 s > 0.5 s');
  assert.equal(j.violated(0, 0.1, 2.2, 100, 21), true, 'TPOT 105 ms > 50 ms');
  assert.equal(j.violated(0, 0.1, 10, 100, 1), false, 'one output token: TPOT not judged');
  const slack = new LiveSloJudge(perf, { e2eSlack: 5, windowS: 1 }, 1);
  const unloaded = (prompt: number, out: number): number => {
    // the same unloaded latency SloJudge uses (its own test pins the formula); here: e2e just under and over 5x
    let lo = 0;
    let hi = 100;
    for (let k = 0; k < 60; k++) {
      const mid = (lo + hi) / 2;
      if (slack.violated(0, 0, mid, prompt, out)) hi = mid;
      else lo = mid;
    }
    return hi / 5;
  };
  const u = unloaded(1000, 50);
  assert.ok(u > 0.2 && u < 2, `unloaded latency of 1000+50 tokens on a Llama-2-7B/A100: ${u} s`);
  assert.ok(unloaded(1000, 100) > u, 'longer outputs have longer unloaded latencies');
});

test('live SLO judge: the recent rate follows the simulator\'s tumbling report window', () => {
  const j = new LiveSloJudge(perf, { ttftS: 0.1, windowS: 1 }, 2);
  j.record(0, 0.2, 0, 0.05, 10, 5); // met
  j.record(0, 0.5, 0, 0.50, 10, 5); // violated
  j.record(1, 0.7, 0, 0.50, 10, 5); // violated
  assert.equal(j.rate(0, 0.9), 0, 'nothing published before the window ends');
  assert.equal(j.rate(0, 1.0), 0.5);
  assert.equal(j.rate(1, 1.0), 1);
  j.record(0, 1.5, 1.2, 1.25, 10, 5); // met, window [1, 2)
  assert.equal(j.rate(0, 2.1), 0, 'backend 0: 0 of 1 in [1, 2)');
  assert.equal(j.rate(1, 2.1), 1, 'backend 1: no completion in [1, 2), the rate is kept');
  assert.equal(j.rate(1, 7.3), 1, 'several empty windows: still kept');
  assert.deepEqual(j.backends.map((b) => [b.judged, b.violated]), [[3, 1], [1, 1]]);
  j.reset(1);
  assert.deepEqual([j.backends[1]!.judged, j.rate(1, 7.4)], [0, 0]);
});
