/** An indexed min-heap of servers by their next event time; every server is always a member. */
export class ServerClock {
  readonly time: Float64Array;
  private readonly heap: Int32Array;
  private readonly pos: Int32Array;

  constructor(readonly servers: number) {
    this.time = new Float64Array(servers).fill(Number.POSITIVE_INFINITY);
    this.heap = new Int32Array(servers);
    this.pos = new Int32Array(servers);
    for (let k = 0; k < servers; k++) {
      this.heap[k] = k;
      this.pos[k] = k;
    }
  }

  /** The server with the earliest event (ties: whichever the heap holds first). */
  top(): number {
    return this.heap[0] as number;
  }

  topTime(): number {
    return this.time[this.heap[0] as number] as number;
  }

  set(k: number, t: number): void {
    const old = this.time[k] as number;
    this.time[k] = t;
    if (this.servers === 1) return;
    if (t < old) this.up(this.pos[k] as number);
    else this.down(this.pos[k] as number);
  }

  private up(i: number): void {
    const h = this.heap;
    const k = h[i] as number;
    const t = this.time[k] as number;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = h[p] as number;
      if ((this.time[pk] as number) <= t) break;
      h[i] = pk;
      this.pos[pk] = i;
      i = p;
    }
    h[i] = k;
    this.pos[k] = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = this.servers;
    const k = h[i] as number;
    const t = this.time[k] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (this.time[h[r] as number] as number) < (this.time[h[l] as number] as number) ? r : l;
      const ck = h[c] as number;
      if ((this.time[ck] as number) >= t) break;
      h[i] = ck;
      this.pos[ck] = i;
      i = c;
    }
    h[i] = k;
    this.pos[k] = i;
  }
}
