import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { InstanceLedger, type WorkList } from './estimator.js';

// The work list's columns are filled lazily (a fused estimate pass computes its sums alone): whatever
// the order of the calls, what a reader gets must be what a ledger deriving everything at once gives.
function fill(l: InstanceLedger, rng: Rng, n: number): void {
  for (let k = 0; k < n; k++) l.insert(k, 1 + rng.int(3000), 1 + rng.next() * 500, 900, 0, k * 0.01, rng.next() * 4, true);
  l.slots = 1 + rng.int(n + 2);
}
const prefill = (t: number): number => 1e-3 + Math.sqrt(t) * 2e-4;
function columns(w: WorkList): number[] {
  const out: number[] = [];
  for (let j = 0; j < w.length; j++) out.push(w.id[j] as number, w.arrival[j] as number, w.started[j] as number, w.preS[j] as number, w.tokens[j] as number);
  return out;
}

test('lazily filled work-list columns equal a straight derivation, after fused passes and re-derivations', () => {
  const rng = new Rng('work-list-lazy');
  for (let round = 0; round < 300; round++) {
    const seedN = 1 + rng.int(60);
    const lazy = new InstanceLedger();
    const eager = new InstanceLedger();
    const r1 = new Rng(`wl-${round}`);
    const r2 = new Rng(`wl-${round}`);
    fill(lazy, r1, seedN);
    fill(eager, r2, seedN);
    let now = 5;
    for (let step = 0; step < 6; step++) {
      now += rng.next();
      const tpot = 0.01 + rng.next() * 0.05;
      const own = 1 + rng.next() * 400;
      // Fused pass first (sums only), maybe twice, maybe a sums-only derivation, then a reader.
      lazy.workAt(now, tpot, prefill, own);
      if (rng.next() < 0.3) lazy.workAt(now, tpot, prefill, own + 1);
      if (rng.next() < 0.3) lazy.workAt(now, tpot, prefill, Number.NaN, false);
      const sums = [lazy.fusedOverlap, lazy.fusedAhead, lazy.fusedPrefill];
      const w = rng.next() < 0.5 ? lazy.workAt(now, tpot, prefill) : lazy.workOrder();
      const got = columns(rng.next() < 0.5 ? lazy.workOrder() : w).filter((_, i) => i % 5 >= 3);
      const e = eager.workAt(now, tpot, prefill);
      eager.workOrder();
      const want = columns(e).filter((_, i) => i % 5 >= 3);
      assert.deepEqual(got, want, `round ${round} step ${step}: prefill and token columns`);
      assert.deepEqual(columns(lazy.workOrder()), columns(eager.workOrder()), `round ${round} step ${step}: every column`);
      // The fused sums equal the estimate's own pass over the eager columns.
      let overlap = 0;
      let prefillAhead = 0;
      for (let j = 0; j < e.length; j++) {
        const t = e.tokens[j] as number;
        overlap += t >= own ? 1 : t / own;
        prefillAhead += e.preS[j] as number;
      }
      if (sums[0] !== undefined && lazy.fusedOwn === own) assert.deepEqual(sums.slice(0, 3), [overlap, e.length, prefillAhead]);
      // Change both ledgers the same way: a removal (a promotion may follow) or an arrival.
      const id = step * 1000 + round;
      if (rng.next() < 0.5 && lazy.length > 0) {
        const victim = lazy.entries.keys().next().value as number;
        lazy.remove(victim, now);
        eager.remove(victim, now);
      } else {
        lazy.insert(id, 10, 50, 60, now, now, now, true);
        eager.insert(id, 10, 50, 60, now, now, now, true);
      }
    }
  }
});

// Requests whose tokens left land within a few ulps of `own`, on either side, must get the plain
// pass's share in the fused pass too.
test('the fused pass gives the plain pass overlap for tokens left within ulps of the size estimated', () => {
  const rng = new Rng('work-list-margin');
  const noPrefill = (): number => 0;
  let near = 0;
  for (let round = 0; round < 400; round++) {
    const l = new InstanceLedger();
    const own = 1 + rng.next() * 800;
    const tpot = 0.005 + rng.next() * 0.08;
    const now = 1 + rng.next() * 50;
    for (let k = 0; k < 40; k++) {
      // Started at 0 with no prefill: tokens left = central - now / tpot, aimed at own, nudged by ulps.
      const nudge = 1 + (rng.int(17) - 8) * 2 ** -52;
      const central = (own + now / tpot) * nudge;
      l.insert(k, 100, central, central, 0, k, 0, true);
    }
    l.insert(100, 100, own * 3 + now / tpot, 900, 0, 100, 0, true);
    l.insert(101, 100, 2, 900, 0, 101, 0, true);
    l.workAt(now, tpot, noPrefill, own);
    assert.equal(l.fusedOwn, own);
    const fused = [l.fusedOverlap, l.fusedAhead, l.fusedPrefill];
    const w = l.workOrder();
    let overlap = 0;
    let prefillAhead = 0;
    for (let j = 0; j < w.length; j++) {
      const t = w.tokens[j] as number;
      if (t < own) near++;
      overlap += t >= own ? 1 : t / own;
      prefillAhead += w.preS[j] as number;
    }
    assert.deepEqual(fused, [overlap, w.length, prefillAhead], `round ${round}`);
  }
  assert.ok(near > 4000, `${near} requests just under own`);
});

// The fused pass takes a waiting request as one started just now, which gives the same terms only for
// a prefill time of at least 0 and a positive step time: with other inputs it fuses nothing.
test('the fused pass fuses nothing for a negative or NaN prefill time or a step time that is not positive', () => {
  const cases: [string, (t: number) => number, number][] = [
    ['negative prefill', (t) => (t > 2000 ? -0.01 : 0.01), 0.02],
    ['NaN prefill', (t) => (t > 2000 ? Number.NaN : 0.01), 0.02],
    ['zero step', () => 0.01, 0],
    ['NaN step', () => 0.01, Number.NaN],
  ];
  for (const [what, prefill, tpot] of cases) {
    const l = new InstanceLedger();
    const rng = new Rng(what);
    fill(l, rng, 40);
    l.workAt(10, tpot, prefill, 100);
    assert.ok(Number.isNaN(l.fusedOwn), what);
    const regular = new InstanceLedger();
    fill(regular, new Rng(what), 40);
    regular.workAt(10, 0.02, () => 0.01, 100);
    assert.equal(regular.fusedOwn, 100, `${what}: a regular ledger is fused`);
  }
});
