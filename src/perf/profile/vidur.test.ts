import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, InputError } from '../../core/errors.js';
import { addPrefillChunk, emptyShape, type BatchShape } from '../../model/perfModel.js';
import { makeDeployment } from '../presets.js';
import { RooflineTerms } from '../roofline.js';
import { NO_PROFILES, profileFile, profilesDir, tempTree } from '../testData.js';
import { loadVidurPerfModel, loadVidurProfile, parseVidurAllReduce, parseVidurMlp, VIDUR_LAYER_OPS } from './vidur.js';

const d = makeDeployment('llama-2-70b', 'a100-80gb', 4);
const OPS = ['emb', ...VIDUR_LAYER_OPS];
const TOKENS = [1, 2, 4, 8, 16, 32];

/** Op k at n tokens takes (k + 1) * (0.01 + 0.001 n) ms, except at tp 2 where it is 10x. */
function opMs(k: number, n: number, tp: number): number {
  return (k + 1) * (0.01 + 0.001 * n) * (tp === 2 ? 10 : 1);
}
function mlpCsv(shape = { embd: 8192, head: 64, kv: 8, ffn: 28672 }): string {
  const header = [...OPS.map((o) => `time_stats.${o}.median`), 'n_head', 'n_kv_head', 'n_embd', 'n_expanded_embd', 'vocab_size', 'use_gated_mlp', 'num_tokens', 'num_tensor_parallel_workers'];
  const lines = [header.join(',')];
  for (const tp of [2, 4]) {
    for (const n of TOKENS) lines.push([...OPS.map((_, k) => opMs(k, n, tp)), shape.head, shape.kv, shape.embd, shape.ffn, 32768, 'True', n, tp].join(','));
  }
  lines.push([...OPS.map((_, k) => opMs(k, 32, 4) + 0.002), 64, 8, 8192, 28672, 32768, 'True', 32, 4].join(',')); // a repeat, averaged
  return `${lines.join('\n')}\n`;
}
/** Sum over the per-layer ops (k = 1..9) at n tokens, seconds. */
function layerS(n: number): number {
  let s = 0;
  for (let k = 1; k < OPS.length; k++) s += opMs(k, n, 4);
  return s / 1000;
}
function decode(seqs: number, context = 100): BatchShape {
  const s = emptyShape();
  s.decodeSeqs = seqs;
  s.decodeContextTokens = seqs * context;
  return s;
}
const close = (a: number, b: number, tol = 1e-12): boolean => Math.abs(a - b) < tol;

test('vidur mlp.csv: the per-layer sum reproduces the table at grid points and interpolates between', () => {
  const { layer, embedding } = parseVidurMlp(mlpCsv(), 'mlp.csv', d);
  for (const n of TOKENS.slice(0, -1)) assert.ok(close(layer.at(n), layerS(n)), `layer at ${n}`);
  assert.ok(close(layer.at(32), layerS(32) + (0.001 * 9) / 1000), 'repeated rows are averaged');
  assert.ok(close(layer.at(3), (layerS(2) + layerS(4)) / 2));
  assert.ok(close(embedding.at(8), opMs(0, 8, 4) / 1000));
  assert.ok(layer.at(64) > layer.at(32), 'extrapolates beyond the table');
});

test('vidur model: overhead + emb + layers x layer + attention + LM head (+ all-reduce) at a grid point', () => {
  const t = tempTree({ 'compute/a100/meta-llama/Llama-2-70b-hf/mlp.csv': mlpCsv() });
  try {
    const m = loadVidurPerfModel(t.root, d);
    const terms = new RooflineTerms(d);
    for (const s of [decode(8), decode(16, 3000)]) {
      const n = s.decodeSeqs;
      const want = terms.overheadS + opMs(0, n, 4) / 1000 + 80 * layerS(n) + terms.allReduce(n) + terms.attention(s) + terms.lmHead(n);
      assert.ok(close(m.iterationTime(s), want, 1e-12), `decode ${n}`);
    }
    assert.equal(m.profile.allReduce, undefined, 'no network folder: analytic all-reduce');
    assert.equal(m.iterationTime(emptyShape()), 0);
  } finally {
    t.cleanup();
  }
});

test('vidur all_reduce.csv: size in bytes becomes tokens of hidden x 2 bytes; only single-node groups of tp', () => {
  const csv = [
    ',time_stats.all_reduce.median,rank,num_workers,size,collective,devices_per_node,max_devices_per_node',
    '0,0.02,0,4,16384,all_reduce,4,8',
    '1,0.10,0,4,163840,all_reduce,4,8',
    '2,9.99,0,4,16384,all_reduce,2,8',
    '3,7.77,0,8,16384,all_reduce,8,8',
  ].join('\n');
  const f = parseVidurAllReduce(csv, 'ar.csv', d)!;
  assert.deepEqual([...f.xs], [1, 10]);
  assert.ok(close(f.at(1), 0.02e-3) && close(f.at(10), 0.1e-3));
  assert.equal(parseVidurAllReduce(csv, 'ar.csv', makeDeployment('llama-2-70b', 'a100-80gb', 2)), undefined);
});

test('vidur: wrong shape, missing tp, bad numbers and missing files are reported', () => {
  assert.throws(() => parseVidurMlp(mlpCsv({ embd: 4096, head: 64, kv: 8, ffn: 28672 }), 'mlp.csv', d), (e: unknown) => e instanceof InputError && e.field === 'n_embd' && e.line === 8);
  assert.throws(() => parseVidurMlp(mlpCsv(), 'mlp.csv', makeDeployment('llama-2-70b', 'a100-80gb', 8)), (e: unknown) => e instanceof ConfigError && /has num_tensor_parallel_workers 2, 4/.test(e.message));
  const bad = mlpCsv().split('\n');
  bad[9] = bad[9]!.replace(/^[^,]*,[^,]*/, '0.1,oops');
  assert.throws(() => parseVidurMlp(bad.join('\n'), 'mlp.csv', d), (e: unknown) => e instanceof InputError && e.line === 10 && e.field === 'time_stats.input_layernorm.median');
  assert.throws(() => loadVidurPerfModel('/nonexistent-gaps-dir', d), /not found/);
  assert.throws(() => loadVidurPerfModel('/x', makeDeployment('llama-2-13b', 'a100-80gb', 1)), /supported: llama-2-7b/);
  assert.throws(() => loadVidurPerfModel('/x', makeDeployment('llama-2-7b', 'a100-40gb', 1)), /supported: a100-80gb/);
});

const vidurDir = profilesDir() === undefined ? undefined : profileFile('vidur');

test('vidur (real profiles): Llama-2-70B on A100 TP4 uses the measured all-reduce and grows with tokens', { skip: vidurDir === undefined && NO_PROFILES }, () => {
  const p = loadVidurProfile(vidurDir!, d);
  assert.ok(p.allReduce !== undefined && p.sources.some((s) => s.endsWith('a100_dgx/all_reduce.csv')));
  const m = loadVidurPerfModel(vidurDir!, d);
  let last = 0;
  for (const n of [1, 16, 128, 512, 2048, 4096, 8192]) {
    const s = emptyShape();
    addPrefillChunk(s, 0, n);
    const t = m.iterationTime(s);
    assert.ok(t > last, `prefill ${n}`);
    last = t;
  }
  const single = loadVidurProfile(vidurDir!, makeDeployment('llama-2-7b', 'h100-80gb', 1));
  assert.equal(single.allReduce, undefined, 'tp1 has no all-reduce');
});
