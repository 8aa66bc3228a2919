import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgminTree } from './argminTree.js';
import { Rng } from './rng.js';

test('the minimum key, ties to the lowest index, as a scan finds it', () => {
  for (const slots of [1, 2, 3, 7, 32, 33, 100]) {
    const rng = new Rng(`argmin-${slots}`);
    const tree = new ArgminTree(slots);
    const keys = new Array<number>(slots).fill(0);
    assert.equal(tree.min, 0);
    for (let round = 0; round < 3000; round++) {
      const i = rng.int(slots);
      keys[i] = Math.max(0, (keys[i] as number) + (rng.int(3) - 1) * (rng.int(10) === 0 ? 1000 : 1));
      tree.set(i, keys[i] as number);
      let best = 0;
      for (let k = 1; k < slots; k++) if ((keys[k] as number) < (keys[best] as number)) best = k;
      assert.equal(tree.min, best, `slots ${slots} round ${round}`);
    }
  }
});
