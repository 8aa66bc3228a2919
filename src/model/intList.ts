/** A growable list of integers on a typed array: clearing and pushing allocate nothing. */
export class IntList {
  private a: Int32Array;
  size = 0;

  constructor(capacity = 16) {
    this.a = new Int32Array(capacity);
  }

  get(i: number): number {
    return this.a[i] as number;
  }

  push(x: number): void {
    if (this.size === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.size++] = x;
  }

  clear(): void {
    this.size = 0;
  }

  indexOf(x: number): number {
    for (let i = 0; i < this.size; i++) if (this.a[i] === x) return i;
    return -1;
  }

  includes(x: number): boolean {
    return this.indexOf(x) >= 0;
  }

  /** Removes the element at i, keeping the order of the rest. */
  removeAt(i: number): void {
    // A plain loop: these lists are short, where copyWithin's call costs more than the copy.
    const a = this.a;
    const n = --this.size;
    for (let k = i; k < n; k++) a[k] = a[k + 1] as number;
  }

  /** Removes the first occurrence of x; returns whether it was there. */
  remove(x: number): boolean {
    const i = this.indexOf(x);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  toArray(): number[] {
    // A plain loop: Array.from of a subarray makes a view object and walks an iterator (microseconds a call).
    const n = this.size;
    const out: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.a[i] as number;
    return out;
  }
}
