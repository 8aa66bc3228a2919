/**
 * +Infinity as a module constant, for branches first taken late in a run (an emptied heap): reading
 * `Number.POSITIVE_INFINITY` is a property load that needs type feedback, and optimised code that
 * meets one without feedback is thrown away and recompiled (here: the decode set's leave).
 */
const INFINITY = Number.POSITIVE_INFINITY;

/**
 * Where each request sits in the heap that currently holds it. Requests belong to at most one heap
 * of a kind at a time (one instance's waiting queue, say), so all heaps of that kind share one
 * index instead of each holding an array as long as the whole run. Request `id`'s entry is
 * `pos[id & mask]`: per id (growing as ids come) until the index follows a request table's ring of
 * live slots (`RequestTable.trackPositions`), which only heaps' members, live requests, need.
 */
export class HeapPositions {
  pos: Int32Array;
  mask = 0x7fffffff;
  private ring = false;
  constructor(capacity = 1024) {
    this.pos = new Int32Array(Math.max(16, capacity)).fill(-1);
  }
  ensure(id: number): void {
    if (this.ring || id < this.pos.length) return;
    let c = this.pos.length;
    while (c <= id) c *= 2;
    const p = new Int32Array(c).fill(-1);
    p.set(this.pos);
    this.pos = p;
  }
  /** Becomes a ring of `mask + 1` entries, keeping the entries of ids [from, to). */
  follow(mask: number, from: number, to: number): void {
    const p = new Int32Array(mask + 1).fill(-1);
    for (let id = from; id < to; id++) {
      const k = id & this.mask;
      if (k < this.pos.length) p[id & mask] = this.pos[k] as number;
    }
    this.pos = p;
    this.mask = mask;
    this.ring = true;
  }
}

/**
 * A binary min-heap of request ids ordered by (key, tie). Supports removal and re-keying of any
 * member in O(log n) through the shared position index.
 */
export class IndexedHeap {
  private ids: Int32Array;
  private keys: Float64Array;
  private ties: Float64Array;
  private n = 0;

  constructor(
    private readonly positions: HeapPositions,
    capacity = 64,
  ) {
    this.ids = new Int32Array(capacity);
    this.keys = new Float64Array(capacity);
    this.ties = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  has(id: number): boolean {
    const P = this.positions;
    const k = id & P.mask;
    const p = k < P.pos.length ? (P.pos[k] as number) : -1;
    return p >= 0 && p < this.n && this.ids[p] === id;
  }

  peekId(): number {
    return this.n > 0 ? (this.ids[0] as number) : -1;
  }

  peekKey(): number {
    return this.n > 0 ? (this.keys[0] as number) : INFINITY;
  }

  /** The member at heap slot i (0 <= i < size), for scans that need every member. */
  idAt(i: number): number {
    return this.ids[i] as number;
  }

  keyAt(i: number): number {
    return this.keys[i] as number;
  }

  push(id: number, key: number, tie: number): void {
    if (this.n === this.ids.length) this.grow();
    this.positions.ensure(id);
    const i = this.n++;
    this.ids[i] = id;
    this.keys[i] = key;
    this.ties[i] = tie;
    this.positions.pos[id & this.positions.mask] = i;
    this.up(i);
  }

  pop(): number {
    if (this.n === 0) return -1;
    const id = this.ids[0] as number;
    this.removeAt(0);
    return id;
  }

  remove(id: number): boolean {
    if (!this.has(id)) return false;
    this.removeAt(this.positions.pos[id & this.positions.mask] as number);
    return true;
  }

  /** Changes a member's key (its tie stays), restoring heap order in O(log n). Returns false if absent. */
  update(id: number, key: number): boolean {
    if (!this.has(id)) return false;
    const i = this.positions.pos[id & this.positions.mask] as number;
    const old = this.keys[i] as number;
    if (old === key) return true;
    this.keys[i] = key;
    if (key < old) this.up(i);
    else this.down(i);
    return true;
  }

  private removeAt(i: number): void {
    const id = this.ids[i] as number;
    this.positions.pos[id & this.positions.mask] = -1;
    const last = --this.n;
    if (i === last) return;
    this.ids[i] = this.ids[last] as number;
    this.keys[i] = this.keys[last] as number;
    this.ties[i] = this.ties[last] as number;
    this.positions.pos[(this.ids[i] as number) & this.positions.mask] = i;
    this.down(i);
    this.up(i);
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a] as number;
    const kb = this.keys[b] as number;
    return ka < kb || (ka === kb && (this.ties[a] as number) < (this.ties[b] as number));
  }

  private swap(a: number, b: number): void {
    const ia = this.ids[a] as number;
    const ib = this.ids[b] as number;
    this.ids[a] = ib;
    this.ids[b] = ia;
    const k = this.keys[a] as number;
    this.keys[a] = this.keys[b] as number;
    this.keys[b] = k;
    const t = this.ties[a] as number;
    this.ties[a] = this.ties[b] as number;
    this.ties[b] = t;
    const P = this.positions;
    P.pos[ib & P.mask] = a;
    P.pos[ia & P.mask] = b;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) return;
      const r = l + 1;
      const c = r < this.n && this.less(r, l) ? r : l;
      if (!this.less(c, i)) return;
      this.swap(c, i);
      i = c;
    }
  }

  private grow(): void {
    const c = this.ids.length * 2;
    const ids = new Int32Array(c);
    ids.set(this.ids);
    const keys = new Float64Array(c);
    keys.set(this.keys);
    const ties = new Float64Array(c);
    ties.set(this.ties);
    this.ids = ids;
    this.keys = keys;
    this.ties = ties;
  }
}
