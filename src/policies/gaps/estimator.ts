import { emptyShape, type PerfModel } from '../../model/perfModel.js';
import type { InstanceView } from '../clusterView.js';

/** One request this router sent to an instance and has not seen complete. */
export interface LedgerEntry {
  readonly prompt: number;
  /** Central (mean-calibrated) predicted output tokens: what routing estimates with. */
  readonly central: number;
  /** Calibrated upper estimate s~ of the output tokens: what KV reservations and deadlines use. */
  readonly calibrated: number;
  readonly routedAt: number;
  /** Arrival time: instances serve first come, first served by arrival, so a moved request queues by it. */
  readonly arrival: number;
  /** When it took a batch slot, by this router's records (NaN while it waits for one). */
  start: number;
  /** Its prefill alone, seconds (computed once). */
  prefillS: number;
}

/**
 * The work outstanding on an instance as an estimate reads it, one slot per request in first-come
 * order, as parallel arrays: id (NaN: a request known only by a count), arrival, whether it holds a
 * batch slot, prefill seconds left and decode tokens left.
 */
export class WorkList {
  length = 0;
  id = new Float64Array(16);
  arrival = new Float64Array(16);
  started = new Uint8Array(16);
  preS = new Float64Array(16);
  tokens = new Float64Array(16);

  /** Makes room for n entries; true when the arrays were replaced (their contents are then lost). */
  reserve(n: number): boolean {
    if (n <= this.id.length) return false;
    const cap = Math.max(n, this.id.length * 2);
    this.id = new Float64Array(cap);
    this.arrival = new Float64Array(cap);
    this.started = new Uint8Array(cap);
    this.preS = new Float64Array(cap);
    this.tokens = new Float64Array(cap);
    return true;
  }
}

/** The id NEW_ARRIVAL stands at (before any request; ids of requests are not negative). */
const NEW_ARRIVAL_ID = -1;

/** Where a ledger leaves each entry's row, so that a removal can find it without a search (GapsState's `where`). */
export interface RowHints {
  setHint(id: number, row: number): void;
}

/** Fields of a ledger row (see InstanceLedger). */
// What the estimates read at every pass (the hot rows, `rows`): 32 bytes a row, two rows a cache line.
const F_ID = 0;
const F_CENTRAL = 1;
const F_START = 2;
const F_PREFILL = 3;
// The rest (the cold rows, `cold`, at the same offsets).
const F_ARRIVAL = 0;
const F_PROMPT = 1;
const F_CALIBRATED = 2;
const F_ROUTED = 3;
const STRIDE = 4;

/**
 * Buckets of decode tokens left for `InstanceLedger.overlapAtLeast`: four to an octave, by the
 * integer part (a token count t >= 1 goes to bucket `tokenBucket(x)` of x = min(t, 2^29) | 0, its whole part, and the counts of
 * bucket b lie in [BUCKET_EDGE[b], BUCKET_EDGE[b + 1])). Counts of 2^29 and more share the last one.
 */
const BUCKETS = 113;
const MAX_WHOLE = 2 ** 29;
const BUCKET_EDGE = (() => {
  const e = new Float64Array(BUCKETS + 1);
  for (let b = 0; b < BUCKETS; b++) e[b] = b < 8 ? b : (4 + (b & 3)) * 2 ** ((b >> 2) - 1);
  e[BUCKETS] = Number.POSITIVE_INFINITY;
  return e;
})();
/** 1 / BUCKET_EDGE[b], rounded (0 for the last edge). */
const PER_EDGE = BUCKET_EDGE.map((e) => 1 / e);

/**
 * The bucket of a whole token count x in [1, 2^29] (see BUCKET_EDGE; monotone: a larger count never
 * has a smaller bucket). It takes a small integer, not the count itself: a double passed to a call
 * that is not inlined is boxed.
 */
function tokenBucket(x: number): number {
  const e = 31 - Math.clz32(x);
  return e < 2 ? x : ((e - 1) << 2) + ((x >> (e - 2)) & 3);
}

/**
 * Router-side knowledge of one instance: what this router sent there and has not seen complete, in
 * first-come order (by arrival; see `add`), one row of numbers per request in two typed arrays (what
 * the estimates' passes read, and the rest), so that estimates build no objects. Slots are tracked from what a front end sees
 * live: a request takes a batch slot when sent to an instance with a free one, or when a request ahead
 * of it on that instance completes (the stream ends), which frees a slot for the oldest waiting one.
 *
 * The work left (a WorkList) is derived only when the ledger's version, the time or the decode step
 * time changes, so the estimates of one rebalancing round share it.
 */
export class InstanceLedger {
  /** Entries outstanding. */
  length = 0;
  /**
   * The entries are rows head .. head + span - 1, in order: [id, central, start (NaN: waiting),
   * prefill seconds (NaN: not yet computed)] here and [arrival, prompt, calibrated, routedAt] in
   * `cold`, at the same offsets (the passes over the entries then read two rows a cache line). A removal
   * only marks its row dead (id NaN, start 0, so that the slot promotion passes it by), or moves the
   * head or the end past it; the rows between are swept (the live ones moved up over the dead ones,
   * in order) when something next reads them in order: the work list, `waitingBehind`, an append that
   * finds no room. A rebalancing round reads every ledger, so dead rows do not pile up, and a
   * completion, which seldom is the oldest entry, moves no rows. Appends compact the rows back to
   * row 0 when they reach the end. Every row an entry is placed or moved to is told to `rowHints`
   * (GapsState's `where`), so that a completion goes straight to its row (`removeHinted`) instead of
   * searching the ids.
   */
  private rows = new Float64Array(16 * STRIDE);
  /** The fields the passes over the entries do not read, in the same rows (see the F_ constants). */
  private cold = new Float64Array(16 * STRIDE);
  /** The rows' ids again, densely (a look-up by id reads 8 bytes a row instead of a cache line), at the same head. */
  private ids = new Float64Array(16);
  /** The row of the first entry. */
  private head = 0;
  /** Rows from the head to the last entry, live or dead (`length` + `dead`). */
  private span = 0;
  /** Dead rows among them. */
  private dead = 0;
  /** At most the first dead row from the head, when there is one (a sweep starts there). */
  private firstDead = 0;
  /** Told the row of every entry placed or moved (optional: `removeHinted` checks what it is given). */
  rowHints: RowHints | undefined = undefined;
  /** Sum over entries of prompt + calibrated output: their peak KV demand. */
  demandTokens = 0;
  /** Entries holding a batch slot. */
  started = 0;
  /** Batch slots of the instance (its max_num_seqs, learnt from the view). */
  slots = Number.POSITIVE_INFINITY;
  /** Bumped on every change to the entries (membership, order or a start), so derived work knows when it is stale. */
  version = 0;
  /** The latest arrival ever added: a new arrival at or after it cannot be out of order. */
  private maxArrival = Number.NEGATIVE_INFINITY;
  private readonly work = new WorkList();
  private workVersion = -1;
  /** How many times the work list was derived anew (a reader that keeps something derived from it checks this). */
  derivations = 0;
  /**
   * For CompletionEstimator.boundFor: the instance's batch slots and KV context it read, at this
   * ledger version, derivation count and time.
   */
  boundSlots = Number.NaN;
  boundCtx = Number.NaN;
  boundVersion = Number.NaN;
  boundDerivations = Number.NaN;
  boundNow = Number.NaN;
  /** The ledger version the work list's id, arrival and started columns were copied at (see `workOrder`). */
  private orderVersion = -1;
  private workNow = Number.NaN;
  private workTpot = Number.NaN;
  /** The decode step time at the instance's current batch, by its arguments (the estimates of a round share it). */
  memoBatch = Number.NaN;
  memoContext = Number.NaN;
  memoTpot = Number.NaN;
  /** The entries in order, as objects (for tests and inspection; the estimator reads the rows). */
  get entries(): Map<number, LedgerEntry> {
    if (this.dead > 0) this.sweep();
    const m = new Map<number, LedgerEntry>();
    for (let k = 0; k < this.length; k++) m.set(this.rows[(this.head + k) * STRIDE + F_ID] as number, this.entryAt(k));
    return m;
  }

