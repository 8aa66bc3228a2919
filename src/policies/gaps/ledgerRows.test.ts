import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { InstanceLedger } from './estimator.js';

/** A ledger entry as a plain array model keeps it. */
interface Row {
  id: number;
  arrival: number;
  prompt: number;
  central: number;
  calibrated: number;
  routedAt: number;
  start: number;
}

/**
 * The straightforward ledger: an array in (arrival, id) order, a removal by splice, the oldest
 * waiting entries promoted into free slots. InstanceLedger keeps its rows in one typed array with a
 * moving head and end, a removal between them leaving a dead row that a later read sweeps, compacting
 * on appends; every state it passes through must read back as this model's. Reading the rows back
 * (`entries`, `waitingBehind`) sweeps the dead ones, so the full check runs only now and then, and
 * dead rows pile up in between (removals, promotions and appends then run over them).
 */
class ModelLedger {
  rows: Row[] = [];
  slots = Number.POSITIVE_INFINITY;
  started(): number {
    return this.rows.filter((r) => !Number.isNaN(r.start)).length;
  }
  insert(row: Omit<Row, 'start'>, now: number): void {
    const start = this.started() < this.slots ? now : Number.NaN;
    const full = { ...row, start };
    let k = this.rows.length;
    while (k > 0 && (this.rows[k - 1] as Row).arrival > row.arrival) k--;
    while (k > 0 && (this.rows[k - 1] as Row).arrival === row.arrival && (this.rows[k - 1] as Row).id > row.id) k--;
    this.rows.splice(k, 0, full);
  }
  remove(id: number, now: number): boolean {
    const at = this.rows.findIndex((r) => r.id === id);
    if (at < 0) return false;
    const [gone] = this.rows.splice(at, 1) as [Row];
    if (!Number.isNaN(gone.start)) this.promote(now);
    return true;
  }
  promote(now: number): void {
    let started = this.started();
    for (const r of this.rows) {
      if (started >= this.slots) return;
      if (Number.isNaN(r.start)) {
        r.start = now;
        started++;
      }
    }
  }
}

function sameRows(l: InstanceLedger, m: ModelLedger, what: string): void {
  const got = [...l.entries].map(([id, e]) => [id, e.arrival, e.prompt, e.central, e.calibrated, e.routedAt, e.start]);
  const want = m.rows.map((r) => [r.id, r.arrival, r.prompt, r.central, r.calibrated, r.routedAt, r.start]);
  assert.deepEqual(got, want, what);
  assert.equal(l.length, m.rows.length, what);
  assert.equal(l.started, m.started(), what);
  // The rebalancer's count of waiting requests behind one (each row's start and arrival, read in place).
  for (const r of m.rows.slice(0, 3)) {
    const want = m.rows.filter((o) => o.id !== r.id && Number.isNaN(o.start) && o.arrival > r.arrival).length;
    assert.equal(l.waitingBehind(r.id, r.arrival), want, `${what}: waiting behind ${r.id}`);
  }
}

test('a ledger reads back as a plain array in arrival order through removals at either end, moves and compactions', () => {
  const rng = new Rng('ledger-rows');
  for (let round = 0; round < 16; round++) {
    const l = new InstanceLedger();
    const m = new ModelLedger();
    // Half the rounds with row hints (as GapsState's `where` keeps them), checked at every step.
    const hints = new Map<number, number>();
    if (round % 2 === 0) l.rowHints = { setHint: (id, row) => void hints.set(id, row) };
    const slots = [1, 3, 8, 1000][round % 4] as number;
    l.slots = slots;
    m.slots = slots;
    const live: number[] = [];
    let now = 0;
    let nextId = 0;
    // Grow to a target size, drain, grow again: the head walks, the rows compact and grow.
    const target = 1 + rng.int(90);
    for (let step = 0; step < 900; step++) {
      now += rng.next() * 0.01;
      const grow = Math.floor(step / 200) % 2 === 0 ? live.length < target : live.length < 2;
      const op = rng.next();
      if (live.length === 0 || (grow && op < 0.6) || (!grow && op < 0.2)) {
        // New arrivals mostly; now and then one arriving earlier (a moved request), through `add`.
        const id = nextId++;
        const moved = rng.next() < 0.1;
        const arrival = moved ? now - rng.next() * 0.5 : now;
        const row = { id, arrival, prompt: 1 + rng.int(2000), central: rng.next() * 400, calibrated: rng.next() * 600, routedAt: now };
        if (moved) l.add(id, row, now);
        else l.insert(id, row.prompt, row.central, row.calibrated, row.routedAt, row.arrival, now, true);
        m.insert(row, now);
        live.push(id);
      } else {
        // Removals anywhere, biased towards the front (first come, first done), some of ids not here.
        const k = rng.next() < 0.5 ? rng.int(Math.min(live.length, 4)) : rng.int(live.length);
        const id = rng.next() < 0.03 ? -5 : (live[k] as number);
        if (id >= 0) live.splice(k, 1);
        if (rng.next() < 0.3 && id >= 0) {
          const e = l.take(id, now);
          assert.ok(e, `round ${round} step ${step}: take`);
          m.remove(id, now);
        } else if (rng.next() < 0.5) {
          // By its hint, now and then a wrong one (any row: the ledger must check it).
          const hint = rng.next() < 0.2 ? rng.int(200) - 5 : (hints.get(id) ?? -1);
          assert.equal(l.removeHinted(id, hint, now), m.remove(id, now), `round ${round} step ${step}: remove ${id} at ${hint}`);
        } else {
          assert.equal(l.remove(id, now), m.remove(id, now), `round ${round} step ${step}: remove ${id}`);
        }
      }
      if (l.rowHints) for (const r of m.rows) assert.equal(l.idAtRow(hints.get(r.id) ?? -1), r.id, `round ${round} step ${step}: hint of ${r.id}`);
      // The counts read no rows: checked at every step.
      assert.equal(l.length, m.rows.length, `round ${round} step ${step}: length`);
      assert.equal(l.started, m.started(), `round ${round} step ${step}: started`);
      if (rng.next() < 0.1) sameRows(l, m, `round ${round} step ${step}`);
    }
    sameRows(l, m, `round ${round}: end`);
  }
});
