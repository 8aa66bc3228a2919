/**
 * Kendall's tau-b between two paired samples in O(n log n) (Knight's algorithm: sort by x then y,
 * count discordant pairs as the swaps of a merge sort on y, correct for ties). 1: same order,
 * -1: reversed, 0: unrelated. NaN for fewer than two pairs or a constant sample.
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError('kendallTau: samples differ in length');
  if (n < 2) return Number.NaN;
  return byRadix(x, y, n) ?? byComparator(x, y, n);
}

/**
 * Tau needs the pairs in (x, y) order. That order comes from an LSD radix sort of the indices on
 * each value's IEEE-754 bits made sortable (sign flipped for positives, every bit for negatives; -0
 * read as 0, since it ties with 0): eight 16-bit passes, skipping those where every key shares the
 * digit, and no comparator calls. Undefined when a value is not finite (the comparator path keeps
 * its meaning there).
 */
function byRadix(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number | undefined {
  const counts = new Uint32Array(65536);
  // y's rank: any integer key in y's order (equal values, -0 and 0 included, share one).
  const rank = new Uint32Array(n);
  const ranksInYOrder = new Uint32Array(n);
  let idx = smallIntegerOrder(y, n, rank, counts, ranksInYOrder);
  if (idx !== undefined) return withSmallIntegerY(x, n, idx, ranksInYOrder, counts, smallIntegerSpan);
  const xh = new Uint32Array(n);
  const xl = new Uint32Array(n);
  if (!sortableBits(x, n, xh, xl)) return undefined;
  const yh = new Uint32Array(n);
  const yl = new Uint32Array(n);
  if (!sortableBits(y, n, yh, yl)) return undefined;
  idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx = radixPasses(idx, [yl, yl, yh, yh], counts, n);
  const maxRank = ranksInOrder(idx, yh, yl, rank, n);
  // Then x's words, least significant first: a stable sort by x of the y-sorted pairs.
  idx = radixPasses(idx, [xl, xl, xh, xh], counts, n);
  const ys = new Uint32Array(n);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const id = idx[i] as number;
    ys[i] = rank[id] as number;
    xs[i] = x[id] as number;
  }
  return fromSorted(n, ys, (i, j) => xs[i] === xs[j], maxRank);
}

/**
 * `byRadix` when y is small integers (token counts: the common case), with the keys carried along
 * instead of gathered. x's sortable bits are taken once, in y order (`idx`), beside y's ranks in y
 * order; the four stable 16-bit passes over x's words (least significant first, skipping a digit
 * every key shares, as `radixPasses` does) then read all three columns in sequence and scatter them
 * together. The result is the (x, y) order of `byRadix`'s general path, and positions tie in x
 * exactly when their bits do (the bits of finite doubles, -0 read as 0, are equal iff the values
 * are `===`). Undefined when an x is not finite.
 */
function withSmallIntegerY(x: ArrayLike<number>, n: number, idx: Uint32Array, ys: Uint32Array<ArrayBuffer>, counts: Uint32Array, maxRank: number): number | undefined {
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let yr = ys;
  for (let i = 0; i < n; i++) {
    const a = x[idx[i] as number] as number;
    if (!Number.isFinite(a)) return undefined;
    putSortable(a, hi, lo, i);
  }
  let outHi = new Uint32Array(n);
  let outLo = new Uint32Array(n);
  let outY = new Uint32Array(n);
  for (let p = 0; p < 4; p++) {
    const w = p < 2 ? lo : hi;
    const shift = p % 2 === 0 ? 0 : 16;
    if (!digitStarts(w, shift, counts, n)) continue;
    for (let i = 0; i < n; i++) {
      const d = ((w[i] as number) >>> shift) & 0xffff;
      const at = counts[d] as number;
      counts[d] = at + 1;
      outY[at] = yr[i] as number;
      outHi[at] = hi[i] as number;
      outLo[at] = lo[i] as number;
    }
    let t = yr;
    yr = outY;
    outY = t;
    t = hi;
    hi = outHi;
    outHi = t;
    t = lo;
    lo = outLo;
    outLo = t;
  }
  const h = hi;
  const l = lo;
  return fromSorted(n, yr, (i, j) => h[i] === h[j] && l[i] === l[j], maxRank);
}

/**
 * Counts the 16-bit digit at `shift` of every key in `w` and turns `counts` into each digit's first
 * output position; false (nothing to do) when every key has the same digit.
 */
function digitStarts(w: Uint32Array, shift: number, counts: Uint32Array, n: number): boolean {
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const d = ((w[i] as number) >>> shift) & 0xffff;
    counts[d] = (counts[d] as number) + 1;
  }
  if (counts[((w[0] as number) >>> shift) & 0xffff] === n) return false;
  let sum = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d] as number;
    counts[d] = sum;
    sum += c;
  }
  return true;
}

