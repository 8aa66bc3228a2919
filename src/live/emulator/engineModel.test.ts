import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepare } from '../../run/simulate.js';
import { parseSimulateConfig } from '../../run/config.js';
import { schedulers } from '../../policies/schedulers/registry.js';
import { EngineModel } from './engineModel.js';

function model(): EngineModel {
  const p = prepare(parseSimulateConfig({ instances: 1, deployment: 'llama-2-7b/a100-80gb' }, 'test'));
  return new EngineModel(p.resolved.instance, p.perf, schedulers.get('vllm')(undefined), { onComplete: () => {}, onReject: () => {} });
}

test('engine model: cancelled requests free their live slots (the ring does not grow with cancellations)', () => {
  const m = model();
  // Each cancelled request is the oldest live one when the next arrives, so the window must move past it.
  for (let i = 0; i < 20_000; i++) {
    const id = m.submit(100, 50, 50, i * 1e-3);
    m.cancel(id);
  }
  assert.equal(m.waiting, 0);
  assert.ok(m.liveSlotCount <= 2048, `ring grew to ${m.liveSlotCount} slots for 20000 cancelled requests`);
});
