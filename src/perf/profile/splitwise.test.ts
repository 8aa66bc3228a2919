import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, InputError } from '../../core/errors.js';
import { addPrefillChunk, emptyShape, type BatchShape } from '../../model/perfModel.js';
import { median, PiecewiseLinear } from '../interp.js';
import { makeDeployment } from '../presets.js';
import { NO_PROFILES, profileFile } from '../testData.js';
import { buildSplitwiseTable, exclusionReason, loadSplitwiseRows, parseSplitwiseCsv, SPLITWISE_EXCLUSIONS, SplitwisePerfModel } from './splitwise.js';

const HEADER = 'model,hardware,prompt_size,batch_size,token_size,peak_power,average_power,prompt_time,token_time,e2e_time,tensor_parallel';
/** prompt, batch, prompt_time ms, token_time ms; token_size 128, e2e consistent. */
function row(p: number, b: number, pt: number, tt: number, hw = 'a100-80gb', tp = 4, e2e?: number): string {
  return `llama2-70b,${hw},${p},${b},128,0,0,${pt},${tt},${e2e ?? pt + tt * 127},${tp}`;
}
const CSV = [
  HEADER,
  row(128, 1, 60, 40),
  row(512, 1, 120, 42),
  row(512, 1, 130, 44),
  row(512, 1, 110, 43), // repeats: median prompt 120; token at batch 1 over 5 rows: median 42
  row(1024, 1, 220, 41),
  row(512, 2, 260, 45), // 1024 batch tokens again: median of 220 and 260 = 240
  row(512, 4, 500, 47),
  row(512, 8, 1000, 50),
  row(512, 1, 50, 30, 'h100-80gb', 8),
  row(512, 1, 200, 60, 'a100-80gb', 2),
  row(512, 64, 80, 900, 'a100-80gb', 2, 1e7), // the README's failed run (TP2 batch 64): excluded
  row(512, 1, 45, 30, 'h100-80gb-pcap', 8), // power-capped: excluded
].join('\n');

const d = makeDeployment('llama-2-70b', 'a100-80gb', 4);
const model = (): SplitwisePerfModel => new SplitwisePerfModel(buildSplitwiseTable(parseSplitwiseCsv(CSV, 't.csv'), d, 't.csv'));

function prefill(tokens: number, seqs = 1): BatchShape {
  const s = emptyShape();
  for (let i = 0; i < seqs; i++) addPrefillChunk(s, 0, tokens / seqs);
  return s;
}
function decode(seqs: number, context = 500): BatchShape {
  const s = emptyShape();
  s.decodeSeqs = seqs;
  s.decodeContextTokens = seqs * context;
  return s;
}
const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-12;

test('splitwise: grid points are reproduced exactly (median of repeats), in seconds', () => {
  const m = model();
  assert.ok(close(m.iterationTime(prefill(128)), 0.06));
  assert.ok(close(m.iterationTime(prefill(512)), 0.12));
  assert.ok(close(m.iterationTime(prefill(1024, 2)), 0.24), 'prompt 1024 x 1 and 512 x 2 share a batch-token point');
  assert.ok(close(m.iterationTime(prefill(4096, 8)), 1.0));
  assert.ok(close(m.iterationTime(decode(1)), 0.042));
  assert.ok(close(m.iterationTime(decode(8)), 0.05));
  assert.equal(m.iterationTime(decode(8, 10)), m.iterationTime(decode(8, 5000)), 'context is not a feature');
});

test('splitwise: interpolates between points, holds below, extrapolates above', () => {
  const m = model();
  assert.ok(close(m.iterationTime(prefill(768)), (0.12 + 0.24) / 2));
  assert.ok(close(m.iterationTime(decode(6)), (0.047 + 0.05) / 2));
  assert.ok(close(m.iterationTime(prefill(64)), 0.06));
  assert.ok(m.iterationTime(prefill(8192)) > m.iterationTime(prefill(4096)));
  assert.ok(m.iterationTime(decode(64)) > m.iterationTime(decode(8)));
  assert.equal(m.iterationTime(emptyShape()), 0);
});

test('splitwise: a mixed batch costs prompt(P) + token(D) - token(1), never less than token(D)', () => {
  const m = model();
  assert.ok(close(m.sharedOverheadS, 0.042), 'the shared overhead is the one-sequence decode step');
  const s = prefill(504);
  s.decodeSeqs = 8;
  s.decodeContextTokens = 8000;
  const pre = 0.06 + (0.06 * (504 - 128)) / (512 - 128);
  assert.ok(close(m.iterationTime(prefill(504)), pre));
  assert.ok(close(m.iterationTime(s), pre + 0.05 - 0.042), 'the decodes add their growth over one sequence');
  const table = (ty: number[]) => new SplitwisePerfModel({ prompt: new PiecewiseLinear([128, 1024], [0.01, 0.1]), token: new PiecewiseLinear([1, 65], ty), rowsUsed: 4, rowsExcluded: 0 });
  const slowDecode = table([0.03, 0.05]);
  const small = prefill(2);
  small.decodeSeqs = 33;
  assert.ok(close(slowDecode.iterationTime(small), 0.04), 'never below the decode-only time');
  small.prefillTokens = 576;
  assert.ok(close(slowDecode.iterationTime(small), 0.055 + 0.01), 'prefill part + decode growth');
  const dip = table([0.03, 0.02]);
  assert.ok(close(dip.iterationTime(small), 0.055), 'a dip below token(1) adds nothing');
});