  /** The id whose entry is at `row` of the rows (NaN when none: dead, or outside the entries); for tests of `rowHints`. */
  idAtRow(row: number): number {
    return row >= this.head && row < this.head + this.span ? (this.ids[row] as number) : Number.NaN;
  }

  private entryAt(k: number): LedgerEntry {
    const r = this.rows;
    const c = this.cold;
    const o = (this.head + k) * STRIDE;
    return {
      prompt: c[o + F_PROMPT] as number,
      central: r[o + F_CENTRAL] as number,
      calibrated: c[o + F_CALIBRATED] as number,
      routedAt: c[o + F_ROUTED] as number,
      arrival: c[o + F_ARRIVAL] as number,
      start: r[o + F_START] as number,
      prefillS: r[o + F_PREFILL] as number,
    };
  }

  /** The row of `id` from the head (dead rows included, whose NaN ids match nothing); -1 when it is not here. */
  private indexOf(id: number): number {
    const ids = this.ids;
    const h = this.head;
    for (let k = 0; k < this.span; k++) if (ids[h + k] === id) return k;
    return -1;
  }

  private put(k: number, id: number, arrival: number, prompt: number, central: number, calibrated: number, routedAt: number, start: number): void {
    const r = this.rows;
    const c = this.cold;
    const o = (this.head + k) * STRIDE;
    r[o + F_ID] = id;
    this.ids[this.head + k] = id;
    this.rowHints?.setHint(id, this.head + k);
    c[o + F_ARRIVAL] = arrival;
    c[o + F_PROMPT] = prompt;
    r[o + F_CENTRAL] = central;
    c[o + F_CALIBRATED] = calibrated;
    c[o + F_ROUTED] = routedAt;
    r[o + F_START] = start;
    r[o + F_PREFILL] = Number.NaN;
  }

  add(id: number, e: Omit<LedgerEntry, 'start' | 'prefillS'>, now: number): void {
    this.insert(id, e.prompt, e.central, e.calibrated, e.routedAt, e.arrival, now, false);
  }

  /**
   * `add` without an entry object. `absent`: the caller knows the id is not in this ledger (GapsState
   * tracks where every id is), which skips the look-up for it.
   */
  insert(id: number, prompt: number, central: number, calibrated: number, routedAt: number, arrival: number, now: number, absent: boolean): void {
    const start = this.started < this.slots ? now : Number.NaN;
    if (!Number.isNaN(start)) this.started++;
    this.demandTokens += prompt + calibrated;
    this.version++;
    // The common case (a new arrival, not here, with room): appended, in a body small enough to be
    // inlined into the caller (a call would box its numbers); every other case as before.
    const at = this.head + this.span;
    if (absent && arrival >= this.maxArrival && (at + 1) * STRIDE <= this.rows.length) {
      this.maxArrival = arrival;
      // `put`, written out (a call here would box the numbers it passes).
      const r = this.rows;
      const c = this.cold;
      const o = at * STRIDE;
      r[o + F_ID] = id;
      this.ids[at] = id;
      if (this.rowHints !== undefined) this.rowHints.setHint(id, at);
      c[o + F_ARRIVAL] = arrival;
      c[o + F_PROMPT] = prompt;
      r[o + F_CENTRAL] = central;
      c[o + F_CALIBRATED] = calibrated;
      c[o + F_ROUTED] = routedAt;
      r[o + F_START] = start;
      r[o + F_PREFILL] = Number.NaN;
      this.length++;
      this.span++;
      return;
    }
    this.insertRest(id, prompt, central, calibrated, routedAt, arrival, absent, start);
  }

