import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { Simulation } from '../../sim/simulation.js';
import { smallCluster } from '../../../test/helpers.js';
import { summarize } from '../../metrics/summary.js';
import type { RequestSpec } from '../../model/request.js';
import type { BatchShape } from '../../model/perfModel.js';
import { routers } from './registry.js';
import { blankInstanceView } from '../clusterView.js';
import type { ClusterView, InstanceRole, InstanceView, RoutedRequest } from './router.js';

/** The suite every registered router must pass (hono's common.case.test.ts habit). */

function view(n: number, over: (i: number) => Partial<InstanceView> = () => ({}), roles?: readonly InstanceRole[]): ClusterView {
  return { now: 0, instances: Array.from({ length: n }, (_, i) => blankInstanceView(i, { role: roles?.[i] ?? 'mixed', ...over(i) })) };
}

const perf = { name: 'flat', iterationTime: (s: BatchShape) => 0.01 + 1e-5 * (s.prefillTokens + s.decodeSeqs) };
const ctx = (seed: string, n: number, arg?: string) => ({ rng: new Rng(seed), arg, numInstances: n, perf, e2eSlack: 5 });

const req = (id: number): RoutedRequest => ({
  id,
  arrival: id,
  promptTokens: 100,
  type: 't',
  sessionId: undefined,
  predictedOutputTokens: Number.NaN,
});

function workload(n: number): Iterator<RequestSpec> {
  const r = new Rng('conformance');
  let t = 0;
  let i = 0;
  return {
    next: () => {
      if (i++ >= n) return { done: true, value: undefined };
      t += r.exponential(40);
      return { done: false, value: { arrival: t, promptTokens: 10 + r.int(500), outputTokens: 1 + r.int(100), type: 't' } };
    },
  };
}

function simulate(name: string, seed: string, alwaysReport = false): string {
  const policy = routers.get(name)(ctx(seed, 4));
  const sim = new Simulation(
    smallCluster(policy, perf, { instance: { maxNumSeqs: 32, kvBlocks: 1000 }, slo: {}, interconnectBandwidth: 1, migrationPauseS: 0, moveWaitingS: 0, alwaysReport }),
  );
  const r = sim.run(workload(800));
  const s = summarize(r);
  assert.equal(s.completed, 800, `${name}: no request lost or duplicated`);
  // Every request's own record too, not only the summary: where each went and when.
  const t = r.table;
  const rows: string[] = [];
  for (let id = 0; id < t.count; id++) rows.push(`${t.instance[id]} ${t.firstScheduled[id]} ${t.firstToken[id]} ${t.completion[id]}`);
  return JSON.stringify(s) + rows.join('\n');
}

for (const name of routers.names()) {
  test(`router ${name}: completes every request in a cluster run, deterministically`, () => {
    assert.equal(simulate(name, 's1'), simulate(name, 's1'));
  });

  // Only for routers that declare they read no report field (the others always get reports).
  // reportFields.test.ts checks every declaration more strictly: the undeclared fields scrambled.
  if (routers.get(name)(ctx('r', 4)).liveFieldsOnly === true) {
    test(`router ${name}: the same results without monitor reports, as it declares it reads none`, () => {
      // The simulator skips reports for this policy: a run that publishes them anyway must match.
      assert.equal(simulate(name, 'r1'), simulate(name, 'r1', true));
    });
  }

  test(`router ${name}: never picks an unavailable instance`, () => {
    const policy = routers.get(name)(ctx('u', 4));
    const roles = policy.instanceRoles?.(4);
    // The one available instance that may take new requests, made to look the most loaded.
    const k = roles ? roles.findIndex((r) => r !== 'decode') : 2;
    const v = view(4, (i) => ({ available: i === k, outstanding: i === k ? 50 : 0, kvUsage: i === k ? 0.9 : 0 }), roles);
    for (let j = 0; j < 20; j++) assert.equal(policy.router.route(req(j), v), k);
  });

  test(`router ${name}: returns -1 when no instance is available`, () => {
    const policy = routers.get(name)(ctx('u', 3));
    assert.equal(policy.router.route(req(0), view(3, () => ({ available: false }), policy.instanceRoles?.(3))), -1);
  });

  test(`router ${name}: a cluster policy whose router is only what a front end needs`, () => {
    const policy = routers.get(name)(ctx('b', 4));
    const keys = Object.keys(policy.router).sort();
    assert.ok(keys.every((k) => ['name', 'onComplete', 'route'].includes(k)), `${name}: router members ${keys.join(', ')}`);
    assert.equal(typeof policy.router.route, 'function');
    assert.equal(policy.router.name, name.replace(/:.*/, ''));
    // Phase split comes whole: roles that make prefill instances need a decode router, and back.
    const roles = policy.instanceRoles?.(4);
    assert.equal(roles?.includes('prefill') === true, policy.routeDecode !== undefined, `${name}: roles and routeDecode go together`);
    for (const c of policy.controllers ?? []) assert.ok(c.intervalS > 0 && typeof c.tick === 'function', `${name}: controller ${c.name}`);
    for (const [k, v] of Object.entries(policy.stats?.() ?? {})) assert.equal(typeof v, 'number', `${name}: stat ${k}`);
  });

  test(`router ${name}: rejects an argument it does not take with a clear error`, () => {
    assert.throws(() => routers.get(name)(ctx('u', 3, 'nonsense')), /router/);
  });
}

test('unknown router names list the valid ones', () => {
  assert.throws(() => routers.get('nope'), /unknown router 'nope'; valid: .*round-robin/);
});
