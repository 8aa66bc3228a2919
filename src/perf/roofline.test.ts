import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { addPrefillChunk, emptyShape, type BatchShape } from '../model/perfModel.js';
import { parseDeployment } from './presets.js';
import { DEFAULT_ROOFLINE, RooflinePerfModel, rooflineOptions } from './roofline.js';

const d7 = parseDeployment('llama-2-7b/a100-80gb');

function prefill(tokens: number, past = 0): BatchShape {
  const s = emptyShape();
  addPrefillChunk(s, past, tokens);
  return s;
}

function decode(seqs: number, context: number): BatchShape {
  const s = emptyShape();
  s.decodeSeqs = seqs;
  s.decodeContextTokens = seqs * context;
  return s;
}

function increasing(values: number[], what: string): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, `${what}: ${values[i - 1]} then ${values[i]}`);
}

test('roofline time grows with prefill tokens, decode batch size and context length', () => {
  for (const name of ['llama-2-7b/a100-80gb', 'llama-2-70b/h100-80gb/tp4', 'llama-3-8b/h100-80gb']) {
    const m = new RooflinePerfModel(parseDeployment(name));
    increasing([16, 128, 512, 2048, 8192].map((t) => m.iterationTime(prefill(t))), `${name} prefill`);
    increasing([1, 8, 64, 256, 1024].map((b) => m.iterationTime(decode(b, 1000))), `${name} decode batch`);
    increasing([100, 1000, 4000, 16000].map((c) => m.iterationTime(decode(64, c))), `${name} decode context`);
    increasing([0, 1000, 4000].map((p) => m.iterationTime(prefill(512, p))), `${name} prefill past`);
  }
});

test('decode at batch 1 is memory-bound: time is about weights / (bandwidth x efficiency) + overhead', () => {
  const m = new RooflinePerfModel(d7);
  const s = decode(1, 100);
  const b = m.terms.breakdown(s);
  assert.ok(b.linearMemory > 10 * b.linearCompute, 'weights dominate');
  const weightTime = (d7.model.params * d7.model.dtypeBytes) / (d7.gpu.memBandwidth * DEFAULT_ROOFLINE.memoryEfficiency);
  const t = m.iterationTime(s) - DEFAULT_ROOFLINE.iterationOverheadS;
  assert.ok(Math.abs(t / weightTime - 1) < 0.05, `${t} vs ${weightTime}`);
});

test('prefill of a long prompt is compute-bound and scales at least linearly', () => {
  const m = new RooflinePerfModel(d7);
  const b = m.terms.breakdown(prefill(8192));
  assert.ok(b.linearCompute > 3 * b.linearMemory);
  assert.ok(b.prefillAttnCompute > b.prefillAttnMemory);
  const flops = 2 * d7.model.params * 8192;
  assert.ok(b.linearCompute > flops / d7.gpu.flops, 'no faster than peak');
  assert.ok(m.iterationTime(prefill(8192)) > 1.95 * m.iterationTime(prefill(4096)));
});

test('a mixed batch can be compute-bound in the linear layers and memory-bound in decode attention', () => {
  const m = new RooflinePerfModel(d7);
  const s = prefill(2048);
  s.decodeSeqs = 64;
  s.decodeContextTokens = 64 * 4000;
  const b = m.terms.breakdown(s);
  assert.ok(b.linearCompute > b.linearMemory);
  assert.ok(b.decodeAttnMemory > b.decodeAttnCompute);
  const sum = b.linearCompute + Math.max(b.prefillAttnCompute, b.prefillAttnMemory) + b.decodeAttnMemory + b.allReduce + b.overhead;
  assert.ok(Math.abs(m.iterationTime(s) - sum) < 1e-12);
  assert.ok(m.iterationTime(s) > Math.max(b.linearCompute, b.decodeAttnMemory) + b.overhead, 'phases add, not max');
});

test('breakdown total equals iterationTime; an empty batch takes no time', () => {
  const m = new RooflinePerfModel(parseDeployment('llama-2-70b/h100-80gb/tp4'));
  const shapes = [prefill(1), prefill(3000, 500), decode(1, 1), decode(200, 3000)];
  const mixed = prefill(256, 1024);
  mixed.decodeSeqs = 10;
  mixed.decodeContextTokens = 5000;
  shapes.push(mixed);
  for (const s of shapes) assert.ok(Math.abs(m.terms.breakdown(s).total - m.iterationTime(s)) < 1e-12);
  assert.equal(m.iterationTime(emptyShape()), 0);
});

test('tensor parallelism reduces time; all-reduces appear only at tp > 1', () => {
  const at = (spec: string, s: BatchShape): number => new RooflinePerfModel(parseDeployment(spec)).iterationTime(s);
  for (const s of [prefill(2048), decode(32, 1000), decode(1, 500)]) {
    increasing(['llama-2-70b/h100-80gb/tp8', 'llama-2-70b/h100-80gb/tp4', 'llama-2-70b/h100-80gb/tp2'].map((n) => at(n, s)), 'tp8 < tp4 < tp2');
    assert.ok(at('llama-2-7b/a100-80gb/tp2', s) < at('llama-2-7b/a100-80gb/tp1', s));
  }
  assert.equal(new RooflinePerfModel(d7).terms.breakdown(prefill(100)).allReduce, 0);
  assert.ok(new RooflinePerfModel(parseDeployment('llama-2-7b/a100-80gb/tp2')).terms.breakdown(prefill(100)).allReduce > 0);
});

test('efficiency options change the time the way they should', () => {
  const slow = new RooflinePerfModel(d7, rooflineOptions({ computeEfficiency: 0.3 }));
  const base = new RooflinePerfModel(d7);
  assert.ok(slow.iterationTime(prefill(4096)) > 1.5 * (base.iterationTime(prefill(4096)) - DEFAULT_ROOFLINE.iterationOverheadS));
  assert.equal(slow.iterationTime(decode(1, 10)), base.iterationTime(decode(1, 10)), 'decode at batch 1 does not depend on FLOP/s');
  assert.throws(() => rooflineOptions({ computeEfficency: 0.5 }), (e: unknown) => e instanceof ConfigError && /valid: computeEfficiency/.test(e.message));
  assert.throws(() => rooflineOptions({ memoryEfficiency: 1.5 }), ConfigError);
  assert.throws(() => rooflineOptions({ iterationOverheadS: -1 }), ConfigError);
});
