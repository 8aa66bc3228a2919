import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import type { BatchShape } from '../../model/perfModel.js';
import { blankInstanceView, type InstanceView } from '../clusterView.js';
import { CompletionEstimator, InstanceLedger, NEW_ARRIVAL, type LedgerEntry, type QueuePosition } from './estimator.js';

// A perf model with curvature in every input, so that a change in the order or grouping of any sum
// shows up in the last bits.
const perf = {
  name: 'curved',
  iterationTime: (s: BatchShape) =>
    0.007 + 3.3e-5 * s.prefillTokens + 1.1e-9 * s.prefillAttnPairs + 1.7e-4 * Math.sqrt(s.decodeSeqs) + 9.1e-8 * s.decodeContextTokens,
};

/**
 * The estimator as first written (one object per outstanding request, a sorted array for the slot
 * wait), kept here as the reference the typed-array estimator must match bit for bit.
 */
class ReferenceEstimator {
  constructor(private readonly est: CompletionEstimator) {}

  private pending(v: InstanceView, ledger: InstanceLedger | undefined, tpot: number, typical: number, typicalPrompt: number, now: number, at: QueuePosition) {
    const out: { prefillS: number; tokens: number; started: boolean; ahead: boolean }[] = [];
    if (ledger) {
      for (const [id, e] of ledger.entries) {
        if (id === at.self) continue;
        const pre = this.est.prefill(Math.max(1, e.prompt));
        const ahead = e.arrival < at.arrival || (e.arrival === at.arrival && id < at.self) || at.self < 0;
        if (Number.isNaN(e.start)) out.push({ prefillS: pre, tokens: Math.max(1, e.central), started: false, ahead });
        else {
          const elapsed = Math.max(0, now - e.start);
          const produced = Math.max(0, elapsed - pre) / tpot;
          out.push({ prefillS: Math.max(0, pre - elapsed), tokens: Math.max(1, e.central - produced), started: true, ahead: true });
        }
      }
      return out;
    }
    const pre = this.est.prefill(Math.max(1, typicalPrompt));
    for (let k = 0; k < v.running; k++) out.push({ prefillS: 0, tokens: Math.max(1, typical / 2), started: true, ahead: true });
    for (let k = 0; k < v.waiting + v.sinceReport; k++) out.push({ prefillS: pre, tokens: Math.max(1, typical), started: false, ahead: true });
    return out;
  }

  estimate(v: InstanceView, ledger: InstanceLedger | undefined, prompt: number, own: number, upper: number, now: number, typical: number, typicalPrompt: number, at: QueuePosition): number {
    own = Math.max(1, own);
    const slots = Math.max(1, v.maxNumSeqs);
    const ctx = v.running > 0 ? (v.kvUsedBlocks * v.kvBlockSize) / v.running : prompt + own / 2;
    const tpotNow = this.est.decodeStep(Math.min(slots, v.running + 1), ctx * Math.min(slots, v.running + 1));
    const ahead = this.pending(v, ledger, tpotNow, typical, typicalPrompt, now, at);
    let overlap = 0;
    for (const p of ahead) overlap += Math.min(p.tokens, own) / own;
    const batch = Math.min(slots, overlap + 1);
    const tpot = this.est.decodeStep(batch, ctx * batch);
    let slotWait = 0;
    if (ahead.filter((p) => p.ahead).length >= slots) {
      const free = ahead.filter((p) => p.started).map((p) => p.prefillS + p.tokens * tpot);
      while (free.length < slots) free.push(0);
      free.sort((a, b) => a - b);
      free.length = slots;
      for (const p of ahead) {
        if (p.started || !p.ahead) continue;
        free.push((free.shift() as number) + p.prefillS + p.tokens * tpot);
        free.sort((a, b) => a - b);
      }
      slotWait = free[0] as number;
    }
    const capacity = v.kvTotalBlocks * v.kvBlockSize;
    const demand = Math.max(ledger ? ledger.demandTokens : 0, v.kvUsedBlocks * v.kvBlockSize) + prompt + Math.max(own, upper);
    const excess = Math.max(0, demand - capacity);
    const kvWait = excess > 0 ? (excess * tpot) / batch : 0;
    let prefillAhead = 0;
    if (slotWait === 0 && ledger) {
      for (const p of ahead) if (p.ahead) prefillAhead += p.prefillS;
    }
    return Math.max(slotWait, kvWait) + prefillAhead + this.est.prefill(prompt) + own * tpot;
  }
}