  /** `insert` after its common case: start, demand and version are already counted. */
  private insertRest(id: number, prompt: number, central: number, calibrated: number, routedAt: number, arrival: number, absent: boolean, start: number): void {
    // Rows from 0 from here on (head 0), as this path and sortByArrival address them.
    this.compact();
    const present = absent ? -1 : this.indexOf(id);
    if (present >= 0) {
      // Already recorded: replaced in its place, as a map keyed by id would (the first version's ledger).
      const last = arrival >= this.maxArrival ? Number.NEGATIVE_INFINITY : this.lastArrival();
      this.maxArrival = Math.max(this.maxArrival, arrival);
      this.put(present, id, arrival, prompt, central, calibrated, routedAt, start);
      if (arrival < last) this.sortByArrival();
      return;
    }
    const n = this.length;
    // About twice the room the entries need, so that after a compaction appends find some n free
    // rows at the end: compactions cost O(1) rows a removal.
    if (2 * (n + 1) * STRIDE > this.rows.length) {
      const rows = new Float64Array(this.rows.length * 2);
      rows.set(this.rows);
      this.rows = rows;
      const cold = new Float64Array(this.cold.length * 2);
      cold.set(this.cold);
      this.cold = cold;
      const ids = new Float64Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    // Entries are in arrival order, so the last one's arrival is at most the latest ever added: only a
    // request arriving before that (a moved one) can be out of order and needs the walk.
    if (arrival >= this.maxArrival) {
      this.maxArrival = arrival;
      this.put(n, id, arrival, prompt, central, calibrated, routedAt, start);
      this.length = this.span = n + 1;
      return;
    }
    // A moved request joins the queue at its arrival position, not at the back: the order is by
    // (arrival, id). When the entries already are in that order, only those after it move; a request
    // that ties the last arrival is appended.
    if (!(arrival < this.lastArrival())) {
      this.put(n, id, arrival, prompt, central, calibrated, routedAt, start);
      this.length = this.span = n + 1;
      return;
    }
    const r = this.rows;
    const c = this.cold;
    let inOrder = true;
    let insertAt = n;
    for (let k = 0, o = 0; k < n; k++, o += STRIDE) {
      const a = c[o + F_ARRIVAL] as number;
      const x = r[o + F_ID] as number;
      if (k > 0) {
        const pa = c[o - STRIDE + F_ARRIVAL] as number;
        if (a < pa || (a === pa && x < (r[o - STRIDE + F_ID] as number))) inOrder = false;
      }
      if (insertAt === n && (a > arrival || (a === arrival && x > id))) insertAt = k;
    }
    if (!inOrder) {
      this.put(n, id, arrival, prompt, central, calibrated, routedAt, start);
      this.length = this.span = n + 1;
      this.sortByArrival();
      return;
    }
    r.copyWithin((insertAt + 1) * STRIDE, insertAt * STRIDE, n * STRIDE);
    c.copyWithin((insertAt + 1) * STRIDE, insertAt * STRIDE, n * STRIDE);
    this.ids.copyWithin(insertAt + 1, insertAt, n);
    this.put(insertAt, id, arrival, prompt, central, calibrated, routedAt, start);
    this.length = this.span = n + 1;
    this.rehint(insertAt + 1);
  }

  private lastArrival(): number {
    return this.length > 0 ? (this.cold[(this.head + this.length - 1) * STRIDE + F_ARRIVAL] as number) : Number.NEGATIVE_INFINITY;
  }

  /** Moves the entries to rows 0.. (head 0), with no dead rows. */
  private compact(): void {
    if (this.dead > 0) this.sweep();
    const h = this.head;
    if (h === 0) return;
    this.rows.copyWithin(0, h * STRIDE, (h + this.length) * STRIDE);
    this.cold.copyWithin(0, h * STRIDE, (h + this.length) * STRIDE);
    this.ids.copyWithin(0, h, h + this.length);
    this.head = 0;
    this.rehint(0);
  }

  private sortByArrival(): void {
    const n = this.length;
    const r = this.rows;
    const c = this.cold;
    const order = Array.from({ length: n }, (_, k) => k).sort(
      (a, b) => (c[a * STRIDE + F_ARRIVAL] as number) - (c[b * STRIDE + F_ARRIVAL] as number) || (r[a * STRIDE + F_ID] as number) - (r[b * STRIDE + F_ID] as number),
    );
    const copy = r.slice(0, n * STRIDE);
    const copyCold = c.slice(0, n * STRIDE);
    for (let k = 0; k < n; k++) {
      const from = (order[k] as number) * STRIDE;
      r.set(copy.subarray(from, from + STRIDE), k * STRIDE);
      c.set(copyCold.subarray(from, from + STRIDE), k * STRIDE);
    }
    for (let k = 0; k < n; k++) this.ids[k] = r[k * STRIDE + F_ID] as number;
    this.rehint(0);
  }

  /** Tells `rowHints` the rows of the entries from entry k on (after they moved; no dead rows among them). */
  private rehint(k: number): void {
    const hints = this.rowHints;
    if (hints === undefined) return;
    for (let j = this.head + k, end = this.head + this.span; j < end; j++) hints.setHint(this.ids[j] as number, j);
  }

  /** Removes a request and returns its entry (for a move); undefined when it is not here. */
  take(id: number, now: number): LedgerEntry | undefined {
    const k = this.indexOf(id);
    if (k < 0) return undefined;
    const e = this.entryAt(k);
    this.clock = now;
    this.drop(k);
    return e;
  }

  /** Removes a request without building its entry; returns whether it was here. */
  remove(id: number, now: number): boolean {
    // A wrapper small enough to be inlined by its callers: `now` goes through a double field, since
    // a double passed to a call that is not inlined is boxed (a heap number per completion).
    this.clock = now;
    return this.removeAtClock(id);
  }

  /** The `now` of `remove` and `take`, read by `drop` and `promote` (a double field: see `remove`). */
  private clock = Number.NaN;

  /** `remove` at `clock`. */
  private removeAtClock(id: number): boolean {
    const k = this.indexOf(id);
    if (k < 0) return false;
    this.drop(k);
    return true;
  }

  /** `remove`, looking first at `row` (the row `rowHints` was last told for id; anything else is searched). */
  removeHinted(id: number, row: number, now: number): boolean {
    this.clock = now;
    const h = this.head;
    if (row >= h && row < h + this.span && this.ids[row] === id) {
      this.drop(row - h);
      return true;
    }
    return this.removeAtClock(id);
  }

  /** Removes the entry at row k from the head, at `clock`; a slot it held goes to the oldest waiting entry. */
  private drop(k: number): void {
    const r = this.rows;
    const c = this.cold;
    const h = this.head;
    const o = (h + k) * STRIDE;
    const wasStarted = !Number.isNaN(r[o + F_START] as number);
    this.demandTokens -= (c[o + F_PROMPT] as number) + (c[o + F_CALIBRATED] as number);
    this.length--;
    this.version++;
    if (this.length === 0) {
      this.head = this.span = this.dead = 0;
    } else if (k === 0) {
      // The first entry: the head moves past it and past the dead rows after it.
      let d = 1;
      while (this.ids[h + d] !== this.ids[h + d]) d++;
      this.head = h + d;
      this.span -= d;
      this.dead -= d - 1;
      this.firstDead = Math.max(0, this.firstDead - d);
    } else if (k === this.span - 1) {
      // The last: the end moves back past it and the dead rows before it.
      let d = 1;
      while (this.ids[h + k - d] !== this.ids[h + k - d]) d++;
      this.span -= d;
      this.dead -= d - 1;
    } else {
      // Between: marked dead (a NaN id matches no look-up; a start that is not NaN is passed over by `promote`).
      r[o + F_ID] = Number.NaN;
      r[o + F_START] = 0;
      this.ids[h + k] = Number.NaN;
      if (this.dead++ === 0 || k < this.firstDead) this.firstDead = k;
    }
    if (wasStarted) {
      this.started--;
      this.promote();
    }
  }

  /** The oldest waiting entries take the free slots, at `clock`. */
  private promote(): void {
    if (this.started >= this.slots || this.started >= this.length) return;
    const now = this.clock;
    const r = this.rows;
    for (let k = 0, o = this.head * STRIDE + F_START; k < this.span; k++, o += STRIDE) {
      if (!Number.isNaN(r[o] as number)) continue;
      r[o] = now;
      this.version++;
      if (++this.started >= this.slots) return;
    }
  }

  /** Moves the live rows up over the dead ones, in order (the head stays). */
  private sweep(): void {
    const r = this.rows;
    const c = this.cold;
    const ids = this.ids;
    const h = this.head;
    const end = h + this.span;
    let to = h + this.firstDead;
    for (let k = to; k < end; k++) {
      const id = ids[k] as number;
      if (id !== id) continue;
      if (to === k) {
        to++;
        continue;
      }
      ids[to] = id;
      if (this.rowHints !== undefined) this.rowHints.setHint(id, to);
      // The row's STRIDE (4) numbers, hot and cold.
      const a = k * STRIDE;
      const b = to * STRIDE;
      r[b] = r[a] as number;
      r[b + 1] = r[a + 1] as number;
      r[b + 2] = r[a + 2] as number;
      r[b + 3] = r[a + 3] as number;
      c[b] = c[a] as number;
      c[b + 1] = c[a + 1] as number;
      c[b + 2] = c[a + 2] as number;
      c[b + 3] = c[a + 3] as number;
      to++;
    }
    this.span = to - h;
    this.dead = 0;
  }

  /** Learns the instance's slot count from its view. */
  sync(v: InstanceView, now: number): void {
    if (this.slots !== v.maxNumSeqs) {
      this.slots = v.maxNumSeqs;
      this.clock = now;
      this.promote();
    }
  }

  /**
   * For a new arrival of `fusedOwn` tokens (NaN: none), what the estimate's pass over this work list
   * gives, computed while the list was derived: the same sums of the same terms in the same order.
   */
  fusedOwn = Number.NaN;
  fusedOverlap = 0;
  fusedAhead = 0;
  fusedPrefill = 0;

  /**
   * The work left at `now`: a started request has produced (now - start - prefill) / tpot tokens.
   * With a finite `own` and no `columns`, when the list is derived anew, only the new-arrival pass
   * of the estimate for that size (fused*): the list's columns are left to `workOrder` (the round's
   * pressure estimates read nothing else). Otherwise the prefill and token columns are filled.
   */
  workAt(now: number, tpot: number, prefill: (tokens: number) => number, own = Number.NaN, columns = !Number.isFinite(own)): WorkList {
    // Inlined by its callers, with the numbers through fields, as CompletionEstimator.lowerBound.
    this.argNow = now;
    this.argTpot = tpot;
    this.argOwn = own;
    return this.derive(prefill, columns);
  }

  /** workAt's numeric arguments (double fields: see workAt). */
  private argNow = Number.NaN;
  private argTpot = Number.NaN;
  private argOwn = Number.NaN;

  /** workAt's body, with now, tpot and own from the fields workAt set. */
  private derive(prefill: (tokens: number) => number, columns: boolean): WorkList {
    const now = this.argNow;
    const tpot = this.argTpot;
    const own = this.argOwn;
    const w = this.work;
    this.prefillOf = prefill;
    // The passes below read `length` rows from the head (a removal since the last one bumped the version).
    if (this.dead > 0) this.sweep();
    if (this.workVersion === this.version && this.workNow === now && this.workTpot === tpot) {
      if (columns && !this.columnsFresh) this.fillColumns();
      return w;
    }
    const n = this.length;
    if (w.reserve(n)) this.orderVersion = -1;
    w.length = n;
    this.workVersion = this.version;
    this.workNow = now;
    this.workTpot = tpot;
    this.derivations++;
    this.bucketsFresh = false;
    this.fusedOwn = Number.NaN;
    this.fusedOverlap = 0;
    this.fusedAhead = 0;
    this.fusedPrefill = 0;
    if (columns) {
      this.fillColumns();
      return w;
    }
    // Nothing is read yet: the columns are left to `workOrder`, the buckets to `overlapAtLeast`.
    this.columnsFresh = false;
    if (Number.isFinite(own)) this.fusedPass(prefill);
    return w;
  }

  /**
   * The estimate's new-arrival pass for `argOwn` tokens over the work at (workNow, workTpot), from
   * the rows, storing nothing: each request's tokens left t are fillColumns' (the same operations),
   * and it adds min(t, own) / own to the overlap as the estimate does (1 when t >= own, else t / own),
   * so the sums are the estimate's to the bit (tested in workList.test.ts).
   *
   * A waiting request (start NaN) is taken as one that started just now: elapsed 0, so nothing
   * produced (0 / tpot = 0), its whole prefill left and t = max(1, central - 0), fillColumns' terms
   * for it exactly, when its prefill time is at least 0 and tpot is positive. One path then serves
   * both, without a branch on the start (which costs more than the arithmetic). With other inputs (a
   * NaN or negative prefill time, no positive tpot, no `now`) nothing is fused: the estimate reads the
   * columns instead.
   */
  private fusedPass(prefill: (tokens: number) => number): void {
    const now = this.workNow;
    const tpot = this.workTpot;
    const own = this.argOwn;
    if (!(tpot > 0) || Number.isNaN(now)) return;
    const n = this.length;
    const r = this.rows;
    const c = this.cold;
    let overlap = 0;
    let ahead = 0;
    let prefillAhead = 0;
    for (let j = 0, o = this.head * STRIDE; j < n; j++, o += STRIDE) {
      let pre = r[o + F_PREFILL] as number;
      if (Number.isNaN(pre)) {
        pre = prefill(Math.max(1, c[o + F_PROMPT] as number));
        r[o + F_PREFILL] = pre;
      }
      if (!(pre >= 0)) return;
      const since = now - (r[o + F_START] as number);
      // Math.max(0, since), except that NaN (waiting) gives 0.
      const elapsed = since > 0 ? since : 0;
      const t = Math.max(1, (r[o + F_CENTRAL] as number) - Math.max(0, elapsed - pre) / tpot);
      if (r[o + F_ID] !== NEW_ARRIVAL_ID) {
        overlap += t >= own ? 1 : t / own;
        ahead++;
        prefillAhead += Math.max(0, pre - elapsed);
      }
    }
    this.fusedOwn = own;
    this.fusedOverlap = overlap;
    this.fusedAhead = ahead;
    this.fusedPrefill = prefillAhead;
  }

  /** Whether the work list's prefill and token columns hold the work at (workVersion, workNow, workTpot). */
  private columnsFresh = false;

  /**
   * A lower bound on the overlap sum(min(t, own) / own) over the work `workAt` last derived (t: a
   * request's decode tokens left), for any own >= 1, when no t is NaN (the estimate is then NaN, and
   * any bound will do). After the first call for a derived list, O(1): counts are summed by bucket
   * (tokenBucket) once. A count in a lower bucket than own's is below own and adds t / own exactly,
   * one in a higher bucket adds 1, and one in own's bucket adds at least t / (the bucket's upper edge),
   * which exceeds own. The counts summed are at most the estimate's (see fillBuckets) and the sums
   * are in another order than the estimate's, and with a rounded 1 / edge, so the result can exceed
   * the estimate's sum by rounding only (a few ulps a count); callers keep a margin.
   */
  overlapAtLeast(own: number): number {
    // Inlined by its callers, with the numbers through fields, as workAt.
    this.argBoundOwn = own;
    this.overlapFromField();
    return this.overlapBound;
  }

  private argBoundOwn = Number.NaN;
  private overlapBound = Number.NaN;
  /** Whether the buckets below hold the work at (workVersion, workNow, workTpot). */
  private bucketsFresh = false;
  /** The highest bucket holding a count (-1: none); the arrays below are read up to it. */
  private topBucket = -1;
  /** Per bucket: the sum of its counts. */
  private readonly bucketSum = new Float64Array(BUCKETS);
  /** Per bucket b: the sum of the counts in buckets below b. */
  private readonly sumBelow = new Float64Array(BUCKETS + 1);
  /** Per bucket b: how many counts lie in bucket b or above. */
  private readonly countFrom = new Float64Array(BUCKETS + 1);

  /** overlapAtLeast's body, with own from the field; the bound is left in `overlapBound`. */
  private overlapFromField(): void {
    if (!this.bucketsFresh) this.fillBuckets();
    const own = this.argBoundOwn;
    const top = this.topBucket;
    const j = tokenBucket(Math.min(own, MAX_WHOLE) | 0);
    this.overlapBound = j > top ? (this.sumBelow[top + 1] as number) / own : (this.countFrom[j + 1] as number) + (this.sumBelow[j] as number) / own + (this.bucketSum[j] as number) * (PER_EDGE[j + 1] as number);
  }

  /**
   * Sums the work's decode tokens left by bucket, for overlapFromField, from the rows. Each count is
   * at most fillColumns' t and usually equal to it within a few ulps, without its division: with
   * q = x * (1 / tpot) * (1 + 1e-12) >= x / tpot rounded (x the decode time a started request has had),
   * max(1, central - q) <= max(1, central - x / tpot) rounded. A smaller count cannot make the bound
   * larger than the estimate's overlap: each request's share in the bound is at most min(count, own) / own.
   * Waiting requests are taken as started just now, as in fusedPass; with the inputs fusedPass does not
   * fuse, no count is summed (the bound is then 0: an overlap is never negative).
   */
  private fillBuckets(): void {
    const sum = this.bucketSum;
    const below = this.sumBelow;
    // Counts per bucket first, then turned into countFrom in place.
    const from = this.countFrom;
    // Clear what the last fill used (both arrays are 0 above its top bucket).
    const last = this.topBucket;
    for (let b = 0; b <= last; b++) {
      sum[b] = 0;
      from[b] = 0;
    }
    this.topBucket = -1;
    this.bucketsFresh = true;
    this.sumBelow[0] = 0;
    const now = this.workNow;
    const perTpot = (1 / this.workTpot) * (1 + 1e-12);
    if (!(perTpot > 0 && perTpot < Number.POSITIVE_INFINITY) || Number.isNaN(now)) return;
    const r = this.rows;
    const c = this.cold;
    let top = -1;
    for (let k = 0, o = this.head * STRIDE; k < this.length; k++, o += STRIDE) {
      // Read back from the row after a prefill is timed: with the call's result here, `pre` would be
      // a boxed number on every row (the compiled loop allocated a heap number a row).
      if (Number.isNaN(r[o + F_PREFILL] as number)) r[o + F_PREFILL] = this.prefillOf(Math.max(1, c[o + F_PROMPT] as number));
      const pre = r[o + F_PREFILL] as number;
      if (!(pre >= 0)) {
        // Cleared again (topBucket is -1 now, so that the next fill clears what this one summed).
        for (let b = 0; b <= top; b++) {
          sum[b] = 0;
          from[b] = 0;
        }
        return;
      }
      const since = now - (r[o + F_START] as number);
      const elapsed = since > 0 ? since : 0;
      const t = Math.max(1, (r[o + F_CENTRAL] as number) - Math.max(0, elapsed - pre) * perTpot);
      const b = tokenBucket(Math.min(t, MAX_WHOLE) | 0);
      sum[b] = (sum[b] as number) + t;
      from[b] = (from[b] as number) + 1;
      if (b > top) top = b;
    }
    // One pass up: the sums below each bucket, and the counts from it up (all less those below).
    const n = this.length;
    let acc = 0;
    let under = 0;
    for (let b = 0; b <= top; b++) {
      below[b] = acc;
      acc += sum[b] as number;
      const c = from[b] as number;
      from[b] = n - under;
      under += c;
    }
    below[top + 1] = acc;
    this.topBucket = top;
  }

  /** The prefill function workAt was last given (fillColumns asks it for rows not yet timed). */
  private prefillOf: (tokens: number) => number = (tokens) => tokens;

  /** The work list's prefill and token columns at (workVersion, workNow, workTpot). */
  private fillColumns(): void {
    const w = this.work;
    const n = w.length;
    const now = this.workNow;
    const tpot = this.workTpot;
    const r = this.rows;
    const c = this.cold;
    const { preS, tokens } = w;
    for (let j = 0, o = this.head * STRIDE; j < n; j++, o += STRIDE) {
      let pre = r[o + F_PREFILL] as number;
      if (Number.isNaN(pre)) {
        pre = this.prefillOf(Math.max(1, c[o + F_PROMPT] as number));
        r[o + F_PREFILL] = pre;
      }
      const central = r[o + F_CENTRAL] as number;
      const st = r[o + F_START] as number;
      let t: number;
      if (Number.isNaN(st)) {
        preS[j] = pre;
        t = Math.max(1, central);
      } else {
        const elapsed = Math.max(0, now - st);
        const produced = Math.max(0, elapsed - pre) / tpot;
        preS[j] = Math.max(0, pre - elapsed);
        t = Math.max(1, central - produced);
      }
      tokens[j] = t;
    }
    this.columnsFresh = true;
  }

  /**
   * The work list `workAt` last gave, with its id, arrival and started columns current: what the
   * readers of the first-come order (the slot wait, an estimate that places a request) need.
   */
  workOrder(): WorkList {
    const w = this.work;
    if (!this.columnsFresh) this.fillColumns();
    if (this.orderVersion === this.workVersion) return w;
    const n = w.length;
    const r = this.rows;
    const c = this.cold;
    const { id, arrival, started } = w;
    for (let j = 0, o = this.head * STRIDE; j < n; j++, o += STRIDE) {
      id[j] = r[o + F_ID] as number;
      arrival[j] = c[o + F_ARRIVAL] as number;
      started[j] = Number.isNaN(r[o + F_START] as number) ? 0 : 1;
    }
    this.orderVersion = this.workVersion;
    return w;
  }

  /** Requests waiting here (no batch slot yet) that arrived after `arrival`, other than `self`. */
  waitingBehind(self: number, arrival: number): number {
    if (this.dead > 0) this.sweep();
    const r = this.rows;
    const c = this.cold;
    let behind = 0;
    for (let k = 0, o = this.head * STRIDE; k < this.length; k++, o += STRIDE) {
      if (r[o + F_ID] !== self && Number.isNaN(r[o + F_START] as number) && (c[o + F_ARRIVAL] as number) > arrival) behind++;
    }
    return behind;
  }
}

/** Where a request stands in an instance's first-come order: its id (-1: a new arrival, behind everyone) and arrival. */
export interface QueuePosition {
  readonly self: number;
  readonly arrival: number;
}
export const NEW_ARRIVAL: QueuePosition = { self: NEW_ARRIVAL_ID, arrival: Number.POSITIVE_INFINITY };

/**
 * Predicted completion time of a request on an instance: GAPS Eq. 9 with the intent the paper states
 * ("the instance with the smallest predicted completion time"), since adding the same s~ to every
 * queue cannot change a choice (docs/GAPS.md). The instance is a B-slot first-come-first-served
 * server, B = max_num_seqs:
 *
 *   C_j(i) = max(slotWait_j, kvWait_j) + prefill_j(i) + s_i * tpot_j(b_j)
 *
 * - s_i: the central (mean-calibrated) prediction of the request's output tokens.
 * - slotWait_j: the requests ahead hold the B slots; each holds its slot for its remaining prefill
 *   plus its remaining predicted tokens at tpot_j; waiting ones take the earliest free slot in order;
 *   the request starts when the next slot frees after them. Zero while fewer than B are outstanding.
 * - tpot_j(b): one decode step of b sequences at the reported context; b counts the requests that
 *   will decode beside this one, each weighted by the fraction of its decode it overlaps, at most B.
 * - prefill_j(i): its own prompt, plus the prefill still running ahead of it when it starts at once.
 * - kvWait_j: when the calibrated peak KV demand (prompt + s~) of the outstanding requests plus its
 *   own exceeds the KV capacity, the excess drains first at b tokens per tpot.
 *
 * With one slot (B = 1) and no KV pressure, b = 1 and C_j(i) is the sum of the work left on j (each
 * request's remaining prefill and decode alone) plus the request's own: the argmin over j is
 * least-work-left (tested).
 */
export class CompletionEstimator {
  private readonly shape = emptyShape();
  /** The work list of an instance without a ledger (reused). */
  private readonly counted = new WorkList();
  private free = new Float64Array(64);
  private readonly prefillFn = (tokens: number): number => this.prefill(tokens);

