import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchPerfModel, benchShapes, formatBench } from './bench.js';
import { LinearPerfModel } from './linear.js';
import { parseDeployment } from './presets.js';
import { RooflinePerfModel } from './roofline.js';

test('bench shapes mix decode-only, mixed and prefill-only batches', () => {
  const shapes = benchShapes(30);
  assert.equal(shapes.length, 30);
  assert.ok(shapes.some((s) => s.prefillTokens === 0 && s.decodeSeqs > 0));
  assert.ok(shapes.some((s) => s.prefillTokens > 0 && s.decodeSeqs > 0));
  assert.ok(shapes.some((s) => s.prefillTokens > 0 && s.decodeSeqs === 0));
});

test('benchPerfModel runs the calls and sums the times (no timing assertion)', () => {
  const shapes = benchShapes(4);
  const r = benchPerfModel(new LinearPerfModel(0.5), 8, shapes);
  assert.equal(r.calls, 8);
  assert.equal(r.checksum, 4, 'eight calls of 0.5 s');
  const roof = benchPerfModel(new RooflinePerfModel(parseDeployment('llama-2-7b/a100-80gb')), 1000);
  assert.ok(roof.checksum > 0 && Number.isFinite(roof.nsPerCall));
  assert.match(formatBench([r, roof]), /roofline .* ns\/call/);
});
