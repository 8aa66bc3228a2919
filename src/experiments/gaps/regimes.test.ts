import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SweepResult } from '../sweep.js';
import { analyseRegimes, explainRow } from './regimes.js';
import { paramsKey, regimeCells, regimeJobs, REGIME_POLICIES } from './regimeDesign.js';

test('the regime grid: every policy on the same segments of every distinct cell, shared cells run once', () => {
  const cells = regimeCells(false, false);
  const rows = new Set(cells.map((c) => c.row));
  for (const r of ['maxNumSeqs', 'output tail', 'load', 'predictor', 'KV capacity (B=256)']) assert.ok(rows.has(r), `row ${r}`);
  assert.deepEqual(cells.filter((c) => c.row === 'maxNumSeqs').map((c) => c.params.maxNumSeqs), [1, 2, 4, 16, 256]);
  const jobs = regimeJobs('/nonexistent', false, false, 1);
  const distinct = new Set(cells.map((c) => paramsKey(c.params)));
  assert.equal(jobs.length, distinct.size * REGIME_POLICIES.length * 5);
  // Paired: for one cell and segment, every policy sees the same workload and seed.
  const key = paramsKey(cells[0]!.params);
  const seg0 = jobs.filter((j) => j.labels.cell === key && j.labels.segment === 0);
  assert.equal(new Set(seg0.map((j) => JSON.stringify([j.config.workload, j.config.seed]))).size, 1);
  assert.ok(regimeCells(true, false).length > cells.length, '--full has more cells');
});

test('regime analysis: paired deltas against the best baseline, the winner, and a measured explanation', () => {
  const cells = regimeCells(false, true);
  const results: SweepResult[] = [];
  cells.forEach((cell, ci) => {
    for (const p of REGIME_POLICIES) {
      for (let segment = 0; segment < 2; segment++) {
        // Baselines at 10 s (least-outstanding 12 s); least-work-left 20% better in the first cell only.
        const p99 = p.name === 'least-outstanding' ? 12 : p.name === 'least-work-left' && ci === 0 ? 8 + segment * 0.1 : p.name === 'gaps' && ci === 0 ? 9 + segment * 0.1 : 10 + segment * 0.1;
        results.push({
          job: { labels: { cell: paramsKey(cell.params), policy: p.name, segment }, config: {} },
          summary: {
            e2e: { p99, mean: 4 },
            sloViolationRate: 0.2,
            queueingDelay: { mean: ci === 0 ? 2 : 0.01 },
            migrations: 0,
            policy: p.router.startsWith('gaps') ? { predictiveShare: 0.5 } : {},
          } as unknown as SweepResult['summary'],
        });
      }
    }
  });
  const rows = analyseRegimes(cells, results);
  assert.equal(rows[0]!.bestBaseline, 'llumnix');
  assert.equal(rows[0]!.winner, 'least-work-left');
  const lwl = rows[0]!.entries.find((e) => e.policy === 'least-work-left')!;
  assert.ok(Math.abs(lwl.dP99.mean + 0.2) < 0.01, `dP99 ${lwl.dP99.mean}`);
  assert.ok(Math.abs(rows[0]!.queueingShare - 0.5) < 1e-9);
  const text = explainRow(rows);
  assert.match(text, /least-work-left has the lowest P99/);
  assert.match(text, /50\.0%, 0\.3% of its mean latency; correlation 1\.00/);
});
