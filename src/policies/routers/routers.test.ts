import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { routers } from './registry.js';
import { blankInstanceView } from '../clusterView.js';
import type { ClusterView, InstanceView, RoutedRequest } from './router.js';

function view(values: Partial<InstanceView>[]): ClusterView {
  return { now: 0, instances: values.map((o, id) => blankInstanceView(id, o)) };
}
const req: RoutedRequest = { id: 0, arrival: 0, promptTokens: 10, type: 't', sessionId: undefined, predictedOutputTokens: Number.NaN };
const make = (name: string, arg?: string, seed = 'x') => routers.get(name)({ rng: new Rng(seed), arg, numInstances: 4 });

test('round-robin cycles and skips unavailable instances', () => {
  const r = make('round-robin');
  const v = view([{}, { available: false }, {}, {}]);
  assert.deepEqual([0, 1, 2, 3, 4].map(() => r.router.route(req, v)), [0, 2, 3, 0, 2]);
});

test('least-outstanding picks the fewest outstanding, lowest id on ties', () => {
  const r = make('least-outstanding');
  assert.equal(r.router.route(req, view([{ outstanding: 3 }, { outstanding: 1 }, { outstanding: 1 }, { outstanding: 2 }])), 1);
});

test('least-kv picks the lowest reported KV usage, counting requests sent since the report', () => {
  const r = make('least-kv');
  assert.equal(r.router.route(req, view([{ kvUsage: 0.5 }, { kvUsage: 0.2 }, { kvUsage: 0.3 }, { kvUsage: 0.9 }])), 1);
  assert.equal(r.router.route(req, view([{ kvUsage: 0.5 }, { kvUsage: 0.2, sinceReport: 200 }, { kvUsage: 0.3 }, { kvUsage: 0.9 }])), 2);
});

test('power-of-d with d = N is least-outstanding; d = 1 is random', () => {
  const v = view([{ outstanding: 4 }, { outstanding: 2 }, { outstanding: 0 }, { outstanding: 7 }]);
  const all = make('power-of-d', '4');
  for (let k = 0; k < 10; k++) assert.equal(all.router.route(req, v), 2);
  const one = make('power-of-d', '1');
  const seen = new Set<number>();
  for (let k = 0; k < 200; k++) seen.add(one.router.route(req, v));
  assert.equal(seen.size, 4);
  assert.throws(() => make('power-of-d', '0'), /positive integer/);
});

test('power-of-2 prefers the less loaded of its two samples', () => {
  const r = make('power-of-d', undefined, 'p2');
  const v = view([{ outstanding: 0 }, { outstanding: 10 }, { outstanding: 10 }, { outstanding: 10 }]);
  let hits = 0;
  const n = 4000;
  for (let k = 0; k < n; k++) if (r.router.route(req, v) === 0) hits++;
  // Instance 0 wins whenever it is one of the two sampled: probability 1 - C(3,2)/C(4,2) = 1/2.
  assert.ok(Math.abs(hits / n - 0.5) < 0.03, `${hits / n}`);
});

test('random is uniform over available instances', () => {
  const r = make('random', undefined, 'rnd');
  const v = view([{}, {}, { available: false }, {}]);
  const counts = [0, 0, 0, 0];
  const n = 9000;
  for (let k = 0; k < n; k++) counts[r.router.route(req, v)]!++;
  assert.equal(counts[2], 0);
  for (const i of [0, 1, 3]) assert.ok(Math.abs((counts[i] as number) / n - 1 / 3) < 0.02);
});
