import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import type { BatchShape } from '../../model/perfModel.js';
import { blankInstanceView, type ClusterView, type InstanceView, type RoutedRequest } from '../clusterView.js';
import type { ClusterControl, RequestSnapshot } from '../controllers/controller.js';
import { routers } from '../routers/registry.js';
import type { GapsState } from './state.js';
import type { GapsRebalancer } from './rebalancer.js';

const perf = {
  name: 'lin',
  iterationTime: (s: BatchShape) => 0.01 + 5e-5 * s.prefillTokens + 2e-4 * s.decodeSeqs + 1e-7 * s.decodeContextTokens,
};

const iv = (id: number, o: Partial<InstanceView>): InstanceView => blankInstanceView(id, o);
const req = (id: number, predicted: number, prompt = 500): RoutedRequest => ({
  id,
  arrival: 0,
  promptTokens: prompt,
  type: 't',
  sessionId: undefined,
  predictedOutputTokens: predicted,
});
const make = (name: string, n = 2) =>
  routers.get(name)({ rng: new Rng('g'), arg: undefined, numInstances: n, perf, e2eSlack: 5 }) as ReturnType<ReturnType<typeof routers.get>> & {
    state: GapsState;
  };

test('below u_th GAPS assigns by least queue; above it by predicted completion time', () => {
  // Instance 0 has the shorter queue but its KV is nearly full with long requests; instance 1 has
  // more, shorter requests and room.
  const busy = (u: number): ClusterView => ({
    now: 0,
    instances: [
      iv(0, { running: 8, kvUsedBlocks: Math.round(1000 * u), kvUsage: u }),
      iv(1, { running: 12, kvUsedBlocks: Math.round(600 * u), kvUsage: 0.6 * u }),
    ],
  });
  const low = make('gaps');
  assert.equal(low.router.route(req(1, 800), busy(0.3)), 0, 'low utilisation: least queue');
  const high = make('gaps');
  high.state.record(100, 0, 2000, 12_000, 12_000, 0); // our ledger: a huge predicted demand already sits on 0
  assert.equal(high.router.route(req(2, 800), busy(0.98)), 1, 'high utilisation: smallest predicted completion');
  assert.equal(high.state.assignedByPrediction, 1);
  const nopred = make('gaps-nopred');
  nopred.state.record(100, 0, 2000, 12_000, 12_000, 0);
  assert.equal(nopred.router.route(req(3, 800), busy(0.98)), 0, 'NoPred keeps to the shortest queue');
  assert.equal(nopred.state.assignedByPrediction, 0);
});

test('calibration learns from completions and inflates an under-predicting predictor', () => {
  const r = make('gaps');
  for (let i = 0; i < 3000; i++) {
    r.router.onComplete?.({ id: i, instance: 0, now: i, arrival: 0, promptTokens: 10, outputTokens: 200, predictedOutputTokens: 100, firstTokenTime: 0, sloViolated: false, rejected: false });
  }
  const h = r.stats?.() ?? {};
  assert.ok((h.calibrationMape as number) > 0.45 && (h.calibrationMape as number) < 0.55);
  assert.ok(r.state.calibrated(100) >= 200, `calibrated ${r.state.calibrated(100)}`);
});

test('NoGlobal decides from two sampled instances only', () => {
  const r = make('gaps-noglobal', 8);
  const seen = new Set<number>();
  const view: ClusterView = { now: 0, instances: Array.from({ length: 8 }, (_, i) => iv(i, { running: i === 7 ? 0 : 5 })) };
  let hitsBest = 0;
  for (let k = 0; k < 400; k++) {
    const i = r.router.route(req(k, 10), view);
    seen.add(i);
    if (i === 7) hitsBest++;
    r.state.forget(k, 0);
  }
  // With global knowledge every request would go to instance 7; from two samples it is seen 1/4 of the time.
  assert.ok(hitsBest > 60 && hitsBest < 150, `instance 7 chosen ${hitsBest} times`);
  assert.ok(seen.size > 4);
});

function control(views: InstanceView[], reqs: RequestSnapshot[], cost: number, moves: [number, number][]): ClusterControl {
  return {
    view: { now: 10, instances: views },
    requestsOn: (i) => reqs.filter((r) => r.instance === i),
    migrationCost: () => cost,
    migrate: (id, to) => {
      moves.push([id, to]);
      return true;
    },
  };
}

