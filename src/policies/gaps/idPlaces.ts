/**
 * Which instance each outstanding request is on: a map from request id to instance, as `Map` would
 * keep it, without hashing. Ids are mostly given in arrival order, so the outstanding ones lie in a
 * window that moves forward: id k lives in slot `k & mask` of a ring. An id whose slot is held by an
 * older outstanding id (a straggler), or that is not a small non-negative integer, goes to an
 * overflow `Map`; when the overflow grows past an eighth of the ring, the ring doubles and takes in
 * what it can. Memory follows the requests outstanding, not the run.
 *
 * An id held in the ring also carries a hint, a number its place may use to find it again (a ledger
 * keeps its row there); -1 when none was set since the id was last placed. Ids in the overflow carry
 * none. A hint is only a hint: its reader checks it.
 */
export class IdPlaces {
  /** Id held by each slot (-1: free). */
  private keys = new Float64Array(1024).fill(-1);
  private places = new Int32Array(1024);
  private hints = new Int32Array(1024);
  private mask = 1023;
  private readonly overflow = new Map<number, number>();

  get(id: number): number | undefined {
    if (id >= 0 && id <= 0x7fffffff && (id | 0) === id) {
      const s = id & this.mask;
      if (this.keys[s] === id) return this.places[s] as number;
    }
    return this.overflow.size === 0 ? undefined : this.overflow.get(id);
  }

  set(id: number, place: number): void {
    if (id >= 0 && id <= 0x7fffffff && (id | 0) === id) {
      const s = id & this.mask;
      const k = this.keys[s] as number;
      if (k === id || (k === -1 && (this.overflow.size === 0 || !this.overflow.has(id)))) {
        this.keys[s] = id;
        this.places[s] = place;
        this.hints[s] = -1;
        return;
      }
    }
    this.overflow.set(id, place);
    if (this.overflow.size > (this.mask + 1) / 8) this.grow();
  }

  /** The hint set for id since it was last placed; -1 when none (or id is not held in the ring). */
  hint(id: number): number {
    if (id >= 0 && id <= 0x7fffffff && (id | 0) === id) {
      const s = id & this.mask;
      if (this.keys[s] === id) return this.hints[s] as number;
    }
    return -1;
  }

  /** Sets id's hint (an integer in [0, 2^31)) when id is held in the ring; otherwise does nothing. */
  setHint(id: number, hint: number): void {
    if (id >= 0 && id <= 0x7fffffff && (id | 0) === id) {
      const s = id & this.mask;
      if (this.keys[s] === id) this.hints[s] = hint;
    }
  }

  delete(id: number): boolean {
    if (id >= 0 && id <= 0x7fffffff && (id | 0) === id) {
      const s = id & this.mask;
      if (this.keys[s] === id) {
        this.keys[s] = -1;
        return true;
      }
    }
    return this.overflow.size === 0 ? false : this.overflow.delete(id);
  }

  /** Doubles the ring and moves into it the overflow ids whose new slots are free. */
  private grow(): void {
    const oldKeys = this.keys;
    const oldPlaces = this.places;
    const oldHints = this.hints;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.places = new Int32Array(cap);
    this.hints = new Int32Array(cap);
    this.mask = cap - 1;
    for (let s = 0; s < oldKeys.length; s++) {
      const id = oldKeys[s] as number;
      if (id === -1) continue;
      // Distinct ids in distinct old slots differ in their low bits, so their new slots differ too.
      const t = id & this.mask;
      this.keys[t] = id;
      this.places[t] = oldPlaces[s] as number;
      this.hints[t] = oldHints[s] as number;
    }
    for (const [id, place] of this.overflow) {
      if (!(id >= 0 && id <= 0x7fffffff && (id | 0) === id)) continue;
      const t = id & this.mask;
      if (this.keys[t] !== -1) continue;
      this.keys[t] = id;
      this.places[t] = place;
      this.hints[t] = -1;
      this.overflow.delete(id);
    }
  }
}
