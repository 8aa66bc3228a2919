import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerPerfCommand } from '../cli/commands/perf.js';
import { ConfigError, InputError } from '../core/errors.js';
import { addPrefillChunk, emptyShape } from '../model/perfModel.js';
import { CalibratedPerfModel } from './calibrated.js';
import { FIT_START } from './fit/crossValidate.js';
import { readFileSync } from 'node:fs';
import { NO_PROFILES, profilesDir, tempTree } from './testData.js';
import { BUILTIN_CALIBRATION } from './builtinCalibration.js';
import { parseCalibration } from './calibrationFile.js';
import { parseDeployment } from './presets.js';
import { createPerfModel } from './registry.js';

const profiles = profilesDir();

/** Runs `gaps ARGS` with the perf command only, capturing stdout. */
async function run(args: string[]): Promise<string> {
  const program = new Command().name('gaps').exitOverride();
  registerPerfCommand(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'gaps', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test('gaps perf time prints the iteration time, and JSON agrees with the model', async () => {
  const text = await run(['perf', 'time', '--deployment', 'llama-2-7b/a100-80gb', '--decode-seqs', '1', '--context', '100']);
  const secs = Number(/iteration time: (\d+\.\d{6}) s/.exec(text)?.[1]);
  assert.ok(secs > 0.001 && secs < 0.1, `one decode step of Llama-2-7B takes milliseconds, got ${secs} s`);
  assert.match(text, /linearMemory/);
  const json = JSON.parse(await run(['perf', 'time', '--deployment', 'llama-2-7b/a100-80gb', '--prefill-tokens', '1000', '--prefill-seqs', '3', '--json']));
  assert.equal(json.shape.prefillTokens, 1000);
  assert.equal(json.shape.prefillSeqs, 3);
  assert.ok(json.seconds > 0 && Math.abs(json.seconds - json.breakdown.total) < 1e-12);
  const lin = JSON.parse(await run(['perf', 'time', '--deployment', 'llama-2-7b/a100-80gb', '--perf-model', 'linear:0.02', '--decode-seqs', '5', '--json']));
  assert.equal(lin.seconds, 0.02);
});

test('gaps perf: user mistakes are ConfigErrors', async () => {
  await assert.rejects(run(['perf', 'time', '--deployment', 'gpt-5/a100-80gb', '--decode-seqs', '1']), (e: unknown) => e instanceof ConfigError && /valid:/.test(e.message));
  await assert.rejects(run(['perf', 'time', '--decode-seqs', '1']), (e: unknown) => e instanceof ConfigError && /--deployment is required/.test(e.message));
  const dep = ['--deployment', 'llama-2-7b/a100-80gb'];
  await assert.rejects(run(['perf', 'time', ...dep, '--decode-seqs', '-3']), ConfigError);
  await assert.rejects(run(['perf', 'time', ...dep, '--context', 'long']), ConfigError);
  await assert.rejects(run(['perf', 'time', ...dep, '--prefill-tokens', '2', '--prefill-seqs', '5']), ConfigError);
  await assert.rejects(run(['perf', 'time', ...dep, '--perf-model', 'nope']), (e: unknown) => e instanceof ConfigError && /valid: auto, calibrated, roofline/.test(e.message));
  await assert.rejects(run(['perf', 'validate', '--profiles', '/nonexistent-gaps']), (e: unknown) => e instanceof ConfigError && /perf_model\.csv/.test(e.message));
});

test('gaps perf fit: user mistakes are ConfigErrors', async () => {
  await assert.rejects(run(['perf', 'fit', '--profiles', '/nonexistent-gaps', '--out', '/tmp/x.json']), (e: unknown) => e instanceof ConfigError && /perf_model\.csv/.test(e.message));
  await assert.rejects(run(['perf', 'fit']), (e: unknown) => e instanceof ConfigError && /--out is required/.test(e.message));
  await assert.rejects(run(['perf', 'fit', '--out', '/tmp/x.json', '--folds', '1']), (e: unknown) => e instanceof ConfigError && /--folds/.test(e.message));
});

test('gaps perf fit on the real profiles reproduces the built-in calibration, loadable as calibrated:FILE', { skip: profiles === undefined && NO_PROFILES }, async () => {
  const t = tempTree({});
  try {
    const out = t.path('cal.json');
    const text = await run(['perf', 'fit', '--profiles', profiles!, '--out', out]);
    assert.match(text, /\| llama-2-70b \| a100-80gb \| 4 \| decode \| 105 \|/);
    const cal = parseCalibration(readFileSync(out, 'utf8'), out);
    // The shipped constants are what the command fits today (regenerate with --ts when the fit changes).
    // (to 1e-9 relative: the fit is deterministic, but libm may differ in the last bits across platforms)
    const close = (a: unknown, b: unknown, at: string): void => {
      if (typeof a === 'number' && typeof b === 'number') assert.ok(a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)), `${at}: ${a} vs ${b}`);
      else if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
        assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), at);
        for (const k of Object.keys(a)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      } else assert.equal(a, b, at);
    };
    close(cal.setups, BUILTIN_CALIBRATION.setups, 'setups');
    const d = parseDeployment('llama-2-70b/a100-80gb/tp4');
    const shape = { prefillSeqs: 1, prefillTokens: 512, prefillAttnPairs: (512 * 513) / 2, prefillPastTokens: 0, decodeSeqs: 8, decodeContextTokens: 8000 };
    assert.equal(createPerfModel(`calibrated:${out}`, d).iterationTime(shape), createPerfModel('calibrated', d).iterationTime(shape));
  } finally {
    t.cleanup();
  }
});

