import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomStreams } from '../kernel/rng.js';
import { fmt } from './presets.js';

test('fmt prints exactly what toLocaleString with the same options prints', () => {
  const rng = new RandomStreams(9).stream('fmt');
  const xs = [0, -0, 1, 0.005, 1.005, 2.675, 1234.5, 1e21, 123456789.125, -3.14159, 5.53014, 1.09417, Number.NaN, Infinity];
  for (let i = 0; i < 2000; i++) xs.push(rng.lognormal(0, 6) * (rng.int(2) ? 1 : -1), Math.round(rng.uniform(0, 1e6)) / 1000);
  for (const x of xs) assert.equal(fmt(x), x.toLocaleString('en-US', { maximumFractionDigits: 2 }), String(x));
});
