/**
 * Kendall's tau-b between two paired samples in O(n log n) (Knight's algorithm: sort by x then y,
 * count discordant pairs as the swaps of a merge sort on y, correct for ties). 1: same order,
 * -1: reversed, 0: unrelated. NaN for fewer than two pairs or a constant sample.
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError('kendallTau: samples differ in length');
  if (n < 2) return Number.NaN;
  return byBuckets(x, y, n) ?? byRadix(x, y, n) ?? byComparator(x, y, n);
}

/**
 * Tau needs the pairs in (x, y) order. When y is integers in [0, 65536) (token counts: the common
 * case), that order comes from value buckets of x (`byBuckets`). Otherwise, or when x's values do
 * not suit the buckets, from an LSD radix sort of the indices on each value's IEEE-754 bits made
 * sortable (sign flipped for positives, every bit for negatives; -0 read as 0, since it ties with
 * 0): eight 16-bit passes, skipping those where every key shares the digit, and no comparator
 * calls. Undefined when a value is not finite (the comparator path keeps its meaning there).
 */
function byRadix(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number | undefined {
  const counts = new Uint32Array(65536);
  const rank = new Uint32Array(n);
  const xh = new Uint32Array(n);
  const xl = new Uint32Array(n);
  if (!sortableBits(x, n, xh, xl)) return undefined;
  const yh = new Uint32Array(n);
  const yl = new Uint32Array(n);
  if (!sortableBits(y, n, yh, yl)) return undefined;
  let idx = new Uint32Array(n);
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

/** Fine slices over x's (sampled) range, and the pairs a bucket should hold at most before a slice is cut further. */
const FINE = 65536;
const PER_BUCKET = 1;
/** The greatest position in the slices (a double, exactly): positions are clamped to [0, TOP], so that truncation gives a slice below FINE. */
const TOP = FINE - 2 ** -20;
/**
 * Pairs a part holds, about (a part is a run of whole slices): its x values and y ranks (16,384 x 10
 * bytes) and its buckets' counters stay in the L2 cache while the part is sorted and counted.
 */
const PART = 16384;
/** x's range is taken from about this many pairs, evenly spaced, not from a pass over all of them. */
const SAMPLE = 16384;

/**
 * The (x, y) order for y integers in [0, 65536) (token counts: the common case; y is then its own
 * rank), by buckets of x's value, and tau from it. x's least and greatest are estimated from a
 * sample; each x's position u in FINE equal slices of that range is clamped to [0, TOP], so values
 * outside it fall in the first or last slice. One pass counts the pairs per slice (and checks that
 * every x is finite); a slice holding more than PER_BUCKET pairs is cut into ceil(count / PER_BUCKET)
 * equal sub-slices (x's values crowd: predicted lengths pile up near the predictor's typical
 * output). Consecutive slices are grouped into parts of about PART pairs, and one pass copies each
 * pair into its part's range (a few dozen write streams, where a scatter straight to ~300,000
 * buckets misses the cache at nearly every write; it also checks every y). Then, part by part and
 * within the cache, a counting sort by bucket and an insertion sort by (x, y) put the part's pairs
 * in order, and `PairCounter` counts them. Every step of the bucket number is non-decreasing in x
 * (a subtraction and a multiplication by a positive constant, correctly rounded, keep order;
 * clamping, truncation and `u - f`, exact for 0 <= f <= u < f + 1, too), and equal x (-0 and 0
 * included) get equal buckets, so a pair in an earlier bucket (or part) has a strictly smaller x:
 * the insertion sort never crosses a bucket's start, and the result is the sort of the pairs by
 * (x, y), the same sequence as the radix path's. Undefined (the caller takes the radix path) when
 * an x is not finite, a y is not an integer in [0, 65536), the sampled x are all equal or their
 * range too wide or too narrow for the slice arithmetic, or the pairs crowd into so few buckets
 * that the insertion sort could cost more than 16 n steps (its cost is sum over buckets of m^2 / 2).
 */
function byBuckets(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number | undefined {
  const step = Math.max(1, Math.floor(n / SAMPLE));
  let min = x[n - 1] as number;
  let max = min;
  for (let i = 0; i < n; i += step) {
    const a = x[i] as number;
    if (a < min) min = a;
    if (a > max) max = a;
  }
  const scale = FINE / (max - min);
  if (!(scale > 0 && scale < Number.POSITIVE_INFINITY)) return undefined;
  // Slice counts, then each slice's first bucket (first[FINE]: the number of buckets).
  const first = new Uint32Array(FINE + 1);
  if (!sliceCounts(x, n, min, scale, first)) return undefined;
  const partOf = new Uint32Array(FINE);
  const buckets = slicePairs(first, partOf);
  const parts = Math.floor(n / PART) + 1;
  const partStart = new Uint32Array(parts + 1);
  const partBucket = new Uint32Array(parts + 1);
  sliceParts(first, partOf, partStart, partBucket);
  partBounds(partStart, partBucket, parts, n, buckets);
  const xs = new Float64Array(n);
  const ys = new Uint16Array(n);
  // The bitwise or of all y: below 2^16, with as many bits as the greatest.
  const span = partition(x, y, n, min, scale, partOf, partStart.slice(0, parts), xs, ys);
  if (span < 0) return undefined;
  // Per part: bucket numbers, a counting sort into the part-sized buffers, back, then the insertion sort.
  const bucketOf = new Uint32Array(largestPart);
  const counts = new Uint32Array(mostBuckets + 1);
  const bx = new Float64Array(largestPart);
  const by = new Uint16Array(largestPart);
  const counter = new PairCounter(span);
  let squares = 0;
  for (let p = 0; p < parts; p++) {
    const from = partStart[p] as number;
    const to = partStart[p + 1] as number;
    const b0 = partBucket[p] as number;
    const buckets = (partBucket[p + 1] as number) - b0;
    counts.fill(0, 0, buckets);
    partBuckets(xs, from, to, min, scale, first, b0, bucketOf, counts);
    squares += bucketStarts(counts, buckets, 0);
    if (squares > 32 * n) return undefined;
    partScatter(xs, ys, from, to, bucketOf, counts, bx, by);
    xs.set(bx.subarray(0, to - from), from);
    ys.set(by.subarray(0, to - from), from);
    insertionByXY(xs, ys, from, to);
    counter.add(xs, ys, from, to);
  }
  return counter.tau(n);
}

// byBuckets' passes, each a function of its own: the summary calls the tau once, so each pass over
// all pairs runs once, and a small function is compiled sooner and more cheaply than the whole body
// would be for each of its loops; the per-part passes run in code optimised from their start after
// the first few parts.

/** Counts the pairs in each of the FINE slices of x's range; false when an x is not finite. */
function sliceCounts(x: ArrayLike<number>, n: number, min: number, scale: number, fine: Uint32Array): boolean {
  for (let i = 0; i < n; i++) {
    const a = x[i] as number;
    if (!(a - a === 0)) return false;
    const f = Math.max(0, Math.min(TOP, (a - min) * scale)) | 0;
    fine[f] = (fine[f] as number) + 1;
  }
  return true;
}

/**
 * Turns the slice counts in `first` into each slice's first bucket (first[FINE]: all buckets, the
 * number returned), and puts in before[f] the pairs in the slices before f.
 */
function slicePairs(first: Uint32Array, before: Uint32Array): number {
  let buckets = 0;
  let pairs = 0;
  for (let f = 0; f < FINE; f++) {
    const c = first[f] as number;
    before[f] = pairs;
    first[f] = buckets;
    buckets += c <= PER_BUCKET ? 1 : Math.ceil(c / PER_BUCKET);
    pairs += c;
  }
  first[FINE] = buckets;
  return buckets;
}

/**
 * Groups the slices into parts: slice f goes to part floor(before[f] / PART) (so a part is a run of
 * whole slices, of about PART pairs, or none at all when one slice holds more), and partOf (which
 * held `before`) gets it. Each part that has slices gets its first pair and first bucket: going
 * down, the last write to a part is its first slice's. No branch in the loop (it runs once, in code
 * compiled before a rarely taken branch would have been seen, which deoptimises when taken).
 */
function sliceParts(first: Uint32Array, partOf: Uint32Array, partStart: Uint32Array, partBucket: Uint32Array): void {
  partStart.fill(UNSET);
  for (let f = FINE - 1; f >= 0; f--) {
    const before = partOf[f] as number;
    const p = Math.floor(before / PART);
    partOf[f] = p;
    partStart[p] = before;
    partBucket[p] = first[f] as number;
  }
}

/** A part without slices (yet): its start is unset. */
const UNSET = 0xffffffff;

/** What `partBounds` found: the most pairs and the most buckets in one part. */
let largestPart = 0;
let mostBuckets = 0;

/** Closes the parts' bounds (an empty part starts where the next one does; all end at n pairs and `buckets`), and finds the largest part. */
function partBounds(partStart: Uint32Array, partBucket: Uint32Array, parts: number, n: number, buckets: number): void {
  partStart[parts] = n;
  partBucket[parts] = buckets;
  largestPart = 0;
  mostBuckets = 0;
  for (let p = parts - 1; p >= 0; p--) {
    if (partStart[p] === UNSET) {
      partStart[p] = partStart[p + 1] as number;
      partBucket[p] = partBucket[p + 1] as number;
    }
    largestPart = Math.max(largestPart, (partStart[p + 1] as number) - (partStart[p] as number));
    mostBuckets = Math.max(mostBuckets, (partBucket[p + 1] as number) - (partBucket[p] as number));
  }
}

/**
 * Copies each pair into its part's range, in input order: x values to px, y to py. Returns the
 * bitwise or of all y, or -1 when one is not an integer in [0, 65536) (NaN, fractions, negatives
 * and larger values all change under `& 0xffff`; -0 passes, as 0, which it ties with).
 */
function partition(x: ArrayLike<number>, y: ArrayLike<number>, n: number, min: number, scale: number, partOf: Uint32Array, next: Uint32Array, px: Float64Array, py: Uint16Array): number {
  let or = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] as number;
    const v = y[i] as number;
    if ((v & 0xffff) !== v) return -1;
    or |= v;
    const p = partOf[Math.max(0, Math.min(TOP, (a - min) * scale)) | 0] as number;
    const to = next[p] as number;
    next[p] = to + 1;
    px[to] = a;
    py[to] = v;
  }
  return or;
}

/** Each pair of the part [from, to) its bucket (its slice's first bucket plus its sub-slice, less the part's first bucket b0) in bucketOf, counted in counts. */
function partBuckets(px: Float64Array, from: number, to: number, min: number, scale: number, first: Uint32Array, b0: number, bucketOf: Uint32Array, counts: Uint32Array): void {
  for (let i = from; i < to; i++) {
    const u = Math.max(0, Math.min(TOP, ((px[i] as number) - min) * scale));
    const f = u | 0;
    const fb = first[f] as number;
    const k = (first[f + 1] as number) - fb;
    const b = fb - b0 + (k === 1 ? 0 : Math.min(k - 1, ((u - f) * k) | 0));
    bucketOf[i - from] = b;
    counts[b] = (counts[b] as number) + 1;
  }
}

/** Turns the counts of `buckets` buckets into their first positions, from `at`; returns the sum of the squared counts. */
function bucketStarts(counts: Uint32Array, buckets: number, at: number): number {
  let squares = 0;
  for (let b = 0; b < buckets; b++) {
    const m = counts[b] as number;
    squares += m * m;
    counts[b] = at;
    at += m;
  }
  return squares;
}

/** The part [from, to) of px/py in bucket order (stable) into xs/ys from 0, `counts` holding each bucket's first position there. */
function partScatter(px: Float64Array, py: Uint16Array, from: number, to: number, bucketOf: Uint32Array, counts: Uint32Array, xs: Float64Array, ys: Uint16Array): void {
  for (let i = from; i < to; i++) {
    const b = bucketOf[i - from] as number;
    const t = counts[b] as number;
    counts[b] = t + 1;
    xs[t] = px[i] as number;
    ys[t] = py[i] as number;
  }
}

/** Sorts the pairs (xs[i], ys[i]) of [from, to) by x then y, by insertion (cheap when they are nearly in order). */
function insertionByXY(xs: Float64Array, ys: Uint16Array, from: number, to: number): void {
  // No arithmetic before the loop (`from + 1`): the first call runs it before the function has
  // type feedback, and code optimised later without that feedback deoptimises at its first call.
  let i = from;
  while (++i < to) {
    const v = xs[i] as number;
    const r = ys[i] as number;
    let j = i - 1;
    let p = xs[j] as number;
    if (!(p > v || (p === v && (ys[j] as number) > r))) continue;
    do {
      xs[j + 1] = p;
      ys[j + 1] = ys[j] as number;
      j--;
      if (j < from) break;
      p = xs[j] as number;
    } while (p > v || (p === v && (ys[j] as number) > r));
    xs[j + 1] = v;
    ys[j + 1] = r;
  }
}

/**
 * Tau-b's counts over the pairs in (x, y) order, fed a run of pairs at a time (a part, while it is
 * in the cache), y as ranks below 2^16: the pairs tied in x, and in both, y's histogram (its ties),
 * and the discordant pairs two bits of y at a time (`digitPass`, one per digit, each with its own
 * counters). The same five integer counts as `fromSorted`, in the same formula.
 */
class PairCounter {
  /** The pairs tied in x, and in both x and y. */
  private readonly tied = new Float64Array(2);
  private readonly hist: Uint32Array;
  /** Per 2-bit digit of y (from the lowest), its `digitPass` counters. */
  private readonly ge: Float64Array[] = [];
  private swaps = 0;

  constructor(private readonly span: number) {
    this.hist = new Uint32Array(span + 1);
    let bits = 0;
    while (span >>> bits > 0) bits++;
    for (let b = 0; b < bits; b += 2) this.ge.push(new Float64Array(4 * Math.max(1, 1 << Math.max(0, bits - b - 2)) + 1));
  }

  /** Counts the pairs [from, to), which follow those already counted in (x, y) order. */
  add(xs: Float64Array, ys: Uint16Array, from: number, to: number): void {
    tiesOf(xs, ys, from, to, this.hist, this.tied, Number.NaN);
    let swaps = this.swaps;
    for (let d = 0; d < this.ge.length; d++) swaps += digitPass(ys, from, to, this.ge[d] as Float64Array, 2 * d);
    this.swaps = swaps;
  }

  /** Tau-b of the n pairs counted. */
  tau(n: number): number {
    const tiedX = this.tied[0] as number;
    const tiedXY = this.tied[1] as number;
    let tiedY = 0;
    for (let r = 0; r <= this.span; r++) {
      const c = this.hist[r] as number;
      tiedY += (c * (c - 1)) / 2;
    }
    const swaps = this.swaps;
    const n0 = (n * (n - 1)) / 2;
    const concordantMinusDiscordant = n0 - tiedX - tiedY + tiedXY - 2 * swaps;
    const denom = Math.sqrt((n0 - tiedX) * (n0 - tiedY));
    return denom > 0 ? concordantMinusDiscordant / denom : Number.NaN;
  }
}

/**
 * The pairs tied in x (into tied[0]) and in both x and y (tied[1]) among the pairs [from, to), with
 * y's histogram. Equal x share a part, so no run of ties crosses a part's start. A run of m equal
 * values adds 1 + 2 + ... + (m - 1) = m (m - 1) / 2, one step per value; every partial sum is an
 * integer below 2^53, so the order of the additions changes nothing. `none` is NaN, equal to no x:
 * a parameter, since a constant computed before the loop has no type feedback when this function
 * is first optimised (on-stack, during its first call), and code optimised without it deoptimises.
 * For the same reason nothing follows the loop.
 */
function tiesOf(xs: Float64Array, ys: Uint16Array, from: number, to: number, hist: Uint32Array, tied: Float64Array, none: number): void {
  let pv = none;
  let pr = 0;
  let runX = 0;
  let runXY = 0;
  for (let i = from; i < to; i++) {
    const v = xs[i] as number;
    const r = ys[i] as number;
    hist[r] = (hist[r] as number) + 1;
    if (v === pv) {
      runX++;
      runXY = r === pr ? runXY + 1 : 0;
      tied[0] = (tied[0] as number) + runX;
      tied[1] = (tied[1] as number) + runXY;
    } else {
      runX = 0;
      runXY = 0;
    }
    pv = v;
    pr = r;
  }
}

/**
 * The pairs i < j whose ranks' highest differing 2-bit digit is the one at bit b, with r_i's digit
 * the greater (the strict inversions, summed over the digits from b = 0 by twos). Per prefix q = r
 * >>> (b + 2), ge[4q + k] counts the ranks seen with that prefix and digit >= k (k = 1..3) and
 * ge[4q] stays 0, so a rank with digit d adds ge[4q + d + 1] (for d = 3, the next prefix's 0):
 * one read and three branch-free increments a rank, for two bits. Counts and sums are integers
 * below 2^53: exact.
 */
function digitPass(ys: Uint16Array, from: number, to: number, ge: Float64Array, b: number): number {
  let swaps = 0;
  for (let i = from; i < to; i++) {
    const r = ys[i] as number;
    const q = ((r >>> b) >>> 2) << 2;
    const d = (r >>> b) & 3;
    swaps += ge[q + d + 1] as number;
    const two = d >> 1;
    ge[q + 1] = (ge[q + 1] as number) + ((d + 3) >> 2);
    ge[q + 2] = (ge[q + 2] as number) + two;
    ge[q + 3] = (ge[q + 3] as number) + (two & d);
  }
  return swaps;
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
