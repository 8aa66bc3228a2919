import { ExactSum } from './exactSum.js';

/**
 * A run of values with integer multiplicities (e.g. one chunk of an instance's TBT log). Weights are
 * 8-bit (a larger multiplicity is stored as several entries of the same value), which keeps a TBT
 * log entry at 9 bytes.
 */
export interface WeightedSegment {
  readonly values: Float64Array;
  readonly weights: Uint8Array;
  readonly length: number;
}

/** Largest weight one entry holds. */
export const MAX_ENTRY_WEIGHT = 0xff;

export interface WeightedSelection {
  /** Total weight (the size of the expanded sample). */
  readonly total: number;
  /** Exactly rounded sum of value × weight (each product rounded once, as before). */
  readonly sum: number;
  /** The value at each requested rank of the expanded sample, in the order the ranks were given. */
  readonly values: Float64Array;
}

/** Groups smaller than this are copied out and sorted; larger ones are split by the next digit. */
const GATHER_MAX = 1 << 14;

/**
 * The first pass's histogram has 24-bit digits (sign, exponent and 12 mantissa bits: buckets
 * 1/4096 of an octave wide), kept as one block of 4,096 buckets per (sign, exponent) that occurs.
 * Samples spanning more exponents than this fall back to 16-bit first digits (one flat histogram).
 */
const FINE_BITS = 24;
const MAX_BLOCKS = 128;
const BLOCK = 4096;

interface Group {
  /** Leading bits of the order-preserving key fixed so far (16 or 24, then 16 more a pass, up to 64). */
  bits: number;
  /** The fixed bits, as the high and low words of the key (bits below `bits` are zero). */
  ph: number;
  pl: number;
  /** Rank in the expanded sample of the group's first element. */
  base: number;
  count: number;
  /** Indices into the caller's rank list that fall in this group. */
  targets: number[];
  gatherV: Float64Array | undefined;
  gatherW: Float64Array | undefined;
  gatherK: Uint32Array | undefined;
  hist: Float64Array | undefined;
  cnt: Uint32Array | undefined;
  filled: number;
}

function newGroup(bits: number, ph: number, pl: number, base: number, count: number, targets: number[]): Group {
  return { bits, ph, pl, base, count, targets, gatherV: undefined, gatherW: undefined, gatherK: undefined, hist: undefined, cnt: undefined, filled: 0 };
}

/** The first pass's histogram: weights and entry counts per first digit, in the order of the keys. */
interface FirstLevel {
  readonly bits: number;
  /** 24-bit digits: the block (times BLOCK) of each 12-bit (sign, exponent) prefix, or -1. */
  readonly blockOf: Int32Array | undefined;
  readonly hist: Float64Array;
  readonly cnt: Uint32Array;
  readonly total: number;
  readonly sum: number;
}

/**
 * Exact order statistics of a weighted sample without sorting or copying it: a most-significant-digit
 * radix select on the IEEE-754 bit patterns (mapped to order-preserving unsigned keys, the same order
 * as an ascending sort with NaN last). One pass sums the sample exactly and builds a weight histogram
 * of the keys' top 24 bits (16 when the values span more than 128 binary exponents); each further pass
 * refines only the buckets that hold a requested rank (a look-up of the top digit rejects everything
 * else) by the next 16 bits, until a bucket has at most 16k entries (gathered and sorted) or all 64
 * bits are fixed. Usually two passes over the data (a 24-bit bucket of a latency-like sample holds a
 * few thousand entries), at most five, and memory independent of the sample size apart from the
 * gathered buckets and the first histogram (48 KB per binary exponent that occurs).
 * `ranksFor(total)` gives the wanted ranks once the total weight is known; each must be in [0, total).
 */
export function weightedSelect(segs: readonly WeightedSegment[], ranksFor: (total: number) => readonly number[]): WeightedSelection {
  const first = firstPass(segs, FINE_BITS) ?? (firstPass(segs, 16) as FirstLevel);
  const total = first.total;
  const ranks = ranksFor(total);
  const out = new Float64Array(ranks.length).fill(Number.NaN);
  const order = ranks.map((r, i) => i).sort((a, b) => (ranks[a] as number) - (ranks[b] as number));
  let groups = splitFirst(first, order, ranks, out);
  while (groups.length > 0) {
    for (const g of groups) {
      if (g.count <= GATHER_MAX) {
        g.gatherV = new Float64Array(g.count);
        g.gatherW = new Float64Array(g.count);
        g.gatherK = new Uint32Array(2 * g.count);
      } else {
        g.hist = new Float64Array(65536);
        g.cnt = new Uint32Array(65536);
      }
    }
    pass(segs, groups, first);
    const next: Group[] = [];
    for (const g of groups) {
      if (g.gatherV) solveGathered(g, ranks, out);
      else next.push(...split(g, g.hist as Float64Array, g.cnt as Uint32Array, ranks, out));
    }
    groups = next;
  }
  return { total, sum: first.sum, values: out };
}

