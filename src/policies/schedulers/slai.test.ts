import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchShape } from '../../model/perfModel.js';
import { slaiScheduler } from './slai.js';
import { runScheduler } from '../../../test/schedulerHarness.js';

test('slai admits waiting prompts shortest first', () => {
  const policy = slaiScheduler({ budget: 512, tbtS: Number.POSITIVE_INFINITY, margin: 0.1 });
  const facts = (p: number) => ({ promptTokens: p }) as Parameters<typeof policy.rank>[0];
  assert.ok(policy.rank(facts(100), 0) < policy.rank(facts(900), 0));
  // One sequence at a time: the queue behind the first request drains in prompt order.
  const specs = [
    { arrival: 0, promptTokens: 10, outputTokens: 50, type: 't' },
    { arrival: 0.001, promptTokens: 900, outputTokens: 2, type: 't' },
    { arrival: 0.002, promptTokens: 100, outputTokens: 2, type: 't' },
    { arrival: 0.003, promptTokens: 500, outputTokens: 2, type: 't' },
  ];
  const res = runScheduler({ scheduler: 'slai', instance: { maxNumSeqs: 1 } }, specs);
  const done = [1, 2, 3].sort((a, b) => (res.table.completion[a] as number) - (res.table.completion[b] as number));
  assert.deepEqual(done, [2, 3, 1]);
});

/** Decodes running while a burst of long prompts arrives; iteration time grows with batch tokens. */
function burst(): { arrival: number; promptTokens: number; outputTokens: number; type: string }[] {
  const out = [];
  for (let i = 0; i < 8; i++) out.push({ arrival: i * 0.001, promptTokens: 32, outputTokens: 400, type: 'chat' });
  for (let i = 0; i < 6; i++) out.push({ arrival: 0.5 + i * 0.01, promptTokens: 6000, outputTokens: 4, type: 'doc' });
  return out;
}

function maxGap(shapesRun: ReturnType<typeof runScheduler>): number {
  let m = 0;
  for (const inst of shapesRun.instances) for (let i = 0; i < inst.tbt.size; i++) m = Math.max(m, inst.tbt.gaps[i] as number);
  return m;
}

test('slai cuts the budget from measured iteration times so decodes meet their TBT target; sarathi does not', () => {
  const perf = { name: 'lin', iterationTime: (s: BatchShape) => 0.01 + 4e-5 * (s.prefillTokens + s.decodeSeqs) };
  const target = 0.04;
  const slai = runScheduler({ scheduler: `slai:2048,tbt=${target}`, perf }, burst());
  const sarathi = runScheduler({ scheduler: 'sarathi:2048', perf }, burst());
  assert.ok(maxGap(sarathi) > 0.08, `sarathi's 2048-token chunks stretch gaps to ${maxGap(sarathi)}`);
  assert.ok(maxGap(slai) <= target * 1.05, `slai keeps every gap within the target: ${maxGap(slai)}`);
  assert.equal(slai.table.count, 14);
});

test('slai lets decodes with slack sit an iteration out when prefills wait and the budget binds', () => {
  const perf = { name: 'lin', iterationTime: (s: BatchShape) => 0.005 + 1e-6 * (s.prefillTokens + s.decodeSeqs) };
  const specs = [];
  for (let i = 0; i < 60; i++) specs.push({ arrival: i * 1e-4, promptTokens: 16, outputTokens: 200, type: 'chat' });
  for (let i = 0; i < 4; i++) specs.push({ arrival: 0.3 + i * 1e-3, promptTokens: 2000, outputTokens: 2, type: 'doc' });
  const shapes: BatchShape[] = [];
  runScheduler({ scheduler: 'slai:64,tbt=10', perf, shapes }, specs);
  // With a loose target, decodes yield their budget to prefills: some iterations decode fewer than all 60.
  assert.ok(shapes.some((s) => s.prefillTokens > 0 && s.decodeSeqs > 0 && s.decodeSeqs < 60), 'some decodes skipped for prefill');
});