/**
 * Stable 16-bit LSD passes of `idx` on the low then high half of each of `words` (given twice each,
 * low half first), skipping a pass where every key shares the digit; returns the sorted indices.
 */
function radixPasses(idx: Uint32Array<ArrayBuffer>, words: readonly Uint32Array[], counts: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  let out = new Uint32Array(n);
  for (let p = 0; p < words.length; p++) {
    const w = words[p] as Uint32Array;
    const shift = p % 2 === 0 ? 0 : 16;
    if (!digitStarts(w, shift, counts, n)) continue;
    for (let i = 0; i < n; i++) {
      const id = idx[i] as number;
      const d = ((w[id] as number) >>> shift) & 0xffff;
      out[counts[d] as number] = id;
      counts[d] = (counts[d] as number) + 1;
    }
    const t = idx;
    idx = out;
    out = t;
  }
  return idx;
}

/**
 * When every y is an integer and they span fewer than 65,536 values (token counts, typically), the
 * indices in y order by one counting sort, with `rank[i] = y[i] - min(y)`; undefined otherwise.
 */
/** The largest rank smallIntegerOrder gave (max(y) - min(y)). */
let smallIntegerSpan = 0;

function smallIntegerOrder(y: ArrayLike<number>, n: number, rank: Uint32Array, counts: Uint32Array, ranksInYOrder: Uint32Array): Uint32Array<ArrayBuffer> | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = y[i] as number;
    if (!Number.isInteger(v)) return undefined;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max - min < 65536)) return undefined;
  smallIntegerSpan = max - min;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const r = (y[i] as number) - min;
    rank[i] = r;
    counts[r] = (counts[r] as number) + 1;
  }
  let sum = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d] as number;
    counts[d] = sum;
    sum += c;
  }
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rank[i] as number;
    const at = counts[r] as number;
    idx[at] = i;
    ranksInYOrder[at] = r;
    counts[r] = at + 1;
  }
  return idx;
}

/** rank[i] = the dense rank of pair i's y, given `idx` in y order (ties adjacent). */
function ranksInOrder(idx: Uint32Array, yh: Uint32Array, yl: Uint32Array, rank: Uint32Array, n: number): number {
  let r = 0;
  let ph = yh[idx[0] as number] as number;
  let pl = yl[idx[0] as number] as number;
  for (let i = 0; i < n; i++) {
    const id = idx[i] as number;
    const h = yh[id] as number;
    const l = yl[id] as number;
    if (h !== ph || l !== pl) {
      r++;
      ph = h;
      pl = l;
    }
    rank[id] = r;
  }
  return r;
}

const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);
/** Index of the high 32-bit word of a double in WORDS (1 on little-endian machines). */
const HIGH = (() => {
  BITS[0] = -1;
  return WORDS[1] === 0xbff00000 ? 1 : 0;
})();

/** Each value's bits as two words whose unsigned order is the numeric order; false if a value is not finite. */
function sortableBits(v: ArrayLike<number>, n: number, hi: Uint32Array, lo: Uint32Array): boolean {
  for (let i = 0; i < n; i++) {
    const a = v[i] as number;
    if (!Number.isFinite(a)) return false;
    putSortable(a, hi, lo, i);
  }
  return true;
}

/** A finite value's bits as two words at position i whose unsigned order is the numeric order (-0 read as 0). */
function putSortable(a: number, hi: Uint32Array, lo: Uint32Array, i: number): void {
  BITS[0] = a === 0 ? 0 : a;
  const h = WORDS[HIGH] as number;
  const l = WORDS[1 - HIGH] as number;
  if (h >= 0x80000000) {
    hi[i] = ~h >>> 0;
    lo[i] = ~l >>> 0;
  } else {
    hi[i] = (h | 0x80000000) >>> 0;
    lo[i] = l;
  }
}

/** The comparator-sort path, exported as the reference the radix path is tested against. */
export function kendallTauByComparator(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return x.length < 2 || x.length !== y.length ? Number.NaN : byComparator(x, y, x.length);
}

function byComparator(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => (x[a] as number) - (x[b] as number) || (y[a] as number) - (y[b] as number));
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) ys[i] = y[idx[i] as number] as number;
  return fromSorted(n, ys, (i, j) => x[idx[i] as number] === x[idx[j] as number]);
}

