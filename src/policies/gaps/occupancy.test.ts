import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import type { BatchShape } from '../../model/perfModel.js';
import { blankInstanceView, ViewStamps, type ClusterView, type InstanceView } from '../clusterView.js';
import { DEFAULT_GAPS, GapsState } from './state.js';

const perf = { name: 'lin', iterationTime: (s: BatchShape) => 0.01 + 1e-4 * s.decodeSeqs };
type Mutable = { -readonly [K in keyof InstanceView]: InstanceView[K] };

/** The double next to x towards +Infinity (up) or -Infinity (down), for x finite and positive. */
function nextTo(x: number, up: boolean): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  b.setBigUint64(0, b.getBigUint64(0) + (up ? 1n : -1n));
  return b.getFloat64(0);
}

test('Eq. 9 u and the shortest queue from change stamps equal the scan of every view, bit for bit', () => {
  const rng = new Rng('stamps');
  for (const n of [1, 3, 32]) {
    const state = new GapsState(n, perf, { prediction: true, rebalancing: true, global: true }, DEFAULT_GAPS, rng, 5);
    const ref = new GapsState(n, perf, { prediction: true, rebalancing: true, global: true }, DEFAULT_GAPS, rng, 5);
    // Asked for decisions only, as the router asks: its running sum goes many changes without a fold.
    const dec = new GapsState(n, perf, { prediction: true, rebalancing: true, global: true }, DEFAULT_GAPS, rng, 5);
    let decided = 0;
    const views: Mutable[] = Array.from({ length: n }, (_, i) => ({ ...blankInstanceView(i, { maxNumSeqs: 1 + rng.int(8) }) }));
    const stamps = new ViewStamps(n);
    const view: ClusterView = { now: 0, instances: views, stamps };
    const plain: ClusterView = { now: 0, instances: views };
    let predictiveSide = 0;
    let recomputed = 0;
    for (let step = 0; step < 20000; step++) {
      const kind = rng.next();
      if (kind < 0.05) {
        // A report: every field of every view may change (a busy or a quiet cluster).
        const busy = rng.next() < 0.5;
        for (const v of views) {
          v.waiting = busy ? rng.int(4) : 0;
          v.running = rng.int(busy ? v.maxNumSeqs + 1 : Math.max(1, v.maxNumSeqs >> 2));
          v.kvUsage = rng.next() < 0.2 ? rng.next() : rng.next() * 0.01;
          v.sinceReport = 0;
          if (!busy && rng.next() < 0.3) {
            // Idle: a term of 0, whose candidacy still counts in u's mean.
            v.running = 0;
            v.kvUsage = 0;
          }
        }
        stamps.touchAll();
      } else if (kind < 0.056) {
        // A broken count (NaN or infinite) until the next report: the scan never takes it as the least queue.
        const v = views[rng.int(n)] as Mutable;
        v.waiting = rng.next() < 0.5 ? Number.NaN : Number.POSITIVE_INFINITY;
        stamps.touch(v.id);
      } else if (kind < 0.08) {
        const v = views[rng.int(n)] as Mutable;
        if (rng.next() < 0.5) v.available = !v.available;
        else v.role = v.role === 'decode' ? 'mixed' : rng.next() < 0.5 ? 'decode' : 'prefill';
        stamps.touch(v.id);
      } else if (kind < 0.1) {
        stamps.touch(rng.int(n)); // a change of a field u does not read
      } else if (kind < 0.12) {
        // No change at all: the cached answer stands.
      } else {
        const v = views[rng.int(n)] as Mutable;
        v.sinceReport += 1 + rng.int(2);
        stamps.touch(v.id);
      }
      const haveU = dec.readOccupancy(view);
      const a = state.occupancyAndShortestQueue(view);
      const b = ref.occupancyByScan(plain);
      assert.ok(Object.is(a, b), `n=${n} step ${step}: u ${a} from stamps, ${b} from the scan`);
      assert.equal(haveU, b !== undefined, `n=${n} step ${step}: whether u is defined`);
      if (b === undefined) continue;
      assert.equal(state.shortest, ref.shortest, `n=${n} step ${step}: shortest queue`);
      assert.equal(dec.shortest, ref.shortest, `n=${n} step ${step}: shortest queue (decisions only)`);
      // Mostly thresholds far from u (the running sum decides), now and then u itself and its
      // neighbours, where only the scan's exact bits decide.
      const ths = [DEFAULT_GAPS.uThreshold, rng.next()];
      if (step % 7 === 0 && b > 0) ths.push(b, nextTo(b, true), nextTo(b, false));
      for (const th of ths) {
        assert.equal(dec.occupancyAtLeast(th), b >= th, `n=${n} step ${step}: u ${b} >= ${th}`);
        decided++;
      }
      if (b >= DEFAULT_GAPS.uThreshold) predictiveSide++;
      recomputed++;
    }
    assert.ok(recomputed > 5000, `n=${n}: many steps have an available instance (${recomputed})`);
    assert.ok(decided > 2 * recomputed, `n=${n}: decisions checked (${decided})`);
    if (n > 1) assert.ok(predictiveSide > 100 && predictiveSide < recomputed - 100, `n=${n}: u falls on both sides of u_th (${predictiveSide} of ${recomputed})`);
  }
});

test('a view without stamps, or stamps of another size, is scanned', () => {
  const state = new GapsState(2, perf, { prediction: true, rebalancing: true, global: true }, DEFAULT_GAPS, new Rng('s'), 5);
  const views = [blankInstanceView(0, { running: 5, maxNumSeqs: 10 }), blankInstanceView(1, { running: 2, maxNumSeqs: 10 })];
  assert.equal(state.occupancyAndShortestQueue({ now: 0, instances: views }), 0.35);
  assert.equal(state.shortest?.id, 1);
  assert.equal(state.occupancyAndShortestQueue({ now: 0, instances: views, stamps: new ViewStamps(3) }), 0.35);
});