test('splitwise: the README exclusions (TP2 batch 64, power-capped H100) are left out and counted', () => {
  const rows = parseSplitwiseCsv(CSV, 't.csv');
  const tp2 = buildSplitwiseTable(rows, makeDeployment('llama-2-70b', 'a100-80gb', 2), 't.csv');
  assert.deepEqual([tp2.rowsUsed, tp2.rowsExcluded], [1, 1]);
  assert.deepEqual([...tp2.token.xs], [1], 'batch 64 is gone');
  const t = buildSplitwiseTable(rows, d, 't.csv');
  assert.deepEqual([t.rowsUsed, t.rowsExcluded], [8, 0]);
  const reasons = rows.map(exclusionReason);
  assert.deepEqual(reasons.filter((r) => r !== undefined), [SPLITWISE_EXCLUSIONS.failedRun, SPLITWISE_EXCLUSIONS.powerCapped]);
  assert.equal(exclusionReason({ ...rows[0]!, tp: 4, batchSize: 64 }), undefined, 'batch 64 at TP4 is fine');
});

test('splitwise: malformed rows are InputErrors with line and field; missing combos list what exists', () => {
  const bad = CSV.replace('llama2-70b,a100-80gb,1024,1,128,0,0,220', 'llama2-70b,a100-80gb,1024,1,128,0,0,fast');
  assert.throws(() => parseSplitwiseCsv(bad, 't.csv'), (e: unknown) => e instanceof InputError && e.line === 6 && e.field === 'prompt_time');
  assert.throws(() => parseSplitwiseCsv(CSV.replace(',tensor_parallel', ',tp'), 't.csv'), (e: unknown) => e instanceof InputError && e.line === 1 && e.field === 'tensor_parallel');
  assert.throws(() => parseSplitwiseCsv(CSV.replace('512,8,128', '512,0,128'), 't.csv'), (e: unknown) => e instanceof InputError && e.field === 'batch_size');
  const rows = parseSplitwiseCsv(CSV, 't.csv');
  assert.throws(() => buildSplitwiseTable(rows, makeDeployment('llama-2-70b', 'h100-80gb', 4), 't.csv'), (e: unknown) => e instanceof ConfigError && /llama2-70b\/h100-80gb\/tp8/.test(e.message));
  assert.throws(() => buildSplitwiseTable(rows, makeDeployment('llama-2-7b', 'a100-80gb', 1), 't.csv'), /supported models: llama-2-70b/);
  assert.throws(() => buildSplitwiseTable(rows, makeDeployment('llama-2-70b', 'a40', 4), 't.csv'), /no mapping for gpu 'a40'.*gpus: a100-80gb, h100-80gb/);
});

const real = profileFile('splitwise-sim', 'perf_model.csv');

test('splitwise (real file): every Llama-2-70B table reproduces the medians of its measurements', { skip: real === undefined && NO_PROFILES }, () => {
  const rows = loadSplitwiseRows(real!);
  for (const hw of ['a100-80gb', 'h100-80gb']) {
    for (const tp of [2, 4, 8]) {
      const t = buildSplitwiseTable(rows, makeDeployment('llama-2-70b', hw, tp), real!);
      assert.equal(t.rowsExcluded, tp === 2 ? 5 : 0, `${hw} tp${tp}: only the TP2 batch-64 run is excluded`);
      assert.equal(t.token.xs.length, tp === 2 ? 6 : 7, 'batch 1..32, or 1..64');
      const m = new SplitwisePerfModel(t);
      const mine = rows.filter((r) => r.model === 'llama2-70b' && r.hardware === hw && r.tp === tp && exclusionReason(r) === undefined);
      for (const b of new Set(mine.map((r) => r.batchSize))) {
        const want = median(mine.filter((r) => r.batchSize === b).map((r) => r.tokenTimeMs)) / 1000;
        assert.ok(close(m.iterationTime(decode(b)), want), `${hw} tp${tp} decode batch ${b}`);
      }
      const one = mine.filter((r) => r.batchSize === 1 && r.promptSize === 2048).map((r) => r.promptTimeMs);
      const two = mine.filter((r) => r.batchSize === 4 && r.promptSize === 512).map((r) => r.promptTimeMs);
      assert.ok(close(m.iterationTime(prefill(2048)), median([...one, ...two]) / 1000), `${hw} tp${tp} prefill 2048 batch tokens`);
    }
  }
  const pcap = rows.filter((r) => r.hardware === 'h100-80gb-pcap');
  const h100 = new Map(rows.filter((r) => r.hardware === 'h100-80gb').map((r) => [`${r.model}|${r.tp}|${r.promptSize}|${r.batchSize}|${r.tokenSize}|${r.tokenTimeMs}`, r]));
  assert.ok(pcap.length > 0 && pcap.every((r) => h100.has(`${r.model}|${r.tp}|${r.promptSize}|${r.batchSize}|${r.tokenSize}|${r.tokenTimeMs}`)), 'README caveat: power-capped decode rows copy the H100 ones');
});
