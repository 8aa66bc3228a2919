import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from './eventQueue.js';
import { Rng } from './rng.js';
import { SlotTimers } from './slotTimers.js';

test('pops slots in (time, order set) order, like the event heap', () => {
  for (const slots of [1, 2, 3, 5, 32, 33]) {
    const rng = new Rng(`slot-timers-${slots}`);
    const timers = new SlotTimers(slots);
    const q = new EventQueue(4);
    let now = 0;
    let popped = 0;
    for (let s = 0; s < slots; s++) {
      if (rng.next() < 0.7) {
        const t = rng.int(5);
        assert.ok(timers.set(s, t));
        q.push(t, 0, 0, s, 0);
      }
    }
    for (let round = 0; round < 5000; round++) {
      const expectTime = q.peekTime();
      assert.equal(timers.peekTime(), expectTime);
      const slot = timers.pop();
      if (!q.pop()) {
        assert.equal(slot, -1);
        break;
      }
      assert.equal(slot, q.popTarget);
      assert.equal(timers.pending(slot), false);
      now = q.popTime;
      popped++;
      // Reschedule this slot (many ties: integer times), sometimes another idle slot too.
      const r = rng.next();
      if (r < 0.9) {
        const t = now + rng.int(4);
        assert.ok(timers.set(slot, t));
        q.push(t, 0, 0, slot, 0);
      }
      if (r > 0.5) {
        const other = rng.int(slots);
        if (!timers.pending(other)) {
          const t = now + rng.int(3);
          assert.ok(timers.set(other, t));
          q.push(t, 0, 0, other, 0);
        }
      }
    }
    assert.ok(popped > 0);
  }
});

test('refuses a second pending event in one slot and infinite times', () => {
  const timers = new SlotTimers(4);
  assert.ok(timers.set(2, 1));
  assert.equal(timers.set(2, 3), false);
  assert.equal(timers.set(1, Number.POSITIVE_INFINITY), false);
  assert.equal(timers.pop(), 2);
  assert.equal(timers.pop(), -1);
  assert.equal(timers.peekTime(), Number.POSITIVE_INFINITY);
});