test('the typed-array estimator matches the object-based reference bit for bit', () => {
  const rng = new Rng('estimator-reference');
  const est = new CompletionEstimator(perf);
  const ref = new ReferenceEstimator(new CompletionEstimator(perf));
  const ledgers = [new InstanceLedger(), new InstanceLedger()];
  const live: { id: number; arrival: number; on: number }[] = [];
  let now = 0;
  let nextId = 0;
  let compared = 0;
  let saturated = 0;
  for (let step = 0; step < 3000; step++) {
    now += rng.next() * 0.05;
    const slots = 1 + rng.int(6);
    const views = ledgers.map((l, i) =>
      blankInstanceView(i, {
        maxNumSeqs: slots,
        running: Math.min(slots, rng.int(8)),
        waiting: rng.int(5),
        sinceReport: rng.int(3),
        kvUsedBlocks: rng.int(400),
        kvTotalBlocks: 200 + rng.int(800),
        waitingPromptTokens: rng.next() < 0.5 ? 0 : rng.int(3000),
        reportTime: Math.floor(now),
      }),
    );
    ledgers.forEach((l, i) => l.sync(views[i] as InstanceView, now));
    const op = rng.next();
    if (op < 0.45 || live.length === 0) {
      // A new request, or (now and then) one arriving with an earlier or equal time, as a moved one does.
      const on = rng.int(2);
      const arrival = rng.next() < 0.15 && live.length > 0 ? (live[rng.int(live.length)] as { arrival: number }).arrival : now;
      const e: Omit<LedgerEntry, 'start' | 'prefillS'> = { prompt: 1 + rng.int(2000), central: rng.next() * 400, calibrated: rng.next() * 600, routedAt: now, arrival };
      (ledgers[on] as InstanceLedger).add(nextId, e, now);
      live.push({ id: nextId++, arrival, on });
    } else if (op < 0.75) {
      const r = live.splice(rng.int(live.length), 1)[0] as { id: number; on: number };
      (ledgers[r.on] as InstanceLedger).remove(r.id, now);
    } else {
      const r = live[rng.int(live.length)] as { id: number; on: number };
      const e = (ledgers[r.on] as InstanceLedger).take(r.id, now) as LedgerEntry;
      r.on = 1 - r.on;
      (ledgers[r.on] as InstanceLedger).add(r.id, e, now);
    }
    for (let i = 0; i < 2; i++) {
      const v = views[i] as InstanceView;
      const l = ledgers[i] as InstanceLedger;
      const who = live.length > 0 && rng.next() < 0.6 ? (live[rng.int(live.length)] as { id: number; arrival: number }) : undefined;
      const at: QueuePosition = who ? { self: who.id, arrival: who.arrival } : NEW_ARRIVAL;
      const prompt = rng.next() < 0.3 ? 0 : 1 + rng.int(1500);
      const own = rng.next() * 300;
      const upper = own * (1 + rng.next());
      for (const ledger of [l, undefined]) {
        const got = est.estimate(v, ledger, prompt, own, upper, now, 120, 480, at);
        const want = ref.estimate(v, ledger, prompt, own, upper, now, 120, 480, at);
        assert.ok(Object.is(got, want), `step ${step}, instance ${i}: ${got} vs reference ${want}`);
        compared++;
      }
      if (l.entries.size >= slots) saturated++;
    }
  }
  assert.ok(compared >= 10000);
  assert.ok(saturated > 500, `the slot-wait path is exercised (${saturated} saturated estimates)`);
});

test('a ledger keeps its entries in arrival order, with a moved request at its arrival place', () => {
  const l = new InstanceLedger();
  const e = (arrival: number) => ({ prompt: 10, central: 5, calibrated: 8, routedAt: arrival, arrival });
  l.add(3, e(1), 1);
  l.add(1, e(2), 2);
  l.add(2, e(2), 2);
  l.remove(2, 3);
  l.add(7, e(1.5), 3); // moved: arrived before the last
  assert.deepEqual([...l.entries.keys()], [3, 7, 1]);
  l.add(5, e(2), 4); // ties the last arrival: appended
  l.add(4, e(0.5), 4);
  assert.deepEqual([...l.entries.keys()], [4, 3, 7, 1, 5]);
});