/**
 * Pass 1: total weight, exact sum and the first digit's histogram; undefined when 24-bit digits
 * would need more than MAX_BLOCKS blocks (the caller then runs it again with 16-bit digits).
 */
function firstPass(segs: readonly WeightedSegment[], bits: number): FirstLevel | undefined {
  const c: FirstCounts =
    bits === 16
      ? { sum: new ExactSum(), total: 0, blockOf: undefined, hist: new Float64Array(65536), cnt: new Uint32Array(65536), used: 0 }
      : { sum: new ExactSum(), total: 0, blockOf: new Int32Array(4096).fill(-1), hist: new Float64Array(4 * BLOCK), cnt: new Uint32Array(4 * BLOCK), used: 0 };
  // One call per segment: the summary runs once per process, and a small function called many times
  // is optimised sooner and cheaper than one long loop waiting for on-stack replacement.
  for (const s of segs) {
    const total = bits === 16 ? countTop16(s, c) : countTop24(s, c);
    if (total < 0) return undefined;
    c.total += total;
  }
  return { bits, blockOf: c.blockOf, hist: c.hist, cnt: c.cnt, total: c.total, sum: c.sum.value() };
}

/** The first pass's running state (its arrays grow with the 24-bit digits' blocks). */
interface FirstCounts {
  readonly sum: ExactSum;
  total: number;
  readonly blockOf: Int32Array | undefined;
  hist: Float64Array;
  cnt: Uint32Array;
  /** Buckets in use (24-bit digits: BLOCK per block). */
  used: number;
}

/**
 * Pass 1 over one segment with 16-bit first digits; returns the segment's total weight (weights are
 * integers: the total is exact in any grouping). (Returned, not added to `c` here: the first call runs
 * its loop into on-stack replacement before ever reaching its end, and a property store there, with
 * no type feedback, deoptimised the function on every later call.)
 */
function countTop16(s: WeightedSegment, c: FirstCounts): number {
  const sum = c.sum;
  const hist = c.hist;
  const cnt = c.cnt;
  const u = words(s);
  const v = s.values;
  const w = s.weights;
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const wi = w[i] as number;
    sum.add((v[i] as number) * wi);
    const d = mapHi(u[2 * i + 1] as number) >>> 16;
    hist[d] = (hist[d] as number) + wi;
    cnt[d] = (cnt[d] as number) + 1;
    total += wi;
  }
  return total;
}

/** `countTop16` with 24-bit first digits; -1 when they would need more than MAX_BLOCKS blocks. */
function countTop24(s: WeightedSegment, c: FirstCounts): number {
  const sum = c.sum;
  const blockOf = c.blockOf as Int32Array;
  let hist = c.hist;
  let cnt = c.cnt;
  const u = words(s);
  const v = s.values;
  const w = s.weights;
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const wi = w[i] as number;
    sum.add((v[i] as number) * wi);
    const h = mapHi(u[2 * i + 1] as number);
    let b = blockOf[h >>> 20] as number;
    if (b < 0) {
      // A (sign, exponent) prefix not seen before: rare, and kept out of this loop so that the loop's
      // optimised code has no path without type feedback (each such path cost a deoptimisation).
      b = newBlock(c, h >>> 20);
      if (b < 0) return -1;
      hist = c.hist;
      cnt = c.cnt;
    }
    const d = b | ((h >>> 8) & 0xfff);
    hist[d] = (hist[d] as number) + wi;
    cnt[d] = (cnt[d] as number) + 1;
    total += wi;
  }
  return total;
}