  constructor(private readonly perf: PerfModel) {}

  decodeStep(batch: number, context: number): number {
    const s = this.shape;
    s.prefillSeqs = s.prefillTokens = s.prefillAttnPairs = s.prefillPastTokens = 0;
    s.decodeSeqs = Math.max(1, Math.round(batch));
    s.decodeContextTokens = context;
    return this.perf.iterationTime(s);
  }

  prefill(tokens: number): number {
    const s = this.shape;
    s.decodeSeqs = s.decodeContextTokens = s.prefillPastTokens = 0;
    s.prefillSeqs = 1;
    s.prefillTokens = tokens;
    s.prefillAttnPairs = (tokens * (tokens + 1)) / 2;
    return this.perf.iterationTime(s);
  }

  /** The prefill of a request's own prompt; the candidates of a round ask for the same one against every instance. */
  private ownPrefill(prompt: number): number {
    if (prompt !== this.lastPrompt) {
      this.lastPrompt = prompt;
      this.lastPrefill = this.prefill(prompt);
    }
    return this.lastPrefill;
  }

  private lastPrompt = Number.NaN;
  private lastPrefill = Number.NaN;

  /**
   * The work ahead on the instance, one entry per outstanding request, in first-come order. From the
   * ledger when there is one: a started request has produced (now - start - prefill) / tpot tokens.
   * Without one (no global monitoring) the reported counts stand in, each of `typical` tokens
   * (running ones half done), all ahead of any request estimated (id NaN, arrival minus infinity).
   */
  private workList(v: InstanceView, running: number, waitingReported: number, ledger: InstanceLedger | undefined, tpot: number, typical: number, typicalPrompt: number, now: number): WorkList {
    if (ledger) return ledger.workAt(now, tpot, this.prefillFn);
    const w = this.counted;
    const pre = this.prefill(Math.max(1, typicalPrompt));
    const waiting = waitingReported + v.sinceReport;
    w.reserve(Math.max(0, running) + Math.max(0, waiting));
    let k = 0;
    for (let j = 0; j < running; j++, k++) {
      w.id[k] = Number.NaN;
      w.arrival[k] = Number.NEGATIVE_INFINITY;
      w.started[k] = 1;
      w.preS[k] = 0;
      w.tokens[k] = Math.max(1, typical / 2);
    }
    for (let j = 0; j < waiting; j++, k++) {
      w.id[k] = Number.NaN;
      w.arrival[k] = Number.NEGATIVE_INFINITY;
      w.started[k] = 0;
      w.preS[k] = pre;
      w.tokens[k] = Math.max(1, typical);
    }
    w.length = k;
    return w;
  }