/** Tau-b from the y values in (x, y) order, `sameX(i, j)` telling whether sorted positions i and j tie in x. */
function fromSorted(n: number, ys: Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>, sameX: (i: number, j: number) => boolean, maxRank = Number.POSITIVE_INFINITY): number {
  // Pairs tied in x, and tied in both.
  let tiedX = 0;
  let tiedXY = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sameX(j, i)) j++;
    tiedX += ((j - i) * (j - i - 1)) / 2;
    for (let k = i; k < j; ) {
      let m = k + 1;
      while (m < j && ys[m] === ys[k]) m++;
      tiedXY += ((m - k) * (m - k - 1)) / 2;
      k = m;
    }
    i = j;
  }
  let swaps: number;
  let tiedY = 0;
  if (ys instanceof Uint32Array && maxRank < 65536) {
    swaps = countByBits(ys, maxRank);
    const hist = new Uint32Array(maxRank + 1);
    for (let i = 0; i < n; i++) hist[ys[i] as number] = (hist[ys[i] as number] as number) + 1;
    for (let r = 0; r <= maxRank; r++) {
      const c = hist[r] as number;
      tiedY += (c * (c - 1)) / 2;
    }
  } else {
    swaps = mergeCountSwaps(ys);
    // After sorting, equal y values are adjacent.
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && ys[j] === ys[i]) j++;
      tiedY += ((j - i) * (j - i - 1)) / 2;
      i = j;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const concordantMinusDiscordant = n0 - tiedX - tiedY + tiedXY - 2 * swaps;
  const denom = Math.sqrt((n0 - tiedX) * (n0 - tiedY));
  return denom > 0 ? concordantMinusDiscordant / denom : Number.NaN;
}

/**
 * The strict inversions of integer ranks below 2^16, bit by bit: a pair i < j with r_i > r_j agrees
 * on the bits above the highest one where they differ, where r_i has a 1 and r_j a 0; so at each bit
 * b, from the top, a pass in order counts, per prefix r >>> (b + 1), the ones seen, and adds them at
 * each zero. Equal ranks never differ and are never counted. One sequential pass a bit over a counter
 * array of at most 2^15 entries, no data-dependent branches beyond the counter index.
 */
function countByBits(ys: Uint32Array<ArrayBuffer>, maxRank: number): number {
  let bits = 0;
  while (maxRank >>> bits > 0) bits++;
  const ones = new Float64Array(Math.max(1, 1 << Math.max(0, bits - 1)));
  let swaps = 0;
  for (let b = bits - 1; b >= 0; b--) swaps += countAtBit(ys, ones, b, bits);
  return swaps;
}

/**
 * One bit of countByBits: the pairs whose highest differing bit is b. A function of its own, called
 * once a bit, so that after the first call the pass runs in optimised code from its start (a loop
 * inside a loop is entered through on-stack replacement, where a sum such as this one can be kept
 * boxed: a heap number per step). The pairs counted here are at most n^2/2 < 2^53, exact in a double.
 */
function countAtBit(ys: Uint32Array<ArrayBuffer>, ones: Float64Array<ArrayBuffer>, b: number, bits: number): number {
  const n = ys.length;
  ones.fill(0, 0, 1 << (bits - 1 - b));
  const up = b + 1;
  let swaps = 0;
  // Branch-free (the bit is as good as random, so a branch mispredicts half the time): a one adds 1
  // to its prefix's count and 0 to the sum, a zero adds the count to the sum and 0 to the count;
  // adding 0 to either leaves it exactly as it was.
  for (let i = 0; i < n; i++) {
    const r = ys[i] as number;
    const p = r >>> up;
    const one = (r >>> b) & 1;
    const c = ones[p] as number;
    swaps += (1 - one) * c;
    ones[p] = c + one;
  }
  return swaps;
}

/** Sorted runs this long are made by insertion before the merges start. */
const RUN = 32;

/**
 * Sorts `a` ascending in place and returns the number of strict inversions: insertion sorts of runs
 * of RUN values (each shift past a larger value is one inversion), then bottom-up merges (a value
 * taken from the right run passes every value left in the left one). Exact for any input order.
 */
function mergeCountSwaps<A extends Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(a: A): number {
  // One body for both element types: y values (the comparator path) and ranks of 2^16 or more
  // (32-bit, half the memory traffic). Neither is the common case, which countByBits takes.
  const n = a.length;
  let swaps = 0;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const v = a[i] as number;
      let j = i - 1;
      while (j >= lo && (a[j] as number) > v) {
        a[j + 1] = a[j] as number;
        j--;
      }
      swaps += i - 1 - j;
      a[j + 1] = v;
    }
  }
  let buf = (a instanceof Uint32Array ? new Uint32Array(n) : new Float64Array(n)) as A;
  let src: A = a;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const u = src[i] as number;
        const w = src[j] as number;
        if (w < u) {
          swaps += mid - i;
          buf[k++] = w;
          j++;
        } else {
          buf[k++] = u;
          i++;
        }
      }
      while (i < mid) buf[k++] = src[i++] as number;
      while (j < hi) buf[k++] = src[j++] as number;
    }
    const tmp = src;
    src = buf;
    buf = tmp;
  }
  if (src !== a) a.set(src);
  return swaps;
}
