import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { LeastSlot } from './leastSlot.js';

/** The reference: the first strict minimum of a scan, as `GapsState.occupancyByScan` keeps it (-1: none below +Infinity). */
function scan(keys: readonly number[]): number {
  let best = -1;
  let bestK = Number.POSITIVE_INFINITY;
  keys.forEach((k, i) => {
    if (k < bestK) {
      bestK = k;
      best = i;
    }
  });
  return best;
}

test('LeastSlot finds the first strict minimum of a scan through random changes, ties, NaN, infinities and signed zeros', () => {
  const rng = new Rng('least-slot');
  const pick = (): number => {
    const r = rng.next();
    if (r < 0.6) return rng.int(6); // many ties
    if (r < 0.7) return rng.next() * 6;
    if (r < 0.76) return Number.NaN;
    if (r < 0.82) return Number.POSITIVE_INFINITY;
    if (r < 0.85) return Number.NEGATIVE_INFINITY;
    if (r < 0.9) return -0;
    return 0;
  };
  for (const n of [1, 2, 3, 5, 8, 32, 33]) {
    const t = new LeastSlot(n);
    const keys: number[] = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    for (let step = 0; step < 4000; step++) {
      if (rng.next() < 0.05) {
        for (let i = 0; i < n; i++) {
          keys[i] = pick();
          t.put(i, keys[i] as number);
        }
        t.replayAll();
      } else {
        const i = rng.int(n);
        keys[i] = pick();
        t.set(i, keys[i] as number);
      }
      const want = scan(keys);
      if (want >= 0) {
        assert.equal(t.least, want, `n=${n} step ${step}: keys ${keys.join(',')}`);
        assert.ok(t.leastKey < Number.POSITIVE_INFINITY);
      } else assert.equal(t.leastKey, Number.POSITIVE_INFINITY, `n=${n} step ${step}: no key below +Infinity`);
    }
  }
});
