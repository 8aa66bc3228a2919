import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestSpec } from '../../model/request.js';
import { runScheduler } from '../../../test/schedulerHarness.js';

/** Requests that each make one API call; calls of a kind have the given duration. */
function calls(duration: number, n = 80): RequestSpec[] {
  const out: RequestSpec[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ arrival: i * 0.02, promptTokens: 600, outputTokens: 60, type: 't', apiCalls: [{ afterTokens: 20, durationS: duration, returnTokens: 30, kind: 'k' }] });
  }
  return out;
}

const instance = { kvBlocks: 3000, hostKvBlocks: 3000, swapSecondsPerBlock: 1e-4 };

test('infercept preserves KV through short calls and gives it up for long ones; vllm always discards', () => {
  const short = runScheduler({ scheduler: 'infercept', instance }, calls(0.005));
  assert.ok(short.apiCalls.preserve > 60, `short calls keep their KV: ${JSON.stringify(short.apiCalls)}`);
  const long = runScheduler({ scheduler: 'infercept', instance }, calls(30));
  assert.ok(long.apiCalls.preserve < 5, `long calls do not hold KV idle: ${JSON.stringify(long.apiCalls)}`);
  const vllm = runScheduler({ scheduler: 'vllm', instance }, calls(0.005));
  assert.equal(vllm.apiCalls.discard, 80);
});

test('lamps chooses the KV strategy per call like infercept, from predicted durations', () => {
  const short = runScheduler({ scheduler: 'lamps', instance, predictor: 'oracle' }, calls(0.005));
  assert.ok(short.apiCalls.preserve > 60, JSON.stringify(short.apiCalls));
});
