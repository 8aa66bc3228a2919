import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { blankInstanceView, type InstanceView } from './clusterView.js';

/** The straightforward definition `blankInstanceView` must equal: its defaults spread, then the overrides. */
function reference(id: number, over: Partial<InstanceView>): InstanceView {
  return { ...blankInstanceView(id), ...over };
}

test('blankInstanceView with overrides equals its defaults spread with them: same keys in the same order, same values', () => {
  const rng = new Rng('blank-view');
  const keys = Object.keys(reference(0, {})).filter((k) => k !== 'id') as (keyof InstanceView)[];
  for (let t = 0; t < 500; t++) {
    const over: Record<string, unknown> = {};
    for (const k of keys) {
      if (rng.next() >= 0.3) continue;
      if (k === 'role') over[k] = rng.next() < 0.5 ? 'prefill' : 'decode';
      else if (k === 'available') over[k] = rng.next() < 0.5;
      else over[k] = rng.next() < 0.5 ? rng.int(100) : rng.next();
    }
    const id = rng.int(64);
    const got = blankInstanceView(id, over as Partial<InstanceView>);
    const want = reference(id, over as Partial<InstanceView>);
    assert.deepEqual(Object.keys(got), Object.keys(want));
    for (const k of Object.keys(want) as (keyof InstanceView)[]) assert.ok(Object.is(got[k], want[k]), `${k}: ${String(got[k])} against ${String(want[k])}`);
  }
  // Each call is a new object (the simulator mutates its views).
  assert.notEqual(blankInstanceView(1), blankInstanceView(1));
});
