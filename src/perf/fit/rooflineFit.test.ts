import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addPrefillChunk, emptyShape, type BatchShape } from '../../model/perfModel.js';
import { CalibratedPerfModel } from '../calibrated.js';
import { makeDeployment } from '../presets.js';
import { calibrateSetup, FIT_START } from './crossValidate.js';
import { assignFolds, type MeasuredPoint } from './points.js';
import { fitRoofline, fitWithSelection, predict, toParams, unitPartsFor, type CalibratedCoefficients } from './rooflineFit.js';

const d = makeDeployment('llama-2-70b', 'a100-80gb', 4);

/** Coefficients far from the defaults, every term active. */
const TRUTH: CalibratedCoefficients = {
  computeEfficiency: 0.45,
  attentionEfficiency: 0.3,
  memoryEfficiency: 0.7,
  nvlinkEfficiency: 0.5,
  iterationOverheadS: 0.02,
  allReduceLatencyS: 25e-6,
  mixedInterferenceS: 2e-4,
  prefillSeqOverheadS: 0.003,
  prefillFloorS: 0.06,
  decodeFloorS: 0.03,
  floorPerSeqS: 1e-4,
  throttledComputeEfficiency: 0.3,
  throttleTokens: 2048,
};

function prefill(prompt: number, batch = 1): BatchShape {
  const s = emptyShape();
  for (let i = 0; i < batch; i++) addPrefillChunk(s, 0, prompt);
  return s;
}
function decode(batch: number, context: number, pre?: BatchShape): BatchShape {
  const s = pre ?? emptyShape();
  s.decodeSeqs = batch;
  s.decodeContextTokens = batch * context;
  return s;
}

/** Shapes that exercise both branches of every max(): short and long prompts, batched prompts, decodes, mixed steps. */
function shapes(): BatchShape[] {
  const out: BatchShape[] = [];
  for (const t of [16, 32, 64, 128, 256, 512, 1024, 2048, 3000, 4096, 8192]) out.push(prefill(t));
  for (const b of [2, 4, 8, 16]) out.push(prefill(256, b));
  for (const b of [1, 4, 16, 64, 256]) for (const c of [100, 1000, 8000]) out.push(decode(b, c));
  for (const b of [8, 64]) out.push(decode(b, 1000, prefill(512)));
  return out;
}

const rel = (a: number, b: number): number => Math.abs(a / b - 1);

test('fit: the model priced by the fit is the model users run (predict = CalibratedPerfModel)', () => {
  const m = new CalibratedPerfModel(d, TRUTH);
  const parts = unitPartsFor(d, TRUTH.allReduceLatencyS, TRUTH.throttleTokens);
  for (const s of shapes()) assert.ok(rel(predict(parts(s), toParams(TRUTH)), m.iterationTime(s)) < 1e-12);
  assert.equal(m.iterationTime(emptyShape()), 0);
});

test('fit: recovers known coefficients from data made by the model itself', () => {
  const truth = new CalibratedPerfModel(d, TRUTH);
  const points = shapes().map((shape) => ({ shape, seconds: truth.iterationTime(shape) }));
  const r = fitRoofline(d, points, { start: { ...FIT_START, throttleTokens: TRUTH.throttleTokens, prefillFloorS: 0.07, decodeFloorS: 0.045 } });
  assert.ok(r.rmsRelative < 1e-9, `rms ${r.rmsRelative}`);
  for (const k of Object.keys(TRUTH) as (keyof CalibratedCoefficients)[]) {
    assert.ok(rel(r.coefficients[k], TRUTH[k]) < 1e-6, `${k}: fitted ${r.coefficients[k]}, true ${TRUTH[k]}`);
  }
  // Model selection finds the knee and the per-sequence term too.
  const sel = fitWithSelection(d, points, FIT_START);
  assert.equal(sel.coefficients.throttleTokens, 2048);
  assert.ok(rel(sel.coefficients.prefillSeqOverheadS, TRUTH.prefillSeqOverheadS) < 1e-6);
  // Without a knee or a per-sequence cost in the data, the plain model is kept.
  const plainTruth = new CalibratedPerfModel(d, { ...TRUTH, throttleTokens: Infinity, prefillSeqOverheadS: 0 });
  assert.ok(rel(sel.coefficients.prefillFloorS, TRUTH.prefillFloorS) < 1e-6 && rel(sel.coefficients.decodeFloorS, TRUTH.decodeFloorS) < 1e-6);
  const plain = fitWithSelection(d, shapes().map((shape) => ({ shape, seconds: plainTruth.iterationTime(shape) })), FIT_START);
  assert.equal(plain.coefficients.throttleTokens, Infinity);
  assert.equal(plain.coefficients.prefillSeqOverheadS, 0);
  assert.ok(rel(plain.coefficients.memoryEfficiency, TRUTH.memoryEfficiency) < 1e-6);
});

