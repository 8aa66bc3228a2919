import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestFacts } from '../../model/batchPolicy.js';
import { schedulers } from './registry.js';

const facts = (arrival: number, predicted: number, generated = 0): RequestFacts => ({
  id: 0,
  arrival,
  promptTokens: 100,
  predictedOutputTokens: predicted,
  generatedTokens: generated,
  kvTokens: 0,
  prefillTarget: 100,
  preemptions: 0,
  type: 0,
  lastTokenTime: Number.NaN,
  tbtTargetS: Number.POSITIVE_INFINITY,
  apiCallsDone: 0,
  waitedS: 0,
  kvResident: false,
});

test('sprpt-aged: shortest predicted remaining first until the starvation bound, then first come first served and protected', () => {
  const p = schedulers.get('sprpt-aged')('5');
  assert.equal(p.dynamicRank, true);
  const now = 100;
  const shortFresh = p.rank(facts(99, 10), now);
  const longFresh = p.rank(facts(98, 5000), now);
  const longOld = p.rank(facts(90, 5000), now);
  const longOlder = p.rank(facts(80, 5000), now);
  assert.ok(shortFresh < longFresh, 'before the bound: by predicted remaining size');
  assert.ok(longOld < shortFresh && longOlder < longOld, 'past the bound: ahead of every fresh request, oldest first');
  assert.equal(p.victimRank?.(facts(90, 5000), now), Number.NEGATIVE_INFINITY, 'an aged request is never displaced');
  assert.equal(p.victimRank?.(facts(99, 5000), now), 5000);
  assert.throws(() => schedulers.get('sprpt-aged')('-1'), /starvation bound/);
});