test('gaps perf check-instance: at low load the calibrated model tracks the measured iteration times better than the roofline', { skip: profiles === undefined && NO_PROFILES }, async () => {
  const r = JSON.parse(await run(['perf', 'check-instance', '--profiles', profiles!, '--loads', '0.3', '--num-requests', '100', '--json']));
  const rows = r.rows as { deployment: string; model: string; tpotMeanErr: number; ttftMeanErr: number }[];
  assert.equal(rows.length, 6 * 3);
  for (const dep of new Set(rows.map((x) => x.deployment))) {
    const get = (m: string) => rows.find((x) => x.deployment === dep && x.model === m)!;
    assert.ok(Math.abs(get('calibrated').tpotMeanErr) < Math.abs(get('roofline').tpotMeanErr), `${dep}: ${JSON.stringify([get('calibrated'), get('roofline')])}`);
  }
  // SplitwiseSim's static batches, end to end: the calibrated model beats the roofline on every setup.
  const st = r.staticBatches as { deployment: string; model: string; configs: number; e2e: { mape: number } }[];
  for (const dep of new Set(st.map((x) => x.deployment))) {
    const get = (m: string) => st.find((x) => x.deployment === dep && x.model === m)!;
    assert.ok(get('calibrated').configs >= 10 && get('calibrated').e2e.mape < get('roofline').e2e.mape, dep);
  }
});

test('gaps perf list names every registry', async () => {
  const text = await run(['perf', 'list']);
  for (const s of ['llama-2-70b', 'h100-80gb', 'llama-2-70b/h100-80gb/tp8', 'splitwise']) assert.ok(text.includes(s), s);
});

test('gaps perf validate --json on the real profiles', { skip: profiles === undefined && NO_PROFILES }, async () => {
  const r = JSON.parse(await run(['perf', 'validate', '--profiles', profiles!, '--json']));
  const models = r.models as { model: string; mape: number; points: number; rows: { points: number; mape: number }[] }[];
  const names = new Set(models.map((m) => m.model));
  assert.ok(names.has('roofline') && names.has('splitwise'));
  for (const m of models) {
    assert.equal(m.rows.length, 12);
    assert.ok(m.rows.every((x) => x.points > 0 && Number.isFinite(x.mape)) && m.points === 2 * r.rowsUsed);
  }
  // heldOut: fractions over every measured setup, on points the fit did not see; better than the roofline.
  for (const ph of ['prefill', 'decode']) {
    const h = r.heldOut[ph] as { mape: number; bias: number };
    const roofline = models.find((m) => m.model === 'roofline') as unknown as { byPhase: Record<string, { mape: number }> };
    assert.ok(h.mape > 0 && h.mape < 0.2 && Math.abs(h.bias) < 0.1, `${ph}: ${JSON.stringify(h)}`);
    assert.ok(h.mape < roofline.byPhase[ph]!.mape, `${ph}: calibrated ${h.mape} vs roofline ${roofline.byPhase[ph]!.mape}`);
  }
  assert.equal(r.setups.length, 6);
  const text = await run(['perf', 'validate', '--profiles', profiles!]);
  assert.match(text, /\| a100-80gb \| 2 \| prefill \| 100 \|/);
  assert.match(text, /\| llama-2-70b \| h100-80gb \| 8 \| decode \| 105 \| 53\.8% \| -53\.8% \| \d+\.\d% \|/);
});

