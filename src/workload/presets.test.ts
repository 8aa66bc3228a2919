import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomStreams } from '../kernel/rng.js';
import { fmt } from './presets.js';

test('fmt prints exactly what toLocaleString with the same options prints', () => {
  const rng = new RandomStreams(9).stream('fmt');
  const xs = [0, -0, 1, 0.005, 1.005, 2.675, 0.995, 999.995, 999.994, 1000, 1234.5, 1e21, 2 ** 53 - 1, 2 ** 53, 123456789.125, 1234567.1, -3.14159, 5.53014, 1.09417, Number.NaN, Infinity, Number.MIN_VALUE];
  for (let i = 0; i < 2000; i++) xs.push(rng.lognormal(0, 6) * (rng.int(2) ? 1 : -1), Math.round(rng.uniform(0, 1e6)) / 1000, Math.round(rng.uniform(0, 1e9)) / 200);
  for (const x of xs) assert.equal(fmt(x), x.toLocaleString('en-US', { maximumFractionDigits: 2 }), String(x));
});
