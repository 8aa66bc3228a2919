import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinCountIndex } from './minCountIndex.js';
import { Rng } from './rng.js';

test('the smallest count, ties to the lowest index, as a scan finds it', () => {
  for (const slots of [1, 2, 3, 7, 31, 32, 33, 64, 100]) {
    const rng = new Rng(`mincount-${slots}`);
    const index = new MinCountIndex(slots);
    const counts = new Array<number>(slots).fill(0);
    assert.equal(index.min, 0);
    for (let round = 0; round < 4000; round++) {
      const i = rng.int(slots);
      // Mostly steps of one (outstanding requests), sometimes jumps of up to 300 either way.
      const step = rng.int(20) === 0 ? rng.int(601) - 300 : rng.int(3) - 1;
      counts[i] = Math.max(0, (counts[i] as number) + step);
      index.set(i, counts[i] as number);
      let best = 0;
      for (let k = 1; k < slots; k++) if ((counts[k] as number) < (counts[best] as number)) best = k;
      assert.equal(index.min, best, `slots ${slots} round ${round}`);
    }
  }
});

test('counts outside [0, 2^28] are refused', () => {
  const index = new MinCountIndex(4);
  assert.throws(() => index.set(1, -1), RangeError);
  assert.throws(() => index.set(1, 1.5), RangeError);
  assert.throws(() => index.set(1, 2 ** 29), RangeError);
});