test('gaps perf fit --points: your own measurements, mixed steps included, calibrate a new deployment', async () => {
  // Iteration times made by a known calibrated model (so the fit can be checked), as a user's CSV.
  const d = parseDeployment('llama-2-7b/a100-80gb');
  const truth = new CalibratedPerfModel(d, { ...FIT_START, computeEfficiency: 0.5, memoryEfficiency: 0.7, iterationOverheadS: 0.003, mixedInterferenceS: 1e-4, decodeFloorS: 0.012, prefillFloorS: 0.02, floorPerSeqS: 2e-4 });
  const lines = ['model,gpu,tp,prefill_seqs,prefill_tokens,decode_seqs,context_tokens,seconds'];
  const add = (ps: number, pt: number, ds: number, ctx: number): void => {
    const s = emptyShape();
    for (let i = 0; i < ps; i++) addPrefillChunk(s, 0, Math.floor(pt / ps) + (i < pt % ps ? 1 : 0));
    s.decodeSeqs = ds;
    s.decodeContextTokens = ds * ctx;
    lines.push(`llama-2-7b,a100-80gb,1,${ps},${pt},${ds},${ds * ctx},${truth.iterationTime(s)}`);
  };
  for (const t of [64, 128, 256, 512, 1024, 2048, 4096, 8192]) add(1, t, 0, 0);
  for (const b of [2, 4, 8]) add(b, 512 * b, 0, 0);
  for (const b of [1, 2, 4, 8, 16, 32, 64, 128, 256]) for (const c of [200, 2000]) add(0, 0, b, c);
  for (const [pt, b] of [[256, 8], [512, 32], [1024, 64], [2048, 128], [512, 200]] as const) add(1, pt, b, 1000);
  const t = tempTree({ 'points.csv': lines.join('\n'), 'bad.csv': 'model,gpu,tp,prefill_seqs,prefill_tokens,decode_seqs,context_tokens,seconds\nllama-2-7b,a100-80gb,1,2,1,0,0,0.01' });
  try {
    const out = t.path('cal.json');
    const text = await run(['perf', 'fit', '--points', t.path('points.csv'), '--out', out]);
    assert.match(text, /\| llama-2-7b \| a100-80gb \| 1 \| mixed \| 5 \|/);
    const cal = parseCalibration(readFileSync(out, 'utf8'), out);
    const s = cal.setups[0]!;
    assert.ok(Math.abs(s.coefficients.mixedInterferenceS / 1e-4 - 1) < 1e-3, `interference ${s.coefficients.mixedInterferenceS}`);
    assert.equal(s.heldOut.mixed?.points, 5);
    assert.ok(s.heldOut.prefill.mape < 0.05 && s.heldOut.decode.mape < 0.05, JSON.stringify(s.heldOut));
    const m = createPerfModel(`calibrated:${out}`, d);
    assert.match(m.accuracy?.note ?? '', /mixed \d+\.\d%/);
    await assert.rejects(run(['perf', 'fit', '--points', t.path('bad.csv'), '--out', out]), (e: unknown) => e instanceof InputError && /bad\.csv:2: field 'prefill_tokens'/.test(e.message));
    await assert.rejects(run(['perf', 'fit', '--points', t.path('none.csv'), '--out', out]), (e: unknown) => e instanceof ConfigError && /cannot read/.test(e.message));
  } finally {
    t.cleanup();
  }
});
