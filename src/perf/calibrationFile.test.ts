import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { emptyShape } from '../model/perfModel.js';
import { BUILTIN_CALIBRATION } from './builtinCalibration.js';
import type { Calibration } from './calibrated.js';
import { calibrationModule, parseCalibration, serializeCalibration } from './calibrationFile.js';
import { makeDeployment } from './presets.js';
import { createPerfModel } from './registry.js';
import { tempTree } from './testData.js';

const ONE: Calibration = {
  format: 'gaps-perf-calibration/1',
  source: 'test',
  method: 'test',
  folds: 5,
  setups: [
    {
      model: 'llama-2-70b',
      gpu: 'h100-80gb',
      tp: 4,
      coefficients: {
        computeEfficiency: 0.5,
        attentionEfficiency: 0.4,
        memoryEfficiency: 0.6,
        nvlinkEfficiency: 0.3,
        iterationOverheadS: 0.01,
        allReduceLatencyS: 25e-6,
        mixedInterferenceS: 0,
        prefillSeqOverheadS: 0.002,
        prefillFloorS: 0.03,
        decodeFloorS: 0.02,
        floorPerSeqS: 0,
        throttledComputeEfficiency: 0.5,
        throttleTokens: Infinity,
      },
      heldOut: { prefill: { points: 10, mape: 0.05, bias: -0.01 }, decode: { points: 10, mape: 0.03, bias: 0.002 } },
    },
  ],
};

test('calibration file: round trip (no knee is written as null and read back as Infinity)', () => {
  const text = serializeCalibration(ONE);
  assert.match(text, /"throttleTokens": null/);
  assert.deepEqual(parseCalibration(text, 'c.json'), ONE);
  // The built-in module is the same calibration, as TypeScript.
  assert.match(calibrationModule(ONE, 'gaps perf fit'), /"throttleTokens": Infinity/);
});

test('calibration file: every problem is a ConfigError naming the file and the key', () => {
  const bad = (mutate: (c: any) => void, key: RegExp): void => {
    const c = JSON.parse(serializeCalibration(ONE));
    mutate(c);
    assert.throws(
      () => parseCalibration(JSON.stringify(c), 'my-cal.json'),
      (e: unknown) => e instanceof ConfigError && /calibration file 'my-cal\.json': key '/.test(e.message) && key.test(e.message),
    );
  };
  bad((c) => (c.format = 'v0'), /key 'format'/);
  bad((c) => (c.setups[0].coefficients.memoryEfficiency = 1.5), /key 'setups\[0\]\.coefficients\.memoryEfficiency': expected a fraction in \(0, 1\], got 1\.5/);
  bad((c) => (c.setups[0].coefficients.iterationOverheadS = -1), /setups\[0\]\.coefficients\.iterationOverheadS': expected seconds >= 0/);
  bad((c) => delete c.setups[0].coefficients.nvlinkEfficiency, /setups\[0\]\.coefficients\.nvlinkEfficiency': missing/);
  bad((c) => (c.setups[0].coefficients.speed = 2), /setups\[0\]\.coefficients\.speed': unknown key; valid: /);
  bad((c) => (c.setups[0].tp = 2.5), /setups\[0\]\.tp'/);
  bad((c) => (c.setups[0].heldOut.decode.mape = 'low'), /setups\[0\]\.heldOut\.decode\.mape'/);
  bad((c) => c.setups.push(c.setups[0]), /setups\[1\]': a second entry for llama-2-70b\/h100-80gb\/tp4/);
  bad((c) => (c.setups = []), /key 'setups'/);
  assert.throws(() => parseCalibration('{', 'x.json'), (e: unknown) => e instanceof ConfigError && /calibration file 'x\.json': not JSON/.test(e.message));
});

test('calibrated:FILE loads the matching setup; a missing setup or file is a ConfigError', () => {
  const t = tempTree({ 'cal.json': serializeCalibration(ONE), 'bad.json': '{"format": 1}' });
  try {
    const dep = makeDeployment('llama-2-70b', 'h100-80gb', 4);
    const m = createPerfModel(`calibrated:${t.path('cal.json')}`, dep);
    const s = emptyShape();
    s.decodeSeqs = 1;
    s.decodeContextTokens = 100;
    assert.ok(m.iterationTime(s) >= 0.03, 'overhead + decode floor');
    assert.match(m.accuracy?.note ?? '', /held-out MAPE prefill 5\.0% \(bias -1\.0%\), decode 3\.0% \(bias 0\.2%\)/);
    assert.throws(
      () => createPerfModel(`calibrated:${t.path('cal.json')}`, makeDeployment('llama-2-70b', 'h100-80gb', 8)),
      (e: unknown) => e instanceof ConfigError && /no entry for llama-2-70b\/h100-80gb\/tp8; it has llama-2-70b\/h100-80gb\/tp4/.test(e.message),
    );
    assert.throws(() => createPerfModel(`calibrated:${t.path('bad.json')}`, dep), (e: unknown) => e instanceof ConfigError && /bad\.json/.test(e.message));
    assert.throws(() => createPerfModel(`calibrated:${t.path('none.json')}`, dep), (e: unknown) => e instanceof ConfigError && /cannot read/.test(e.message));
  } finally {
    t.cleanup();
  }
});

test('built-in calibration: well-formed, one entry per measured setup', () => {
  const again = parseCalibration(serializeCalibration(BUILTIN_CALIBRATION), 'builtin');
  assert.deepEqual(again, BUILTIN_CALIBRATION);
  assert.deepEqual(
    BUILTIN_CALIBRATION.setups.map((s) => `${s.model}/${s.gpu}/tp${s.tp}`),
    ['a100-80gb', 'h100-80gb'].flatMap((g) => [2, 4, 8].map((tp) => `llama-2-70b/${g}/tp${tp}`)),
  );
});