test('fit: efficiencies stay in (0, 1] and times >= 0 even when the data asks for more', () => {
  const roof = new CalibratedPerfModel(d, { ...FIT_START });
  // Measured 3x faster than the roofline at full efficiency: the fit stops at the bound.
  const points = shapes().map((shape) => ({ shape, seconds: roof.iterationTime(shape) / 10 }));
  const c = fitRoofline(d, points, { start: FIT_START }).coefficients;
  for (const k of ['computeEfficiency', 'attentionEfficiency', 'memoryEfficiency', 'nvlinkEfficiency'] as const) assert.ok(c[k] > 0 && c[k] <= 1, `${k} ${c[k]}`);
  assert.ok(c.iterationOverheadS >= 0 && c.mixedInterferenceS >= 0);
});

/** Synthetic SplitwiseSim-like points: 3 repeats of each configuration, times from TRUTH with ±2% noise. */
function measured(): MeasuredPoint[] {
  const truth = new CalibratedPerfModel(d, TRUTH);
  const pts: MeasuredPoint[] = [];
  const base = { model: 'llama-2-70b', gpu: 'a100-80gb', tp: 4, line: 0 };
  let k = 0;
  const noise = (): number => 1 + 0.02 * Math.sin(++k * 12.9898);
  for (let rep = 0; rep < 3; rep++) {
    for (const p of [128, 256, 512, 1024, 2048, 4096, 8192]) pts.push({ ...base, phase: 'prefill', batch: 1, config: [p, 1], shape: prefill(p), seconds: truth.iterationTime(prefill(p)) * noise() });
    for (const b of [2, 4, 8, 16]) pts.push({ ...base, phase: 'prefill', batch: b, config: [512, b], shape: prefill(512, b), seconds: truth.iterationTime(prefill(512, b)) * noise() });
    for (const b of [1, 2, 4, 8, 16, 32, 64]) for (const c of [600, 2000]) pts.push({ ...base, phase: 'decode', batch: b, config: [c, b, 128], shape: decode(b, c), seconds: truth.iterationTime(decode(b, c)) * noise() });
  }
  return pts;
}

test('held-out split: repeats share a fold, every configuration is held out once, folds are deterministic', () => {
  const pts = measured();
  const folds = assignFolds(pts, 5);
  assert.deepEqual(folds, assignFolds(pts, 5));
  const byConfig = new Map<string, Set<number>>();
  pts.forEach((p, i) => {
    const key = `${p.phase}:${p.config.join(',')}`;
    byConfig.set(key, (byConfig.get(key) ?? new Set()).add(folds[i]!));
  });
  for (const [key, fs] of byConfig) assert.equal(fs.size, 1, `${key} straddles folds ${[...fs]}`);
  for (let f = 0; f < 5; f++) assert.ok(folds.includes(f), `fold ${f} is empty`);
});

test('held-out split: no held-out point is used in fitting (corrupting a fold leaves its own fit unchanged)', () => {
  const pts = measured();
  const folds = assignFolds(pts, 5);
  const clean = calibrateSetup(pts, 5);
  for (let f = 0; f < 5; f++) {
    const corrupted = pts.map((p, i) => (folds[i] === f ? { ...p, seconds: p.seconds * 3 } : p));
    const dirty = calibrateSetup(corrupted, 5);
    const own = (r: typeof clean) => r.folds.find((x) => x.fold === f)!;
    assert.deepEqual(own(dirty).coefficients, own(clean).coefficients, `fold ${f}: its fit saw its own points`);
    assert.equal(own(clean).fitPoints + own(clean).heldOutPoints, pts.length);
    // The other folds did see the corrupted points.
    const other = clean.folds.find((x) => x.fold !== f)!;
    assert.notDeepEqual(dirty.folds.find((x) => x.fold === other.fold)!.coefficients, other.coefficients);
  }
  // The noise is ±2%, so held-out error is small and the calibration beats the default roofline.
  assert.ok(clean.heldOut.prefill!.mape < 0.05 && clean.heldOut.decode!.mape < 0.05, JSON.stringify(clean.heldOut));
  assert.ok(clean.before.decode!.mape > 0.2);
});
