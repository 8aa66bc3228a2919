import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { blankInstanceView, type InstanceView } from '../clusterView.js';
import type { ClusterControl, MigrationMode, RequestSnapshot } from '../controllers/controller.js';
import { routers } from '../routers/registry.js';

const iv = (id: number, o: Partial<InstanceView>): InstanceView => blankInstanceView(id, o);

const make = () => routers.get('llumnix')({ rng: new Rng('l'), arg: undefined, numInstances: 3 });
const req = { id: 0, arrival: 0, promptTokens: 320, type: 't', sessionId: undefined, predictedOutputTokens: Number.NaN };

test('llumnix dispatches to the highest freeness, counting queued demand and its own recent sends', () => {
  const r = make();
  const view = {
    now: 0,
    instances: [
      iv(0, { running: 10, kvUsedBlocks: 500 }), // (1000 - 500) / 10 = 50
      iv(1, { running: 4, kvUsedBlocks: 600 }), // 400 / 4 = 100
      iv(2, { running: 4, kvUsedBlocks: 600, waitingPromptTokens: 16 * 300 }), // 100 / 4 = 25
    ],
  };
  assert.equal(r.router.route(req, view), 1);
  // 20 blocks per request sent to 1 since its report: after enough sends, 0 becomes freer.
  for (let k = 0; k < 12; k++) r.router.route(req, view);
  assert.equal(r.router.route(req, view), 0);
});

test('llumnix migrates under imbalance: the shortest running request from the least to the most free instance', () => {
  const r = make();
  const moves: [number, number, MigrationMode | undefined][] = [];
  const reqs: RequestSnapshot[] = [300, 40, 900].map((kv, k) => ({
    id: k,
    instance: 0,
    phase: 'decoding' as const,
    arrival: 0,
    promptTokens: kv,
    generatedTokens: 1,
    kvTokens: kv,
    predictedOutputTokens: Number.NaN,
  }));
  // Instance 0: 990 of 1000 blocks for 100 requests and a queue: (1000 - 990 - 20) / 101 < 0 < 3.
  const hot = iv(0, { running: 100, kvUsedBlocks: 990, waiting: 2, waitingPromptTokens: 320 });
  const ctl: ClusterControl = {
    view: { now: 1, instances: [hot, iv(1, { running: 5, kvUsedBlocks: 200 }), iv(2, { running: 50, kvUsedBlocks: 700 })] },
    requestsOn: (i) => reqs.filter((x) => x.instance === i),
    migrationCost: () => 0.01,
    migrate: (id, to, mode) => (moves.push([id, to, mode]), true),
  };
  r.controllers?.[0]?.tick(1, ctl);
  assert.deepEqual(moves, [[1, 1, 'live']]);
  // Every instance above the threshold: nothing moves, however unequal.
  const calm: [number, number, MigrationMode | undefined][] = [];
  const view = { now: 2, instances: [iv(0, { running: 50, kvUsedBlocks: 800 }), iv(1, { running: 5 }), iv(2, { running: 5 })] };
  r.controllers?.[0]?.tick(2, { ...ctl, view, migrate: (id, to, mode) => (calm.push([id, to, mode]), true) });
  assert.equal(calm.length, 0);
  // A higher threshold makes the same instance a source.
  const eager = routers.get('llumnix')({ rng: new Rng('l'), arg: 'migrateOutThreshold=10', numInstances: 3 });
  const moved: number[] = [];
  eager.controllers?.[0]?.tick(2, { ...ctl, view, migrate: (id) => (moved.push(id), true) });
  assert.deepEqual(moved, [1]);
  assert.throws(() => routers.get('llumnix')({ rng: new Rng('l'), arg: 'threshold=1', numInstances: 3 }), /unknown option 'threshold'; valid: intervalS, migrateOutThreshold, maxPairs/);
});

test('llumnix does not migrate when one move would reverse the imbalance', () => {
  const r = make();
  const moves: number[] = [];
  // Two nearly equal sources and destinations separated by one big request: moving it flips the order.
  const reqs: RequestSnapshot[] = [{ id: 7, instance: 0, phase: 'decoding', arrival: 0, promptTokens: 3000, generatedTokens: 1, kvTokens: 3000, predictedOutputTokens: Number.NaN }];
  const ctl: ClusterControl = {
    view: { now: 1, instances: [iv(0, { running: 1, kvUsedBlocks: 998 }), iv(1, { running: 1, kvUsedBlocks: 790 }), iv(2, { running: 1, kvUsedBlocks: 1000 - 3, available: false })] },
    requestsOn: (i) => reqs.filter((x) => x.instance === i),
    migrationCost: () => 0.01,
    migrate: (id) => (moves.push(id), true),
  };
  r.controllers?.[0]?.tick(1, ctl);
  assert.equal(moves.length, 0);
});
