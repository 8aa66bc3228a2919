import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { IdPlaces } from './idPlaces.js';

test('IdPlaces answers get/set/delete as a Map does, with stragglers, growth and odd ids', () => {
  let s = 12345;
  const rand = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  const odd = [-1, -0, 0.5, 2 ** 31, 2 ** 40, Number.NaN];
  for (const spread of [100, 3000, 50000]) {
    const ref = new Map<number, number>();
    const p = new IdPlaces();
    const live: number[] = [];
    let next = 0;
    for (let step = 0; step < 60000; step++) {
      const op = rand(10);
      if (op < 4) {
        // A new id, sometimes an odd one.
        const id = rand(50) === 0 ? (odd[rand(odd.length)] as number) : next++;
        const place = rand(32);
        ref.set(id, place);
        p.set(id, place);
        live.push(id);
      } else if (op < 7 && live.length > 0) {
        // Remove a recent one (stragglers stay: only the last `spread` ids are picked).
        const k = Math.max(0, live.length - 1 - rand(spread));
        const id = live[k] as number;
        live.splice(k, 1);
        assert.equal(p.delete(id), ref.delete(id));
      } else if (op < 8 && live.length > 0) {
        // Move one.
        const id = live[rand(live.length)] as number;
        const place = rand(32);
        ref.set(id, place);
        p.set(id, place);
      } else {
        const id = rand(2) === 0 && live.length > 0 ? (live[rand(live.length)] as number) : rand(next + 10);
        assert.equal(p.get(id), ref.get(id), `get(${id})`);
      }
    }
    for (let id = 0; id < next + 10; id++) assert.equal(p.get(id), ref.get(id));
    for (const id of odd) assert.equal(p.get(id), ref.get(id));
  }
});

test('IdPlaces keeps a hint per id from its placement on: the last one set, or -1', () => {
  const p = new IdPlaces();
  const ref = new Map<number, number>();
  let held = 0;
  let checked = 0;
  let next = 0;
  const live: number[] = [];
  let s = 99;
  const rand = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  for (let step = 0; step < 40000; step++) {
    const op = rand(10);
    if (op < 3) {
      const id = next++;
      p.set(id, rand(32));
      ref.set(id, -1);
      live.push(id);
    } else if (op < 5 && live.length > 0) {
      const id = live[rand(live.length)] as number;
      const h = rand(1000);
      p.setHint(id, h);
      ref.set(id, h);
    } else if (op < 6 && live.length > 0) {
      // Placed again (moved): the hint is forgotten.
      const id = live[rand(live.length)] as number;
      p.set(id, rand(32));
      ref.set(id, -1);
    } else if (op < 8 && live.length > 0) {
      const k = Math.max(0, live.length - 1 - rand(3000));
      const id = live[k] as number;
      live.splice(k, 1);
      p.delete(id);
      ref.delete(id);
      assert.equal(p.hint(id), -1, `hint of deleted ${id}`);
    } else if (live.length > 0) {
      const id = live[rand(live.length)] as number;
      const h = p.hint(id);
      // Ids in the overflow carry none; every other id its last hint.
      assert.ok(h === -1 || h === ref.get(id), `hint of ${id}: ${h}, set ${ref.get(id)}`);
      if (h === ref.get(id)) held++;
      checked++;
    }
  }
  assert.ok(held > 0.9 * checked, `hints kept for ${held} of ${checked}`);
  assert.equal(p.hint(-1), -1);
  assert.equal(p.hint(0.5), -1);
  p.setHint(0.5, 3);
  assert.equal(p.hint(0.5), -1);
});
