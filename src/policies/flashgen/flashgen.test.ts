import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { blankInstanceView, type InstanceView } from '../clusterView.js';
import { routers } from '../routers/registry.js';

const iv = (id: number, outstanding: number, kvUsage = 0): InstanceView => blankInstanceView(id, { outstanding, kvUsage, kvTotalBlocks: 100 });

test('flashgen keeps a session on its instance and otherwise routes by its own local counts', () => {
  const r = routers.get('flashgen')({ rng: new Rng('f'), arg: undefined, numInstances: 3 });
  const req = (sessionId: number | undefined) => ({ id: 0, arrival: 0, promptTokens: 10, type: 't', sessionId, predictedOutputTokens: Number.NaN });
  const v1 = { now: 0, instances: [iv(0, 5), iv(1, 1), iv(2, 3)] };
  assert.equal(r.router.route(req(7), v1), 1);
  const v2 = { now: 1, instances: [iv(0, 0), iv(1, 3), iv(2, 3)] };
  assert.equal(r.router.route(req(7), v2), 1, 'the session returns to its KV');
  assert.equal(r.router.route(req(8), v2), 0);
  assert.equal(r.router.route(req(undefined), { now: 2, instances: [iv(0, 4, 0.0), iv(1, 2, 0.99), iv(2, 3, 0)] }), 1, 'reported load is ignored');
});

test('flashgen sends a request to the instance that holds the longest prefix of its blocks, within a load limit', () => {
  const r = routers.get('flashgen')({ rng: new Rng('f'), arg: undefined, numInstances: 3 });
  const req = (prefixHashes: number[]) => ({ id: 0, arrival: 0, promptTokens: 10, type: 't', sessionId: undefined, predictedOutputTokens: Number.NaN, prefixHashes });
  assert.equal(r.router.route(req([1, 2, 3]), { now: 0, instances: [iv(0, 3), iv(1, 0), iv(2, 2)] }), 1);
  assert.equal(r.router.route(req([1, 2, 3, 4]), { now: 1, instances: [iv(0, 3), iv(1, 5), iv(2, 2)] }), 1, 'the turn returns to its KV');
  assert.equal(r.router.route(req([1, 2, 9]), { now: 2, instances: [iv(0, 0), iv(1, 30), iv(2, 2)] }), 0, 'too loaded: reuse does not pay');
  assert.equal(r.router.route(req([7]), { now: 3, instances: [iv(0, 1), iv(1, 0), iv(2, 2)] }), 1);
});
