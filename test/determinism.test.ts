import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/kernel/rng.js';
import { summarize } from '../src/metrics/summary.js';
import { routers } from '../src/policies/routers/registry.js';
import { clusterConfig, poissonWorkload, run } from './helpers.js';

function once(seed: string, routerSeed: string): string {
  const router = routers.get('power-of-d')({ rng: new Rng(routerSeed), arg: undefined, numInstances: 4 });
  const res = run(clusterConfig(router, { numInstances: 4, check: false }), poissonWorkload(seed, 30, 3000, (r) => 20 + r.int(2000), (r) => 1 + r.int(400)));
  return JSON.stringify(summarize(res));
}

test('same seed and inputs give byte-identical results; another seed gives others', () => {
  const a = once('d1', 'r1');
  assert.equal(once('d1', 'r1'), a);
  assert.notEqual(once('d2', 'r1'), a);
  assert.notEqual(once('d1', 'r2'), a);
});
