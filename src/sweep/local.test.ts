import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCapacity } from './capacitySearch.js';
import { findCapacities } from './capacityRounds.js';
import { FileStore } from './fileStore.js';
import { LocalRunner } from './localRunner.js';
import { planSweep, runSweepPlan } from './plan.js';
import { runPoint, type PointOutcome, type PointTask } from './point.js';
import { MemoryStore, type SweepRunner } from './runner.js';
import { checkSlo, parseSlo } from './sloExpr.js';
import { tableToCsv, tableToJson } from './table.js';

const grid = {
  base: { instances: 2, workload: { numRequests: 60 } },
  axes: { 'workload.preset': ['azure-conversation', 'no-such-preset'], 'workload.load': [0.5, 0.9] },
  metrics: ['ttft.p50', 'e2e.p99', 'completed'],
};

/** A runner that counts what it is asked to run. */
function counting(inner: SweepRunner): SweepRunner & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    description: inner.description,
    run: (tasks: readonly PointTask[], onDone?: (id: string, o: PointOutcome) => void) => {
      ran.push(...tasks.map((t) => t.id));
      return inner.run(tasks, onDone);
    },
    close: () => inner.close(),
  };
}

test('a throwing point is recorded as failed with its error; the rest of the sweep goes on; 1 and 2 workers give the same bytes', async () => {
  const plan = planSweep(grid, 'test');
  const one = new LocalRunner(1);
  const two = new LocalRunner(2);
  try {
    const a = await runSweepPlan(plan, one, new MemoryStore());
    const b = await runSweepPlan(plan, two, new MemoryStore());
    assert.equal(tableToCsv(a.table), tableToCsv(b.table));
    assert.equal(tableToJson(a.table), tableToJson(b.table));
    assert.equal(a.table.failed, 2);
    const rows = JSON.parse(tableToJson(a.table)) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => r.status), ['ok', 'ok', 'failed', 'failed']);
    assert.match(String(rows[2]?.error), /unknown preset 'no-such-preset'/);
    assert.equal(rows[2]?.completed, null);
    assert.equal(rows[0]?.completed, 60);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['point', 'workload.preset', 'workload.load', 'status', 'ttft.p50', 'e2e.p99', 'completed', 'error', 'config_hash']);
    assert.equal(rows[1]?.config_hash, plan.ids[1]);
  } finally {
    await one.close();
    await two.close();
  }
});

test('an interrupted sweep resumes: stored points are not run again, failed ones are, and a torn line is ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-sweep-'));
  try {
    const plan = planSweep({ ...grid, axes: { ...grid.axes, 'workload.preset': ['azure-conversation'], seed: [1, 2] } }, 'test');
    const path = join(dir, 'points.jsonl');
    // First run is "interrupted" after two points: only those reach the store.
    const partial = new FileStore(path);
    for (const t of plan.tasks.slice(0, 2)) partial.put(t.id, runPoint(t.config));
    partial.put(plan.ids[2] as string, { ok: false, error: 'transient' });
    appendFileSync(path, '{"id":"p-torn","outc');
    const runner = counting(new LocalRunner(1));
    const r = await runSweepPlan(plan, runner, new FileStore(path));
    assert.equal(r.reused, 2);
    assert.deepEqual(runner.ran, plan.ids.slice(2));
    const fresh = await runSweepPlan(plan, new LocalRunner(1), new MemoryStore());
    assert.equal(tableToCsv(r.table), tableToCsv(fresh.table));
    // Everything is stored now: a third run runs nothing.
    const again = counting(new LocalRunner(1));
    await runSweepPlan(plan, again, new FileStore(path));
    assert.deepEqual(again.ran, []);
    assert.ok(readFileSync(path, 'utf8').split('\n').length > plan.tasks.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a metric path that no point has is a user error listing the known paths', async () => {
  const plan = planSweep({ ...grid, axes: { seed: [1] }, metrics: ['ttft.p50', 'ttft.median'] }, 'test');
  await assert.rejects(runSweepPlan(plan, new LocalRunner(1), new MemoryStore()), /'ttft\.median' not in the run summary; known numeric paths: .*ttft\.p50/);
});

test('findCapacity on a real simulation: the capacity probe meets the SLO and the bracket top does not', async () => {
  const base = { instances: 1, workload: { preset: 'azure-conversation', numRequests: 150 } };
  const slo = parseSlo('ttft.p90<=0.5');
  const r = await findCapacity(base, slo, { tolerance: 0.1, maxProbes: 10 });
  assert.ok(r.capacity !== null && r.bracket.hi !== null, r.note);
  const at = (load: number): boolean => {
    const o = runPoint({ ...base, workload: { ...base.workload, load } });
    return o.ok && checkSlo(slo, o.metrics).holds;
  };
  assert.equal(at(r.capacity), true);
  assert.equal(at(r.bracket.hi), false);
  // Several searches side by side on two threads give what one search alone gives.
  const other = { ...base, router: 'round-robin' };
  const both = await findCapacities([base, other], slo, { tolerance: 0.1, maxProbes: 10, workers: 2 });
  assert.deepEqual(both[0], r);
  assert.deepEqual(both[1], await findCapacity(other, slo, { tolerance: 0.1, maxProbes: 10 }));
});