/** Gives the 12-bit prefix `top12` its block of 4,096 buckets (growing the arrays); -1 past MAX_BLOCKS. */
function newBlock(c: FirstCounts, top12: number): number {
  const used = c.used;
  if (used === MAX_BLOCKS * BLOCK) return -1;
  if (used === c.hist.length) {
    const h2 = new Float64Array(2 * used);
    h2.set(c.hist);
    c.hist = h2;
    const c2 = new Uint32Array(2 * used);
    c2.set(c.cnt);
    c.cnt = c2;
  }
  (c.blockOf as Int32Array)[top12] = used;
  c.used = used + BLOCK;
  return used;
}

/** The first digit's buckets that hold the targets, walked in key order. */
function splitFirst(first: FirstLevel, order: number[], ranks: readonly number[], out: Float64Array): Group[] {
  const root = newGroup(0, 0, 0, 0, 0, order);
  if (first.blockOf === undefined) return split(root, first.hist, first.cnt, ranks, out, 16);
  // 24-bit digits: blocks in the order of their 12-bit prefixes, each a 4,096-bucket histogram.
  const groups: Group[] = [];
  let acc = 0;
  let ti = 0;
  for (let e = 0; e < 4096 && ti < order.length; e++) {
    const b = first.blockOf[e] as number;
    if (b < 0) continue;
    const blockGroup = newGroup(12, (e << 20) >>> 0, 0, acc, 0, []);
    let weight = 0;
    for (let k = 0; k < BLOCK; k++) weight += first.hist[b + k] as number;
    // Only blocks holding a target are split (and their targets handed over).
    while (ti < order.length && (ranks[order[ti] as number] as number) < acc + weight) blockGroup.targets.push(order[ti++] as number);
    if (blockGroup.targets.length > 0) {
      groups.push(...split(blockGroup, first.hist.subarray(b, b + BLOCK), first.cnt.subarray(b, b + BLOCK), ranks, out, 12));
    }
    acc += weight;
  }
  return groups;
}

function words(s: WeightedSegment): Uint32Array {
  return new Uint32Array(s.values.buffer, s.values.byteOffset, 2 * s.length);
}

/** Order-preserving map of a double's high word (negatives: all bits flipped; others: sign bit set). */
function mapHi(h: number): number {
  return (h & 0x80000000 ? ~h : h | 0x80000000) >>> 0;
}

function mapLo(h: number, l: number): number {
  return (h & 0x80000000 ? ~l : l) >>> 0;
}

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

function fromKey(kh: number, kl: number): number {
  if (kh & 0x80000000) {
    scratchWords[1] = (kh & 0x7fffffff) >>> 0;
    scratchWords[0] = kl;
  } else {
    scratchWords[1] = ~kh >>> 0;
    scratchWords[0] = ~kl >>> 0;
  }
  return scratch[0] as number;
}

