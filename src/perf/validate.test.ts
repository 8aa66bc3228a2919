import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PerfModel } from '../model/perfModel.js';
import { buildSplitwiseTable, loadSplitwiseRows, SPLITWISE_EXCLUSIONS, SplitwisePerfModel, type SplitwiseRow } from './profile/splitwise.js';
import { RooflinePerfModel } from './roofline.js';
import { NO_PROFILES, profileFile } from './testData.js';
import { decodeShape, formatValidation, prefillShape, validateAgainstSplitwise, validatePerfModel } from './validate.js';

function row(hardware: string, tp: number, promptSize: number, batchSize: number, promptTimeMs: number, tokenTimeMs: number, e2e?: number): SplitwiseRow {
  return { model: 'llama2-70b', hardware, tp, promptSize, batchSize, tokenSize: 128, promptTimeMs, tokenTimeMs, e2eTimeMs: e2e ?? promptTimeMs + 127 * tokenTimeMs, line: 0 };
}

/** A fake model: prefill costs 1 ms per prompt token, decode 10 ms per sequence, times `scale`. */
const fake = (scale: number): PerfModel => ({
  name: 'fake',
  iterationTime: (s) => scale * (s.prefillTokens > 0 ? 1e-3 * s.prefillTokens : 1e-2 * s.decodeSeqs),
});

test('validate: MAPE and bias per (hardware, tp, phase), per phase and overall; README exclusions counted', () => {
  const rows = [
    row('a100-80gb', 4, 100, 1, 100, 10),
    row('a100-80gb', 4, 100, 2, 200, 20),
    row('h100-80gb', 8, 50, 4, 200, 40),
    row('h100-80gb', 2, 50, 64, 1, 1), // failed run: excluded
    row('h100-80gb-pcap', 8, 50, 4, 1, 1), // power-capped: excluded
    row('h100-80gb', 1, 50, 4, 1, 1), // TP not asked for: ignored
  ];
  const report = validateAgainstSplitwise(rows, { exact: () => fake(1), high: () => fake(1.1) }, { tps: [2, 4, 8] });
  assert.equal(report.rowsUsed, 3);
  assert.deepEqual(report.excluded, [
    { reason: SPLITWISE_EXCLUSIONS.failedRun, count: 1 },
    { reason: SPLITWISE_EXCLUSIONS.powerCapped, count: 1 },
  ]);
  const [exact, high] = report.models as [NonNullable<(typeof report.models)[0]>, NonNullable<(typeof report.models)[0]>];
  const get = (m: typeof exact, hw: string, tp: number, phase: string) => m.rows.find((r) => r.hardware === hw && r.tp === tp && r.phase === phase)!;
  assert.deepEqual(exact.rows.map((r) => `${r.hardware}/${r.tp}/${r.phase}/${r.points}`), ['a100-80gb/4/prefill/2', 'a100-80gb/4/decode/2', 'h100-80gb/8/prefill/1', 'h100-80gb/8/decode/1']);
  assert.equal(get(exact, 'a100-80gb', 4, 'prefill').mape, 0);
  assert.deepEqual([exact.points, exact.mape], [6, 0]);
  const hd = get(high, 'h100-80gb', 8, 'decode');
  assert.equal(hd.points, 1);
  assert.ok(Math.abs(hd.mape - 0.1) < 1e-9 && Math.abs(hd.bias - 0.1) < 1e-9);
  assert.ok(Math.abs(high.mape - 0.1) < 1e-9 && Math.abs(high.byPhase.prefill.mape - 0.1) < 1e-9);
  // An error on one side only: the overall MAPE is the mean over all points.
  const half = validatePerfModel(rows, 'half', () => ({ name: 'h', iterationTime: (s) => (s.prefillTokens > 0 ? 2e-3 * s.prefillTokens : 1e-2 * s.decodeSeqs) }), { tps: [2, 4, 8] });
  assert.deepEqual([half.points, half.byPhase.prefill.mape, half.byPhase.decode.mape, half.mape], [6, 1, 0, 0.5]);
  const table = formatValidation(report);
  assert.match(table, /\| h100-80gb \| 8 \| decode \| 1 \| 0\.0% \| 0\.0% \| 10\.0% \| 10\.0% \|/);
  assert.match(table, /\| all \| all \| all \| 6 \| 0\.0% \| 0\.0% \| 10\.0% \| 10\.0% \|/);
  assert.match(table, /excluded 1 rows: llama2-70b TP2 batch 64/);
});

test('validate shapes: prefill of batch x prompt with causal pairs, decode at context prompt + token_size / 2', () => {
  const p = prefillShape(row('a100-80gb', 4, 512, 4, 1, 1));
  assert.deepEqual([p.prefillSeqs, p.prefillTokens, p.prefillAttnPairs, p.decodeSeqs], [4, 2048, 4 * ((512 * 513) / 2), 0]);
  const d = decodeShape(row('a100-80gb', 4, 512, 4, 1, 1));
  assert.deepEqual([d.decodeSeqs, d.decodeContextTokens, d.prefillTokens], [4, 4 * (512 + 64), 0]);
});

const csv = profileFile('splitwise-sim', 'perf_model.csv');

test('validate (real file): every usable Llama-2-70B point is compared; the profile model fits its own data', { skip: csv === undefined && NO_PROFILES }, () => {
  const rows = loadSplitwiseRows(csv!);
  const report = validateAgainstSplitwise(rows, {
    roofline: (d) => new RooflinePerfModel(d),
    splitwise: (d) => new SplitwisePerfModel(buildSplitwiseTable(rows, d, csv!)),
  });
  const llama = rows.filter((r) => r.model === 'llama2-70b');
  assert.equal(report.rowsUsed + report.excluded.reduce((a, e) => a + e.count, 0), llama.length);
  const count = (reason: string): number | undefined => report.excluded.find((e) => e.reason === reason)?.count;
  assert.equal(count(SPLITWISE_EXCLUSIONS.failedRun), 10, 'TP2 batch 64 on A100 and H100, 5 repeats each');
  assert.equal(count(SPLITWISE_EXCLUSIONS.powerCapped), llama.filter((r) => r.hardware === 'h100-80gb-pcap').length);
  assert.equal(report.rowsUsed, 620);
  for (const m of report.models) {
    assert.equal(m.rows.length, 12, `${m.model}: 2 GPUs x 3 TP x 2 phases`);
    assert.equal(m.points, 2 * report.rowsUsed);
    assert.ok(Number.isFinite(m.mape) && m.mape > 0);
  }
  // In-sample: the interpolated medians miss only the spread between repeats and prompt shapes.
  assert.ok(report.models.find((m) => m.model === 'splitwise')!.mape < 0.1);
});
