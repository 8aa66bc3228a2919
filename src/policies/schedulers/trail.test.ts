import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestFacts } from '../../model/batchPolicy.js';
import { Rng } from '../../kernel/rng.js';
import { createPredictor } from '../../predictors/registry.js';
import { refinePrediction } from '../../predictors/predictor.js';
import { trailScheduler } from './trail.js';
import { geometricWorkload, meanE2e, runScheduler } from '../../../test/schedulerHarness.js';

const facts = (generated: number, predicted: number) => ({ generatedTokens: generated, predictedOutputTokens: predicted }) as RequestFacts;

test('trail protects a request from displacement once its age reaches C times its prediction', () => {
  const p = trailScheduler(0.5);
  assert.equal(p.victimRank?.(facts(40, 100), 0), 60);
  assert.equal(p.victimRank?.(facts(50, 100), 0), Number.NEGATIVE_INFINITY);
  assert.equal(p.rank(facts(50, 100), 0), 50, 'in the queue it is still ranked by predicted remaining output');
  assert.equal(trailScheduler(0).victimRank?.(facts(0, 100), 0), Number.NEGATIVE_INFINITY, 'C = 0: never displaced');
});

test('refined predictions converge to the truth as a request decodes', () => {
  const noisy = createPredictor('noisy:0.4', new Rng('x'));
  const f = { promptTokens: 10, type: 0, sessionId: undefined, oracleOutputTokens: 500 };
  const initial = noisy.predict(f);
  const errors = [0, 250, 450, 499].map((g) => Math.abs(refinePrediction(noisy, f, initial, g) - 500));
  assert.ok(errors[0]! >= errors[1]! && errors[1]! >= errors[2]! && errors[2]! >= errors[3]!, `errors shrink: ${errors.join(',')}`);
  assert.ok(errors[3]! <= 1);
});

test('on a one-sequence instance trail:1 (preemptive until the prediction) beats trail:0 (never preempts) in mean latency', () => {
  const specs = geometricWorkload('trail', 4, 6000, 20);
  const run = (spec: string) => meanE2e(runScheduler({ scheduler: spec, instance: { maxNumSeqs: 1 }, perf: { name: 'c', iterationTime: () => 0.01 }, predictor: 'oracle' }, specs));
  const t0 = run('trail:0');
  const t1 = run('trail:1');
  assert.ok(t1 < t0, `trail:1 ${t1} < trail:0 ${t0}`);
});
