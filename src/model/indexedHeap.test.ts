import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { HeapPositions, IndexedHeap } from './indexedHeap.js';

test('IndexedHeap pops in (key, tie) order under random pushes, removals and key updates', () => {
  const r = new Rng('heap');
  const h = new IndexedHeap(new HeapPositions(8), 4);
  const ref = new Map<number, { key: number; tie: number }>();
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    const op = r.int(10);
    if (op < 4 || ref.size === 0) {
      const key = r.int(50);
      h.push(next, key, next);
      ref.set(next, { key, tie: next });
      next++;
    } else if (op < 6) {
      const ids = [...ref.keys()];
      const id = ids[r.int(ids.length)] as number;
      assert.equal(h.remove(id), true);
      ref.delete(id);
    } else if (op < 8) {
      const ids = [...ref.keys()];
      const id = ids[r.int(ids.length)] as number;
      const key = r.int(50);
      assert.equal(h.update(id, key), true);
      (ref.get(id) as { key: number }).key = key;
    } else {
      let best = -1;
      for (const [id, v] of ref) {
        const b = ref.get(best);
        if (!b || v.key < b.key || (v.key === b.key && v.tie < b.tie)) best = id;
      }
      assert.equal(h.pop(), best);
      ref.delete(best);
    }
    assert.equal(h.size, ref.size);
  }
  assert.equal(h.update(next + 5, 1), false, 'absent ids are not updated');
});