  /**
   * Seconds until a batch slot frees for the request at `at`, on `slots` slots at `tpot`, when the
   * requests ahead of it hold them all: the `slots` earliest finish times form a min-heap; each waiting
   * request ahead, in order, takes the earliest and holds it for its own work.
   */
  private slotWait(w: WorkList, at: QueuePosition, slots: number, tpot: number): number {
    const { id, arrival, started, preS, tokens } = w;
    const n = w.length;
    const self = at.self;
    const atArrival = at.arrival;
    let nStarted = 0;
    for (let k = 0; k < n; k++) nStarted += started[k] as number;
    const m = Math.max(nStarted, slots);
    if (this.free.length < m) this.free = new Float64Array(Math.max(m, this.free.length * 2));
    const free = this.free;
    let f = 0;
    for (let k = 0; k < n; k++) if (started[k] && id[k] !== self) free[f++] = (preS[k] as number) + (tokens[k] as number) * tpot;
    while (f < slots) free[f++] = 0;
    // Sorted ascending, the first `slots` are the smallest finish times and already a valid min-heap.
    free.subarray(0, f).sort();
    const h = slots;
    for (let k = 0; k < n; k++) {
      if (started[k]) continue;
      const eid = id[k] as number;
      if (eid === self) continue;
      const arr = arrival[k] as number;
      if (!(arr < atArrival || (arr === atArrival && eid < self) || self < 0)) continue;
      const t = (free[0] as number) + (preS[k] as number) + (tokens[k] as number) * tpot;
      // Replace the minimum and sift it down.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h) break;
        const r = l + 1;
        const c = r < h && (free[r] as number) < (free[l] as number) ? r : l;
        if ((free[c] as number) >= t) break;
        free[i] = free[c] as number;
        i = c;
      }
      free[i] = t;
    }
    return free[0] as number;
  }