/** The masks of the key's first `bits` bits, in its high and low words. */
function maskHi(bits: number): number {
  return bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function maskLo(bits: number): number {
  return bits <= 32 ? 0 : bits >= 64 ? 0xffffffff : (0xffffffff << (64 - bits)) >>> 0;
}

/** The `width`-bit digit of the key (h, l) that follows its first `bits` bits. */
function digitOf(h: number, l: number, bits: number, width: number): number {
  const shift = 64 - bits - width;
  const mask = (1 << width) - 1;
  if (shift >= 32) return (h >>> (shift - 32)) & mask;
  if (shift + width <= 32) return (l >>> shift) & mask;
  return ((h << (32 - shift)) | (l >>> shift)) & mask;
}

/** One pass over all elements: each element of a live group is gathered or counted in its histogram. */
function pass(segs: readonly WeightedSegment[], groups: readonly Group[], first: FirstLevel): void {
  const ng = groups.length;
  const bits = (groups[0] as Group).bits;
  const width = Math.min(16, 64 - bits);
  const mh = maskHi(bits);
  const ml = maskLo(bits);
  // Most elements fall in no live group: reject them with one look-up of their first digit.
  const blockOf = first.blockOf;
  const live = new Uint8Array(blockOf ? first.hist.length : 65536);
  const gh = new Uint32Array(ng);
  const gl = new Uint32Array(ng);
  groups.forEach((g, i) => {
    live[blockOf ? (blockOf[g.ph >>> 20] as number) | ((g.ph >>> 8) & 0xfff) : g.ph >>> 16] = 1;
    gh[i] = g.ph;
    gl[i] = g.pl;
  });
  const p: PassState = { groups, bits, width, mh, ml, blockOf, live, gh, gl };
  // One call per segment, as in the first pass.
  for (const s of segs) passSegment(s, p);
}

interface PassState {
  readonly groups: readonly Group[];
  readonly bits: number;
  readonly width: number;
  readonly mh: number;
  readonly ml: number;
  readonly blockOf: Int32Array | undefined;
  readonly live: Uint8Array;
  readonly gh: Uint32Array;
  readonly gl: Uint32Array;
}

/** `pass` over one segment. */
function passSegment(s: WeightedSegment, p: PassState): void {
  const { groups, bits, width, mh, ml, blockOf, live, gh, gl } = p;
  const ng = groups.length;
  const u = words(s);
  const v = s.values;
  const w = s.weights;
  for (let i = 0; i < s.length; i++) {
    const rh = u[2 * i + 1] as number;
    const h = mapHi(rh);
    if (live[blockOf ? (blockOf[h >>> 20] as number) | ((h >>> 8) & 0xfff) : h >>> 16] === 0) continue;
    const l = mapLo(rh, u[2 * i] as number);
    const ph = (h & mh) >>> 0;
    const pl = (l & ml) >>> 0;
    for (let gi = 0; gi < ng; gi++) {
      if (gh[gi] !== ph || gl[gi] !== pl) continue;
      const g = groups[gi] as Group;
      if (g.gatherV) {
        const f = g.filled++;
        g.gatherV[f] = v[i] as number;
        (g.gatherW as Float64Array)[f] = w[i] as number;
        (g.gatherK as Uint32Array)[2 * f] = h;
        (g.gatherK as Uint32Array)[2 * f + 1] = l;
      } else {
        const d = digitOf(h, l, bits, width);
        (g.hist as Float64Array)[d] = ((g.hist as Float64Array)[d] as number) + (w[i] as number);
        (g.cnt as Uint32Array)[d] = ((g.cnt as Uint32Array)[d] as number) + 1;
      }
      break;
    }
  }
}

/**
 * Splits a group by its next digit's histogram (`width` bits; 16 by default, fewer at the end of the
 * key) into the buckets that hold its targets.
 */
function split(g: Group, hist: Float64Array, cnt: Uint32Array, ranks: readonly number[], out: Float64Array, width = Math.min(16, 64 - g.bits)): Group[] {
  const groups: Group[] = [];
  let acc = g.base;
  let b = 0;
  let ti = 0;
  const bits = g.bits + width;
  const shift = 64 - bits;
  const buckets = 1 << width;
  while (ti < g.targets.length && b < buckets) {
    const wb = hist[b] as number;
    const r = ranks[g.targets[ti] as number] as number;
    if (r >= acc + wb) {
      acc += wb;
      b++;
      continue;
    }
    // Bucket b holds rank r (and possibly the next targets too).
    let ph = g.ph;
    let pl = g.pl;
    if (shift >= 32) ph = (ph | (b << (shift - 32))) >>> 0;
    else if (shift + width <= 32) pl = (pl | (b << shift)) >>> 0;
    else {
      ph = (ph | (b >>> (32 - shift))) >>> 0;
      pl = (pl | (b << shift)) >>> 0;
    }
    const ng = newGroup(bits, ph, pl, acc, cnt[b] as number, []);
    while (ti < g.targets.length && (ranks[g.targets[ti] as number] as number) < acc + wb) ng.targets.push(g.targets[ti++] as number);
    if (bits === 64) for (const t of ng.targets) out[t] = fromKey(ph, pl);
    else groups.push(ng);
    acc += wb;
    b++;
  }
  return groups;
}

/** Sorts a gathered group by key and reads its targets off the cumulative weights. */
function solveGathered(g: Group, ranks: readonly number[], out: Float64Array): void {
  const k = g.gatherK as Uint32Array;
  const v = g.gatherV as Float64Array;
  const w = g.gatherW as Float64Array;
  const idx = new Uint32Array(g.count);
  for (let i = 0; i < g.count; i++) idx[i] = i;
  idx.sort((a, b) => (k[2 * a] as number) - (k[2 * b] as number) || (k[2 * a + 1] as number) - (k[2 * b + 1] as number));
  let acc = g.base;
  let ti = 0;
  for (let j = 0; j < g.count && ti < g.targets.length; j++) {
    const i = idx[j] as number;
    acc += w[i] as number;
    while (ti < g.targets.length && (ranks[g.targets[ti] as number] as number) < acc) out[g.targets[ti++] as number] = v[i] as number;
  }
}
