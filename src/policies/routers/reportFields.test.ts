import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { Simulation } from '../../sim/simulation.js';
import { smallCluster } from '../../../test/helpers.js';
import { summarize } from '../../metrics/summary.js';
import type { RequestSpec } from '../../model/request.js';
import type { BatchShape } from '../../model/perfModel.js';
import { noisyOraclePredictor } from '../../predictors/oracle.js';
import { REPORT_FIELDS, type ClusterView, type InstanceView, type ReportField } from '../clusterView.js';
import { reportFieldsOf, type ClusterPolicy } from '../clusterPolicy.js';
import { beforeEveryCall } from '../testSupport.js';
import { routers } from './registry.js';

/**
 * Each policy that declares which report fields it reads (`ClusterPolicy.reportFields`, or
 * `liveFieldsOnly`) is checked against its declaration: a run in which every field it does not
 * declare is scrambled before each call into the policy (route, routeDecode, controller ticks) must
 * give the same results as a run with every field computed. A policy that reads a field it did not
 * declare sees random values there and decides differently.
 */

// Linear in the batch's context too, so that GAPS's estimates read the reported KV blocks.
const perf = { name: 'linear', iterationTime: (s: BatchShape) => 0.01 + 1e-5 * (s.prefillTokens + s.decodeSeqs) + 2e-7 * s.decodeContextTokens };
const ctx = (seed: string, n: number) => ({ rng: new Rng(seed), arg: undefined, numInstances: n, perf, e2eSlack: 5 });

function workload(n: number, rate: number): Iterator<RequestSpec> {
  const r = new Rng('report-fields');
  let t = 0;
  let i = 0;
  return {
    next: () => {
      if (i++ >= n) return { done: true, value: undefined };
      t += r.exponential(rate);
      return { done: false, value: { arrival: t, promptTokens: 10 + r.int(500), outputTokens: 1 + r.int(150), type: 't' } };
    },
  };
}

type Mutable = { -readonly [K in keyof InstanceView]: InstanceView[K] };

/** A random value of the field's kind (fractions in [0, 1], counts and times as small integers). */
function scrambled(f: ReportField, rng: Rng): number {
  return f === 'kvUsage' || f === 'utilization' || f === 'recentSloViolationRate' ? rng.next() : rng.int(64);
}

/** `policy` with every report field it does not declare overwritten by random values before each call into it. */
function scrambleUnread(policy: ClusterPolicy, seed: string): ClusterPolicy {
  const declared = reportFieldsOf(policy);
  const unread = REPORT_FIELDS.filter((f) => !declared.includes(f));
  const rng = new Rng(seed);
  const scramble = (view: ClusterView): void => {
    for (const v of view.instances) for (const f of unread) (v as Mutable)[f] = scrambled(f, rng);
  };
  return beforeEveryCall(policy, scramble);
}

/** The run's summary, the policy's counters and every request's record. */
function simulate(policy: ClusterPolicy, rate: number, alwaysReport: boolean): string {
  const sim = new Simulation(smallCluster(policy, perf, { predictor: noisyOraclePredictor(0.3, new Rng('predictor')), alwaysReport }));
  const r = sim.run(workload(1500, rate));
  const t = r.table;
  const rows: string[] = [];
  for (let id = 0; id < t.count; id++) rows.push(`${t.instance[id]} ${t.firstScheduled[id]} ${t.firstToken[id]} ${t.completion[id]} ${t.migrations[id]}`);
  return `${JSON.stringify(summarize(r))}\n${JSON.stringify(policy.stats?.() ?? {})}\n${rows.join('\n')}`;
}

/** The registered policies that declare less than every report field. */
const declaring = routers.names().filter((name) => reportFieldsOf(routers.get(name)(ctx('d', 4))).length < REPORT_FIELDS.length);

test('the policies that declare their report fields include GAPS, its ablations and Llumnix', () => {
  for (const name of ['gaps', 'gaps-nopred', 'gaps-noglobal', 'gaps-norebal', 'gaps-nomonitor', 'llumnix', 'least-outstanding']) {
    assert.ok(declaring.includes(name), `${name} declares its report fields`);
  }
});

for (const name of declaring) {
  for (const rate of [40, 160]) {
    test(`router ${name} at ${rate} req/s: the same results with the report fields it does not declare scrambled`, () => {
      const full = simulate(routers.get(name)(ctx('s', 4)), rate, true);
      const scrambledRun = simulate(scrambleUnread(routers.get(name)(ctx('s', 4)), `scramble-${name}`), rate, false);
      assert.ok(full === scrambledRun, `${name}: a field it does not declare changed its decisions`);
    });
  }
}

test('a policy that reads a field it does not declare fails the check', () => {
  // least-kv reads kvUsage; declared as reading nothing, the scrambled run must differ.
  const lying = (): ClusterPolicy => ({ ...routers.get('least-kv')(ctx('s', 4)), reportFields: [] });
  assert.notEqual(simulate(scrambleUnread(lying(), 'lie'), 160, false), simulate(lying(), 160, true));
});