  /** The decode step at the instance's batch now (b0 sequences), which dates the started requests' progress. */
  private tpotNow(ledger: InstanceLedger | undefined, b0: number, ctx: number): number {
    if (!ledger) return this.decodeStep(b0, ctx * b0);
    if (ledger.memoBatch !== b0 || ledger.memoContext !== ctx * b0) {
      ledger.memoBatch = b0;
      ledger.memoContext = ctx * b0;
      ledger.memoTpot = this.decodeStep(b0, ctx * b0);
    }
    return ledger.memoTpot;
  }

  /**
   * A lower bound on `estimate(v, ledger, prompt, own, upper, now, typical, typicalPrompt, at)` for a
   * request that is not in this ledger, any `upper`, `typical`, `typicalPrompt` and `at`, valid when the perf model's decode step
   * never gets faster with more sequences or more context (`PerfModel.decodeMonotone`); -Infinity
   * without a ledger. It keeps the request's own prefill and decode and drops every wait (slots, KV,
   * prefill ahead), and bounds the batch it decodes in from below: each request ahead overlaps it by
   * min(t, own)/own >= t/max(own, largest t), so the overlap is at least (sum of t)/max(own, largest t).
   * Costs O(1) once the instance's work list is current (it is shared by
   * the round), against O(requests outstanding there) for the estimate.
   */
  lowerBound(v: InstanceView, ledger: InstanceLedger | undefined, prompt: number, own: number, now: number): number {
    // A wrapper small enough to be inlined by its callers: the numbers go in and out through double
    // fields, since a double passed to or returned from a call that is not inlined is boxed (a heap
    // number each, several per call, hundreds of thousands of calls a run).
    this.argPrompt = prompt;
    this.argOwn = own;
    this.argNow = now;
    this.boundFromFields(v, ledger);
    return this.result;
  }

