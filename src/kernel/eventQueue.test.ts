import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from './eventQueue.js';
import { Rng } from './rng.js';

test('pops events in (time, phase, insertion) order', () => {
  const q = new EventQueue(4);
  q.push(2, 0, 1, 0, 0);
  q.push(1, 1, 2, 0, 0);
  q.push(1, 0, 3, 0, 0);
  q.push(1, 0, 4, 0, 0);
  q.push(0.5, 9, 5, 0, 0);
  const kinds: number[] = [];
  while (q.pop()) kinds.push(q.popKind);
  assert.deepEqual(kinds, [5, 3, 4, 2, 1]);
});

test('matches a reference sort on random input, including many ties', () => {
  const rng = new Rng('heap-test');
  const q = new EventQueue(2);
  const ref: { t: number; ph: number; seq: number }[] = [];
  let seq = 0;
  let popped: { t: number; ph: number; seq: number }[] = [];
  const expected: { t: number; ph: number; seq: number }[] = [];
  for (let round = 0; round < 2000; round++) {
    const t = rng.int(50);
    const ph = rng.int(3);
    q.push(t, ph, 0, 0, seq);
    ref.push({ t, ph, seq });
    seq++;
    if (rng.next() < 0.4) {
      ref.sort((a, b) => a.t - b.t || a.ph - b.ph || a.seq - b.seq);
      const e = ref.shift();
      assert.ok(q.pop());
      if (e) expected.push(e);
      popped.push({ t: q.popTime, ph: q.popPhase, seq: q.popData });
    }
  }
  ref.sort((a, b) => a.t - b.t || a.ph - b.ph || a.seq - b.seq);
  expected.push(...ref);
  while (q.pop()) popped.push({ t: q.popTime, ph: q.popPhase, seq: q.popData });
  assert.deepEqual(popped, expected);
  assert.equal(q.size, 0);
  assert.equal(q.peekTime(), Number.POSITIVE_INFINITY);
  popped = [];
});

test('a popped slot reused by the next push: size, peek and order stay those of a sorted list', () => {
  const rng = new Rng('heap-hole');
  const q = new EventQueue(2);
  const ref: { t: number; ph: number; seq: number }[] = [];
  const byKey = (a: { t: number; ph: number; seq: number }, b: { t: number; ph: number; seq: number }) => a.t - b.t || a.ph - b.ph || a.seq - b.seq;
  let seq = 0;
  for (let step = 0; step < 5000; step++) {
    const op = rng.int(6);
    if (op < 2 && ref.length > 0) {
      ref.sort(byKey);
      const e = ref.shift() as { t: number; ph: number; seq: number };
      assert.ok(q.pop());
      assert.deepEqual({ t: q.popTime, ph: q.popPhase, seq: q.popData }, e);
      // Often the handler of an event pushes right away (the reused slot), sometimes several.
      for (let k = rng.int(3); k > 0; k--) {
        const t = e.t + rng.int(4);
        const ph = rng.int(3);
        q.push(t, ph, 0, 0, seq);
        ref.push({ t, ph, seq: seq++ });
      }
    } else if (op === 2) {
      ref.sort(byKey);
      assert.equal(q.peekTime(), ref.length ? (ref[0] as { t: number }).t : Number.POSITIVE_INFINITY);
    } else {
      const t = rng.int(40);
      const ph = rng.int(3);
      q.push(t, ph, 0, 0, seq);
      ref.push({ t, ph, seq: seq++ });
    }
    assert.equal(q.size, ref.length);
  }
  ref.sort(byKey);
  for (const e of ref) {
    assert.ok(q.pop());
    assert.deepEqual({ t: q.popTime, ph: q.popPhase, seq: q.popData }, e);
  }
  assert.ok(!q.pop());
  assert.equal(q.size, 0);
});
