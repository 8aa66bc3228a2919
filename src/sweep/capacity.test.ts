import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import type { SimulateInput } from '../run/config.js';
import { CapacitySearch, findCapacity } from './capacitySearch.js';
import { runCapacityGrid } from './capacityGrid.js';
import { expandGrid, parseGrid } from './grid.js';
import type { PointOutcome, PointTask } from './point.js';
import { MemoryStore, type SweepRunner } from './runner.js';
import { checkSlo, parseSlo } from './sloExpr.js';

test('SLO expressions parse, judge by key path, and name what is wrong', () => {
  const slo = parseSlo('ttft.p50<=0.5, tbt.p99 < 0.1,sloAttainment>=0.9');
  assert.deepEqual(slo.map((c) => [c.path, c.op, c.bound]), [['ttft.p50', '<=', 0.5], ['tbt.p99', '<', 0.1], ['sloAttainment', '>=', 0.9]]);
  const m = { ttft: { p50: 0.5 }, tbt: { p99: 0.1 }, sloAttainment: 0.95 };
  const r = checkSlo(slo, m);
  assert.equal(r.holds, false);
  assert.deepEqual(r.clauses.map((c) => c.holds), [true, false, true]);
  assert.equal(checkSlo(parseSlo('tbt.p99<=0.1'), m).holds, true);
  assert.equal(checkSlo(parseSlo('ttft.p50<=1'), { ttft: { p50: null } }).holds, false, 'no data does not meet an SLO');
  assert.throws(() => parseSlo('ttft.p50<=fast,e2e.p99'), (e: unknown) => e instanceof ConfigError && /clause 1 'ttft\.p50<=fast'.*clause 2 'e2e\.p99'/.test(e.message));
  assert.throws(() => checkSlo(parseSlo('ttft.p5<=1'), m), (e: unknown) => e instanceof ConfigError && /'ttft\.p5' is not a number.*ttft\.p50/.test(e.message));
});

/** A fake run: TTFT grows with the load like exp(3 load); the SLO ttft.p50<=0.5 holds up to ln(5)/3. */
function fakeRun(c: SimulateInput): PointOutcome {
  const load = c.workload?.load as number;
  return { ok: true, metrics: { ttft: { p50: 0.1 * Math.exp(3 * load) }, offeredRps: 10 * load } };
}
const THRESHOLD = Math.log(5) / 3;

test('bisection brackets the highest passing load to the tolerance; every probe keeps the seed and the rest of the config', async () => {
  const base: SimulateInput = { seed: 7, instances: 3, workload: { preset: 'azure-code', load: 0.8, numRequests: 100 } };
  const seen: SimulateInput[] = [];
  const r = await findCapacity(base, 'ttft.p50<=0.5', { tolerance: 0.01, run: (c) => (seen.push(c), fakeRun(c)) });
  assert.equal(r.axis, 'load');
  assert.ok(r.converged, r.note);
  const { lo, hi } = r.bracket;
  assert.ok(lo !== null && hi !== null && lo <= THRESHOLD && THRESHOLD < hi, `${lo} .. ${hi}`);
  assert.ok((hi - lo) / hi <= 0.01);
  assert.equal(r.capacity, lo);
  assert.ok(Math.abs((r.capacityRps as number) - 10 * lo) < 1e-12);
  assert.equal(r.probes.length, seen.length);
  assert.equal(r.probes[0]?.value, 0.8);
  for (const c of seen) assert.deepEqual({ ...c, workload: { ...c.workload, load: 0 } }, { ...base, workload: { ...base.workload, load: 0 } });
});

test('searching the rate drops the load; no passing rate and a probe budget end the search with a note', async () => {
  const runRate = (c: SimulateInput): PointOutcome => {
    assert.equal(c.workload?.load, undefined);
    return { ok: true, metrics: { ttft: { p50: (c.workload?.rate as number) / 10 }, offeredRps: c.workload?.rate } };
  };
  const r = await findCapacity({ workload: { load: 0.5 } }, 'ttft.p50<=0.5', { axis: 'rate', start: 1, run: runRate });
  assert.ok(r.converged && (r.capacity as number) <= 5 && (r.bracket.hi as number) > 5);
  const never = await findCapacity({}, 'ttft.p50<=0', { maxProbes: 5, run: () => ({ ok: true, metrics: { ttft: { p50: 1 } } }) });
  assert.equal(never.capacity, null);
  assert.equal(never.probes.length, 5);
  assert.match(never.note, /held at no probed load/);
  const blank = await findCapacity({}, 'tbtSloAttainment>=0.9', { run: () => ({ ok: true, metrics: { tbtSloAttainment: null } }) });
  assert.equal(blank.probes.length, 1);
  assert.match(blank.note, /'tbtSloAttainment>=0\.9' had no value at load 0\.8/);
  const failing = await findCapacity({}, 'ttft.p50<=1', { run: () => ({ ok: false, error: 'boom' }) });
  assert.equal(failing.probes.length, 1);
  assert.match(failing.note, /failed: boom/);
  assert.throws(() => new CapacitySearch({}, parseSlo('ttft.p50<=1'), { axis: 'rate' }), /needs a positive start/);
});

test('the grid form runs every search in rounds on one runner and picks the cheapest configuration', async () => {
  // Capacity doubles with the instances; cost counts GPUs: the cost per request is the same, so
  // with a target rate only the configurations reaching it count and the smallest of those wins.
  let batches = 0;
  const runner: SweepRunner = {
    description: 'fake',
    async run(tasks: readonly PointTask[], onDone) {
      batches++;
      const out = new Map<string, PointOutcome>();
      for (const t of tasks) {
        const n = t.config.instances as number;
        const rate = t.config.workload?.rate as number;
        const o: PointOutcome = { ok: true, metrics: { ttft: { p50: rate / (4 * n) }, offeredRps: rate, gpus: n, gpu: 'a100' } };
        out.set(t.id, o);
        onDone?.(t.id, o);
      }
      return out;
    },
    async close() {},
  };
  const g = parseGrid({ base: { workload: { rate: 1 } }, axes: { instances: [4, 1, 2] } });
  const points = expandGrid(g);
  const res = await runCapacityGrid(points, parseSlo('ttft.p50<=1'), { tolerance: 0.02, maxProbes: 20, gpuCostPerHour: {}, targetRps: 7 }, runner, new MemoryStore(), 'v');
  assert.deepEqual(res.rows.map((r) => Math.round(r.result.capacityRps as number)), [16, 4, 8]);
  assert.equal(res.cheapest, 2, 'the 2-instance configuration is the cheapest reaching 7 req/s');
  assert.ok(batches < res.probes, 'probes of different searches share rounds');
});