  /** The numeric arguments of lowerBound and estimateAt, and their result (double fields: see lowerBound). */
  private argPrompt = Number.NaN;
  private argOwn = Number.NaN;
  private argUpper = Number.NaN;
  private argNow = Number.NaN;
  private argTypical = Number.NaN;
  private argTypicalPrompt = Number.NaN;
  private result = Number.NaN;

  /** lowerBound's body, with prompt, own and now from the fields; the bound is left in `result`. */
  private boundFromFields(v: InstanceView, ledger: InstanceLedger | undefined): void {
    const prompt = this.argPrompt;
    if (!ledger) {
      this.result = Number.NEGATIVE_INFINITY;
      return;
    }
    const own = Math.max(1, this.argOwn);
    const running = v.running;
    // Both sides computed (each then has type feedback before the compiler sees it: see the rebalancer's `spike`).
    const ownCtx = prompt + own / 2;
    const ctx = running > 0 ? (v.kvUsedBlocks * v.kvBlockSize) / running : ownCtx;
    this.deriveForBound(v, ledger, ctx);
    this.boundFromDerived(ledger);
  }

  /** The candidate `boundFor` bounds: its prompt and own tokens, and the time (double fields: see lowerBound). */
  boundCandidate(prompt: number, own: number, now: number): void {
    this.argPrompt = prompt;
    this.argOwn = own;
    this.argNow = now;
  }

  /** The bound `boundFor` gave. */
  bound = Number.NaN;

  /**
   * lowerBound(v, ledger, prompt, own, now) for the candidate `boundCandidate` gave, left in `bound`:
   * the same value. Where v runs requests (its KV context is then the report's, not the candidate's),
   * what no candidate changes is read once a round: v's work at now with its buckets, and its batch
   * slots and context (kept with the ledger, read again after a change to the ledger or a derivation
   * anew, at another step time). The rebalancer bounds each of a round's candidates against every
   * instance.
   */
  boundFor(v: InstanceView, ledger: InstanceLedger | undefined): void {
    if (ledger === undefined || !(v.running > 0)) {
      this.boundFromFields(v, ledger);
      this.bound = this.result;
      return;
    }
    if (!(ledger.boundVersion === ledger.version && ledger.boundDerivations === ledger.derivations && ledger.boundNow === this.argNow)) {
      this.deriveForBound(v, ledger, (v.kvUsedBlocks * v.kvBlockSize) / v.running);
      ledger.boundSlots = this.boundSlots;
      ledger.boundCtx = this.boundCtx;
      ledger.boundVersion = ledger.version;
      ledger.boundDerivations = ledger.derivations;
      ledger.boundNow = this.argNow;
    }
    this.boundSlots = ledger.boundSlots;
    this.boundCtx = ledger.boundCtx;
    this.boundFromDerived(ledger);
    this.bound = this.result;
  }

  /** v's batch slots and mean KV context per sequence, as lowerBound reads them (see deriveForBound). */
  private boundSlots = Number.NaN;
  private boundCtx = Number.NaN;

  /** The work at `argNow` on the ledger's instance v, at the decode step of its batch now; v's slots and context in boundSlots and boundCtx. */
  private deriveForBound(v: InstanceView, ledger: InstanceLedger, ctx: number): void {
    const slots = Math.max(1, v.maxNumSeqs);
    const tpotNow = this.tpotNow(ledger, Math.min(slots, v.running + 1), ctx);
    // The work at now (no columns: overlapAtLeast reads the rows).
    ledger.workAt(this.argNow, tpotNow, this.prefillFn, Number.NaN, false);
    this.boundSlots = slots;
    this.boundCtx = ctx;
  }

  /** The bound from the ledger's derived work, boundSlots, boundCtx, argPrompt and argOwn; left in `result`. */
  private boundFromDerived(ledger: InstanceLedger): void {
    const own = Math.max(1, this.argOwn);
    const slots = this.boundSlots;
    const ctx = this.boundCtx;
    // Rounding: the estimate's sum of n terms and this one's each err by at most n ulps (the buckets'
    // at most n + BUCKETS); stay below both.
    const overlap = ledger.overlapAtLeast(own) * (1 - 1e-9 - ledger.length * 4.5e-16);
    const batch = Math.max(1, Math.min(slots, overlap + 1));
    const tpot = this.decodeStep(batch, ctx * batch);
    this.result = this.ownPrefill(this.argPrompt) + own * tpot;
  }

  /**
   * Eq. 9's completion time of a request of `prompt` tokens and `own` predicted output tokens
   * (central), whose calibrated upper estimate is `upper`, on instance v. `typical` sizes requests
   * the router has no record of; `at` places a request that is already in the system (a candidate
   * for a move) at its own place in the first-come order, leaving it out of the work ahead.
   */
  estimate(v: InstanceView, ledger: InstanceLedger | undefined, prompt: number, own: number, upper: number, now: number, typical = own, typicalPrompt = prompt, at: QueuePosition = NEW_ARRIVAL): number {
    return this.estimateAt(v, v.running, v.waiting, ledger, prompt, own, upper, now, typical, typicalPrompt, at);
  }

