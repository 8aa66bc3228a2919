import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PerfModel } from '../model/perfModel.js';
import { buildSplitwiseTable, loadSplitwiseRows, SplitwisePerfModel, type SplitwiseRow } from './profile/splitwise.js';
import { RooflinePerfModel } from './roofline.js';
import { NO_PROFILES, profileFile } from './testData.js';
import { decodeShape, formatValidation, prefillShape, validateAgainstSplitwise } from './validate.js';

function row(hardware: string, tp: number, promptSize: number, batchSize: number, promptTimeMs: number, tokenTimeMs: number, e2e?: number): SplitwiseRow {
  return { model: 'llama2-70b', hardware, tp, promptSize, batchSize, tokenSize: 128, promptTimeMs, tokenTimeMs, e2eTimeMs: e2e ?? promptTimeMs + 127 * tokenTimeMs, line: 0 };
}

/** A fake model: prefill costs 1 ms per prompt token, decode 10 ms per sequence, times `scale`. */
const fake = (scale: number): PerfModel => ({
  name: 'fake',
  iterationTime: (s) => scale * (s.prefillTokens > 0 ? 1e-3 * s.prefillTokens : 1e-2 * s.decodeSeqs),
});

test('validate: MAPE and bias per (hardware, tp, phase), per phase and overall; failed runs excluded', () => {
  const rows = [
    row('a100-80gb', 4, 100, 1, 100, 10),
    row('a100-80gb', 4, 100, 2, 200, 20),
    row('h100-80gb', 8, 50, 4, 200, 40),
    row('h100-80gb', 8, 50, 64, 1, 1, 1e9), // failed run: excluded
    row('h100-80gb-pcap', 8, 50, 4, 1, 1), // other hardware: ignored
  ];
  const report = validateAgainstSplitwise(rows, { exact: () => fake(1), high: () => fake(1.1) }, { tps: [4, 8] });
  assert.equal(report.rowsUsed, 3);
  assert.deepEqual(report.excluded.map((e) => e.count), [1]);
  const get = (m: string, hw: string, tp: number, phase: string) => report.rows.find((r) => r.model === m && r.hardware === hw && r.tp === tp && r.phase === phase)!;
  assert.equal(get('exact', 'a100-80gb', 4, 'prefill').mape, 0);
  assert.equal(get('exact', 'all', 0, 'all').n, 6);
  const high = get('high', 'h100-80gb', 8, 'decode');
  assert.equal(high.n, 1);
  assert.ok(Math.abs(high.mape - 10) < 1e-9 && Math.abs(high.bias - 10) < 1e-9);
  assert.ok(Math.abs(get('high', 'all', 0, 'all').mape - 10) < 1e-9);
  assert.match(formatValidation(report), /\| h100-80gb \| 8 \| decode \| 1 \| 0\.0% \| 0\.0% \| 10\.0% \| 10\.0% \|/);
});

test('validate shapes: prefill of batch x prompt with causal pairs, decode with context = prompt', () => {
  const p = prefillShape(row('a100-80gb', 4, 512, 4, 1, 1));
  assert.deepEqual([p.prefillSeqs, p.prefillTokens, p.prefillAttnPairs, p.decodeSeqs], [4, 2048, 4 * ((512 * 513) / 2), 0]);
  const d = decodeShape(row('a100-80gb', 4, 512, 4, 1, 1));
  assert.deepEqual([d.decodeSeqs, d.decodeContextTokens, d.prefillTokens], [4, 2048, 0]);
});

const csv = profileFile('splitwise-sim', 'perf_model.csv');

test('validate (real file): every Llama-2-70B point is compared; the profile model fits its own data', { skip: csv === undefined && NO_PROFILES }, () => {
  const rows = loadSplitwiseRows(csv!);
  const report = validateAgainstSplitwise(rows, {
    roofline: (d) => new RooflinePerfModel(d),
    splitwise: (d) => new SplitwisePerfModel(buildSplitwiseTable(rows, d, csv!)),
  });
  const expected = rows.filter((r) => r.model === 'llama2-70b' && (r.hardware === 'a100-80gb' || r.hardware === 'h100-80gb')).length;
  assert.equal(report.rowsUsed + report.excluded.reduce((a, e) => a + e.count, 0), expected);
  assert.equal(report.excluded[0]?.count, 10, 'TP2 batch 64 on A100 and H100, 5 repeats each');
  for (const m of ['roofline', 'splitwise']) {
    assert.equal(report.rows.filter((r) => r.model === m && r.hardware !== 'all').length, 12);
    const all = report.rows.find((r) => r.model === m && r.phase === 'all')!;
    assert.equal(all.n, 2 * report.rowsUsed);
    assert.ok(Number.isFinite(all.mape) && all.mape > 0);
  }
  // In-sample: the interpolated medians miss only the spread between repeats and prompt shapes.
  assert.ok(report.rows.find((r) => r.model === 'splitwise' && r.phase === 'all')!.mape < 10);
});
