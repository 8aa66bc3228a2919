import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestSpec } from '../model/request.js';
import { buildWorkload } from './build.js';
import { RotatedTrace } from './rotate.js';
import { dataFile, NO_DATA, take } from './testSupport.js';

const convTrace = dataFile('azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

const trace: RequestSpec[] = [0, 1, 2.5, 4, 7, 9].map((arrival, i) => ({ arrival, promptTokens: 10 + i, outputTokens: 1 + i, type: 't' }));
const open = () => trace[Symbol.iterator]();

test('a rotated replay starts at the cut, wraps around once and keeps every request', () => {
  const r = new RotatedTrace(open, 3, 9, 1.8);
  const out: RequestSpec[] = [];
  for (let x = r.next(); !x.done; x = r.next()) out.push(x.value);
  assert.deepEqual(out.map((x) => x.promptTokens), [13, 14, 15, 10, 11, 12]);
  assert.deepEqual(out.map((x) => x.arrival), [1, 4, 6, 7.8, 8.8, 10.3]);
  for (let i = 1; i < out.length; i++) assert.ok((out[i] as RequestSpec).arrival >= (out[i - 1] as RequestSpec).arrival);
});

test('workload.rotate on the real conversation trace: same requests, same rate, another start', { skip: !convTrace && NO_DATA }, () => {
  const path = convTrace as string;
  const plain = take(buildWorkload({ trace: path }, 1).make());
  const rotated = take(buildWorkload({ trace: path, rotate: 1 / 3 }, 1).make());
  assert.equal(rotated.length, plain.length);
  const key = (r: RequestSpec): string => `${r.promptTokens}/${r.outputTokens}`;
  assert.deepEqual(rotated.map(key).sort(), plain.map(key).sort());
  assert.notEqual(key(rotated[0] as RequestSpec), key(plain[0] as RequestSpec));
  const spanP = (plain.at(-1) as RequestSpec).arrival;
  const spanR = (rotated.at(-1) as RequestSpec).arrival;
  assert.ok(Math.abs(spanR - spanP) / spanP < 0.01, `span ${spanR} vs ${spanP}`);
  assert.throws(() => buildWorkload({ trace: path, rotate: 1.5 }, 1).make(), /workload\.rotate/);
});