  /** `estimate` on instance v with `running` and `waiting` in place of its reported counts (a candidate's source without it). */
  estimateAt(v: InstanceView, running: number, waiting: number, ledger: InstanceLedger | undefined, prompt: number, own: number, upper: number, now: number, typical = own, typicalPrompt = prompt, at: QueuePosition = NEW_ARRIVAL): number {
    // Inlined by its callers, with the numbers through fields, as lowerBound.
    this.argPrompt = prompt;
    this.argOwn = own;
    this.argUpper = upper;
    this.argNow = now;
    this.argTypical = typical;
    this.argTypicalPrompt = typicalPrompt;
    this.estimateFromFields(v, running, waiting, ledger, at);
    return this.result;
  }

  /** estimateAt's body, with its numeric arguments from the fields; the estimate is left in `result`. */
  private estimateFromFields(v: InstanceView, running: number, waiting: number, ledger: InstanceLedger | undefined, at: QueuePosition): void {
    const prompt = this.argPrompt;
    const upper = this.argUpper;
    const now = this.argNow;
    const typical = this.argTypical;
    const typicalPrompt = this.argTypicalPrompt;
    const own = Math.max(1, this.argOwn);
    const slots = Math.max(1, v.maxNumSeqs);
    // Mean KV context per sequence, from the report (or the request's own size when nothing runs).
    // Both sides computed (each then has type feedback before the compiler sees it: see the rebalancer's `spike`).
    const ownCtx = prompt + own / 2;
    const ctx = running > 0 ? (v.kvUsedBlocks * v.kvBlockSize) / running : ownCtx;
    const tpotNow = this.tpotNow(ledger, Math.min(slots, running + 1), ctx);
    const self = at.self;
    let w = ledger ? ledger.workAt(now, tpotNow, this.prefillFn, self === NEW_ARRIVAL_ID ? own : Number.NaN) : this.workList(v, running, waiting, ledger, tpotNow, typical, typicalPrompt, now);
    const fused = ledger !== undefined && self === NEW_ARRIVAL_ID && ledger.fusedOwn === own;
    if (ledger && !fused) w = ledger.workOrder();
    // One pass, in first-come order, leaving the request itself out: the overlap of the work with its
    // own decode, how many are ahead of it, and the prefill left ahead of it (requests behind it add
    // nothing; as first written, a misplaced `else` let each of them reset the sum to the reported
    // waiting prompts' prefill).
    const { id, arrival, started, preS, tokens } = w;
    const n = w.length;
    const atArrival = at.arrival;
    let overlap = 0;
    let nAhead = 0;
    let prefillAhead = 0;
    if (fused) {
      overlap = ledger.fusedOverlap;
      nAhead = ledger.fusedAhead;
      prefillAhead = ledger.fusedPrefill;
    } else if (Number.isFinite(own) && self < 0) {
      // A new arrival: everyone is ahead. min(t, own) / own is 1 exactly when t >= own (NaN stays NaN).
      for (let k = 0; k < n; k++) {
        if (id[k] === self) continue;
        const t = tokens[k] as number;
        overlap += t >= own ? 1 : t / own;
        nAhead++;
        prefillAhead += preS[k] as number;
      }
    } else if (Number.isFinite(own)) {
      for (let k = 0; k < n; k++) {
        const eid = id[k] as number;
        if (eid === self) continue;
        const t = tokens[k] as number;
        overlap += t >= own ? 1 : t / own;
        const arr = arrival[k] as number;
        if (started[k] || arr < atArrival || (arr === atArrival && eid < self)) {
          nAhead++;
          prefillAhead += preS[k] as number;
        }
      }
    } else {
      for (let k = 0; k < n; k++) {
        const eid = id[k] as number;
        if (eid === self) continue;
        overlap += Math.min(tokens[k] as number, own) / own;
        let isAhead = true;
        if (!started[k]) {
          const arr = arrival[k] as number;
          isAhead = arr < atArrival || (arr === atArrival && eid < self) || self < 0;
        }
        if (isAhead) {
          nAhead++;
          prefillAhead += preS[k] as number;
        }
      }
    }
    const batch = Math.min(slots, overlap + 1);
    const tpot = this.decodeStep(batch, ctx * batch);
    const slotWait = nAhead < slots ? 0 : this.slotWait(ledger ? ledger.workOrder() : w, at, slots, tpot);
    const capacity = v.kvTotalBlocks * v.kvBlockSize;
    const demand = Math.max(ledger ? ledger.demandTokens : 0, v.kvUsedBlocks * v.kvBlockSize) + prompt + Math.max(own, upper);
    const excess = Math.max(0, demand - capacity);
    const kvWait = excess > 0 ? (excess * tpot) / batch : 0;
    // Starting at once, its prefill shares iterations with the prefills still running ahead of it.
    if (slotWait !== 0 || !ledger) prefillAhead = 0;
    this.result = Math.max(slotWait, kvWait) + prefillAhead + this.ownPrefill(prompt) + own * tpot;
  }

  /**
   * Least-work-left's score: the seconds of work the instance has left, each outstanding request's
   * remaining prefill and remaining predicted decode timed alone (batch of one), as a single-slot
   * server would serve them.
   */
  workLeft(v: InstanceView, ledger: InstanceLedger | undefined, prompt: number, own: number, typical = own, typicalPrompt = prompt, now = 0): number {
    const ctx = v.running > 0 ? (v.kvUsedBlocks * v.kvBlockSize) / v.running : prompt + Math.max(1, own) / 2;
    const tpot1 = this.decodeStep(1, ctx);
    const w = this.workList(v, v.running, v.waiting, ledger, tpot1, typical, typicalPrompt, now);
    const { preS, tokens } = w;
    let work = 0;
    for (let k = 0; k < w.length; k++) work += (preS[k] as number) + (tokens[k] as number) * tpot1;
    return work;
  }

  /** Requests waiting on a ledger's instance (no batch slot yet) that arrived after `arrival`, other than `self`. */
  waitingBehind(ledger: InstanceLedger, self: number, arrival: number): number {
    return ledger.waitingBehind(self, arrival);
  }

  /** The request alone on an idle instance. */
  unloaded(prompt: number, tokens: number): number {
    const p = Math.max(1, prompt);
    // The rebalancer asks for running requests (prompt 0, so a one-token prefill) over and over.
    if (p !== this.unloadedPrompt) {
      this.unloadedPrompt = p;
      this.unloadedPrefill = this.prefill(p);
    }
    return this.unloadedPrefill + Math.max(1, tokens) * this.decodeStep(1, prompt + tokens / 2);
  }

  private unloadedPrompt = Number.NaN;
  private unloadedPrefill = Number.NaN;
}