test('rebalancing moves requests off a hot instance only when the gain exceeds the cost', () => {
  const views = [
    iv(0, { waiting: 30, running: 40, kvUsedBlocks: 990, kvUsage: 0.99, waitingPromptTokens: 30 * 800 }),
    iv(1, { waiting: 0, running: 2, kvUsedBlocks: 50, kvUsage: 0.05 }),
  ];
  const reqs: RequestSnapshot[] = Array.from({ length: 30 }, (_, k) => ({
    id: k,
    instance: 0,
    phase: 'waiting' as const,
    arrival: 9,
    promptTokens: 800,
    generatedTokens: 0,
    kvTokens: 0,
    predictedOutputTokens: 300,
  }));
  const cheap = make('gaps');
  reqs.forEach((r) => cheap.state.record(r.id, 0, 800, 300, 300, 9));
  const moves: [number, number][] = [];
  (cheap.controllers?.[0] as GapsRebalancer).tick(10, control(views, reqs, 0.001, moves));
  assert.ok(moves.length > 0 && moves.length <= 4, `moves ${moves.length}`);
  assert.ok(moves.every(([, to]) => to === 1));
  assert.equal(cheap.state.ledgers[1]!.entries.size, moves.length, 'the ledger follows the moved requests');

  const dear = make('gaps');
  reqs.forEach((r) => dear.state.record(r.id, 0, 800, 300, 300, 9));
  const none: [number, number][] = [];
  (dear.controllers?.[0] as GapsRebalancer).tick(10, control(views, reqs, 1e6, none));
  assert.equal(none.length, 0, 'a move that costs more than it saves is not made');

  assert.equal(make('gaps-norebal').controllers?.length, 0);
});

test('the completion estimate looks forward: many requests about to finish beat a few long ones', () => {
  const r = make('gaps');
  const s = r.state;
  // Instance 0: 20 requests routed long ago with short predictions (nearly done).
  for (let k = 0; k < 20; k++) s.record(1000 + k, 0, 200, 30, 30, 0);
  // Instance 1: 6 requests routed just now with long predictions.
  for (let k = 0; k < 6; k++) s.record(2000 + k, 1, 200, 2000, 2000, 100);
  const view: ClusterView = {
    now: 100,
    instances: [iv(0, { running: 20, kvUsedBlocks: 300, kvUsage: 0.9 }), iv(1, { running: 6, kvUsedBlocks: 100, kvUsage: 0.9 })],
  };
  const c0 = s.completionTime(view.instances[0]!, 500, 800, 800, 100);
  const c1 = s.completionTime(view.instances[1]!, 500, 800, 800, 100);
  assert.ok(c0 < c1, `short-lived co-runners: ${c0.toFixed(3)} s vs long-lived: ${c1.toFixed(3)} s`);
  assert.equal(r.router.route(req(3000, 800), view), 0, 'the least-queue rule would have picked instance 1');
});

test('GAPS options can be set as gaps:KEY=V and are validated', () => {
  const r = routers.get('gaps')({ rng: new Rng('o'), arg: 'uThreshold=0,maxMovesPerRound=2', numInstances: 2, perf, e2eSlack: 5 }) as ReturnType<typeof make>;
  assert.equal(r.state.opts.uThreshold, 0);
  assert.equal(r.state.opts.maxMovesPerRound, 2);
  assert.throws(() => routers.get('gaps')({ rng: new Rng('o'), arg: 'uth=1', numInstances: 2, perf }), /unknown option 'uth'; valid: uThreshold/);
  assert.throws(() => routers.get('gaps')({ rng: new Rng('o'), arg: 'uThreshold=-1', numInstances: 2, perf }), /non-negative number/);
});

test('NoGlobal, local reading: every instance, but only the front end\'s own counts', () => {
  const view: ClusterView = {
    now: 0,
    instances: [iv(0, { waiting: 50, running: 200, kvUsage: 0.99, kvUsedBlocks: 990, outstanding: 0 }), iv(1, { outstanding: 3 })],
  };
  assert.equal(make('gaps-nomonitor').router.route(req(1, 100), view), 0, 'the reports are not seen: instance 0 looks empty');
  assert.equal(make('gaps').router.route(req(1, 100), view), 1, 'with monitoring the reported queue counts');
});

test('a violation spike needs evidence: enough completions since the last round, well above the pooled rate', () => {
  const views = [iv(0, { waiting: 1, running: 2 }), iv(1, { running: 2 })];
  const r = make('gaps');
  const reb = r.controllers?.[0] as GapsRebalancer;
  const ctl = control(views, [], 0.001, []);
  const done = (id: number, instance: number, violated: boolean): void =>
    r.state.completed({ id, instance, now: 10, arrival: 9, promptTokens: 100, outputTokens: 10, predictedOutputTokens: 10, firstTokenTime: 9.1, sloViolated: violated, rejected: false });
  reb.tick(10, ctl); // the first check is a periodic round
  assert.equal(reb.rounds, 1);
  done(1, 0, true); // one late request: a 100% rate on one completion
  for (let k = 0; k < 8; k++) done(50 + k, 1, false); // against a pooled 11%
  reb.tick(10.25, ctl);
  assert.equal(reb.rounds, 1, 'one completion is not a spike, however far above the pooled rate');
  for (let k = 0; k < 8; k++) done(10 + k, 0, k < 6);
  for (let k = 0; k < 8; k++) done(20 + k, 1, false);
  reb.tick(10.5, ctl);
  assert.equal(reb.rounds, 2, 'seven of nine late against a pooled 28%: a spike');
  for (let k = 0; k < 8; k++) done(30 + k, 0, k < 3);
  for (let k = 0; k < 8; k++) done(40 + k, 1, k < 2);
  reb.tick(10.75, ctl);
  assert.equal(reb.rounds, 2, '3/8 against a pooled 31%: not a spike (the counts restarted with the round)');
});
