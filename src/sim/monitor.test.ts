import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import type { BatchShape } from '../model/perfModel.js';
import type { RequestSpec } from '../model/request.js';
import { noisyOraclePredictor } from '../predictors/oracle.js';
import type { ClusterView, InstanceView } from '../policies/clusterView.js';
import type { ClusterPolicy } from '../policies/clusterPolicy.js';
import { beforeEveryCall } from '../policies/testSupport.js';
import { routers } from '../policies/routers/registry.js';
import { Simulation, type ClusterConfig, type SimResult } from './simulation.js';
import { smallCluster } from '../../test/helpers.js';

const perf = { name: 'linear', iterationTime: (s: BatchShape) => 0.01 + 1e-5 * (s.prefillTokens + s.decodeSeqs) + 2e-7 * s.decodeContextTokens };

function policy(name: string): ClusterPolicy {
  return routers.get(name)({ rng: new Rng('monitor'), arg: undefined, numInstances: 4, perf, e2eSlack: 5 });
}

function* workload(n: number, rate: number): Generator<RequestSpec> {
  const r = new Rng('monitor-workload');
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += r.exponential(rate);
    // Now and then a quiet second: reports skipped through an idle gap.
    if (r.next() < 0.002) t += 3;
    yield { arrival: t, promptTokens: 10 + r.int(500), outputTokens: 1 + r.int(150), type: 't' };
  }
}

function simulate(p: ClusterPolicy, over: Partial<ClusterConfig> = {}, n = 1500, rate = 120): SimResult {
  return new Simulation(smallCluster(p, perf, { predictor: noisyOraclePredictor(0.3, new Rng('predictor')), ...over })).run(workload(n, rate));
}

test('a time series has the same samples whatever the policy declares it reads (windowed utilisation included)', () => {
  // GAPS and Llumnix read neither utilisation nor the SLO rate, least-outstanding no report at all:
  // with a time series on, the fields it samples are computed anyway, as with every field published.
  for (const name of ['gaps', 'gaps-nomonitor', 'llumnix', 'least-outstanding']) {
    for (const interval of [0, 0.3]) {
      const a = simulate(policy(name), { timeSeriesIntervalS: interval }).timeSeries;
      const b = simulate(policy(name), { timeSeriesIntervalS: interval, alwaysReport: true }).timeSeries;
      assert.ok(a.length > 100, `${name}: ${a.length} samples`);
      assert.deepEqual(a.utilization, b.utilization, `${name} every ${interval}s: utilisation`);
      assert.deepEqual(a.kvUsage, b.kvUsage, `${name} every ${interval}s: KV usage`);
      assert.deepEqual(a.waiting, b.waiting, `${name}: waiting`);
      assert.deepEqual(a.time, b.time, `${name}: times`);
      assert.ok(
        a.utilization.some((u) => u > 0 && u < 1),
        `${name}: utilisation is measured over each interval`,
      );
    }
  }
});

test('the windowed fields are computed for a policy that declares nothing, and left at 0 for one that does not read them', () => {
  // A policy without a declaration (every field read): its views carry the windows.
  const spy = (inner: ClusterPolicy, seen: { util: number; slo: number }): ClusterPolicy => ({
    ...inner,
    reportFields: undefined,
    router: {
      ...inner.router,
      route: (req, view) => {
        for (const v of view.instances) {
          if (v.utilization > 0) seen.util++;
          if (v.recentSloViolationRate > 0) seen.slo++;
        }
        return inner.router.route(req, view);
      },
    },
  });
  const all = { util: 0, slo: 0 };
  simulate(spy(policy('gaps'), all), {}, 1500, 200);
  assert.ok(all.util > 0 && all.slo > 0, `windows published: ${JSON.stringify(all)}`);
  // GAPS as declared: never computed.
  const declared = { util: 0, slo: 0 };
  const gaps = policy('gaps');
  simulate({ ...spy(gaps, declared), reportFields: gaps.reportFields }, {}, 1500, 200);
  assert.deepEqual(declared, { util: 0, slo: 0 });
});

type Mutable = { -readonly [K in keyof InstanceView]: InstanceView[K] };
/** Every field of a view the stamps cover: all but `outstanding`. */
const covered = (v: InstanceView): string => {
  const { outstanding: _live, ...rest } = v as Mutable;
  return JSON.stringify(rest);
};

/**
 * `inner` with every call into it (route, routeDecode, controller ticks) audited against the view's
 * stamps: a view whose covered fields changed since the last audit must have a newer stamp (else a
 * policy caching terms by stamps would miss the change), and, between reports, a view with a newer
 * stamp must have a covered field changed (a completion, which changes only `outstanding`, does not
 * touch it).
 */
function audited(inner: ClusterPolicy, counts: { audits: number; changed: number; outstandingOnly: number }): ClusterPolicy {
  let last: string[] = [];
  let lastOutstanding: number[] = [];
  let lastClock = -1;
  const audit = (view: ClusterView): void => {
    const st = view.stamps;
    assert.ok(st, 'the simulator keeps stamps');
    const now = view.instances.map(covered);
    const out = view.instances.map((v) => v.outstanding);
    if (lastClock >= 0) {
      counts.audits++;
      const report = st.allAt > lastClock;
      for (let i = 0; i < now.length; i++) {
        const changed = now[i] !== last[i];
        const stamped = (st.at[i] as number) > lastClock;
        if (changed) {
          counts.changed++;
          assert.ok(stamped, `view ${i} changed without a newer stamp`);
        } else if (!report) assert.ok(!stamped, `view ${i} stamped without a change of a field the stamps cover`);
        if (!changed && out[i] !== lastOutstanding[i]) counts.outstandingOnly++;
      }
    }
    last = now;
    lastOutstanding = out;
    lastClock = st.clock;
  };
  return beforeEveryCall(inner, audit);
}

test('the views\' change stamps follow every change of a field but outstanding, and only those', () => {
  // GAPS (routing, rebalancing moves), Llumnix (live migrations), Splitwise (phase-split handoffs),
  // at a light and a heavy load, with reports every interval and with live queue fields.
  for (const name of ['gaps', 'llumnix', 'splitwise']) {
    for (const [rate, reportIntervalS] of [
      [40, 0.05],
      [200, 0.05],
      [120, 0],
    ] as const) {
      const counts = { audits: 0, changed: 0, outstandingOnly: 0 };
      const r = simulate(audited(policy(name), counts), { reportIntervalS }, 1200, rate);
      assert.ok(counts.audits > 1000 && counts.changed > 500, `${name}: audited ${JSON.stringify(counts)}`);
      if (reportIntervalS > 0) assert.ok(counts.outstandingOnly > 100, `${name}: completions between audits ${JSON.stringify(counts)}`);
      if (name !== 'splitwise' && rate === 200) assert.ok(r.migrations > 0, `${name}: moves audited`);
      if (name === 'splitwise') assert.ok(r.kvTransfers > 0, 'handoffs audited');
    }
  }
});
