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

interface Group {
  /** 16-bit digits of the order-preserving key fixed so far (1..4). */
  depth: number;
  /** The fixed digits, as the high and low words of the key under the depth's masks. */
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

function newGroup(depth: number, ph: number, pl: number, base: number, count: number, targets: number[]): Group {
  return { depth, ph, pl, base, count, targets, gatherV: undefined, gatherW: undefined, gatherK: undefined, hist: undefined, cnt: undefined, filled: 0 };
}

const MASK_HI = [0, 0xffff0000, 0xffffffff, 0xffffffff];
const MASK_LO = [0, 0, 0, 0xffff0000];

/**
 * Exact order statistics of a weighted sample without sorting or copying it: a most-significant-digit
 * radix select on the IEEE-754 bit patterns (mapped to order-preserving unsigned keys, the same order
 * as an ascending sort with NaN last). One pass builds a weight histogram of the top 16 bits; each
 * further pass refines only the buckets that hold a requested rank, until a bucket is small enough to
 * sort or its 64 bits are all fixed. At most four passes over the data, typically two or three, and
 * memory independent of the sample size apart from the (small) gathered buckets.
 * `ranksFor(total)` gives the wanted ranks once the total weight is known; each must be in [0, total).
 */
export function weightedSelect(segs: readonly WeightedSegment[], ranksFor: (total: number) => readonly number[]): WeightedSelection {
  const hist = new Float64Array(65536);
  const cnt = new Uint32Array(65536);
  const sum = new ExactSum();
  let total = 0;
  for (const s of segs) {
    const u = words(s);
    const v = s.values;
    const w = s.weights;
    for (let i = 0; i < s.length; i++) {
      const wi = w[i] as number;
      sum.add((v[i] as number) * wi);
      const h = mapHi(u[2 * i + 1] as number);
      const d = h >>> 16;
      hist[d] = (hist[d] as number) + wi;
      cnt[d] = (cnt[d] as number) + 1;
      total += wi;
    }
  }
  const ranks = ranksFor(total);
  const out = new Float64Array(ranks.length).fill(Number.NaN);
  const order = ranks.map((r, i) => i).sort((a, b) => (ranks[a] as number) - (ranks[b] as number));
  let groups = split(newGroup(0, 0, 0, 0, 0, order), hist, cnt, ranks, out);
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
    pass(segs, groups);
    const next: Group[] = [];
    for (const g of groups) {
      if (g.gatherV) solveGathered(g, ranks, out);
      else next.push(...split(g, g.hist as Float64Array, g.cnt as Uint32Array, ranks, out));
    }
    groups = next;
  }
  return { total, sum: sum.value(), values: out };
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

/** One pass over all elements: each element of a live group is gathered or counted in its histogram. */
function pass(segs: readonly WeightedSegment[], groups: readonly Group[]): void {
  const ng = groups.length;
  const depth = (groups[0] as Group).depth;
  const mh = MASK_HI[depth] as number;
  const ml = MASK_LO[depth] as number;
  // Most elements fall in no live group: reject them with one lookup of their top digit.
  const live = new Uint8Array(65536);
  const gh = new Uint32Array(ng);
  const gl = new Uint32Array(ng);
  groups.forEach((g, i) => {
    live[g.ph >>> 16] = 1;
    gh[i] = g.ph;
    gl[i] = g.pl;
  });
  for (const s of segs) {
    const u = words(s);
    const v = s.values;
    const w = s.weights;
    for (let i = 0; i < s.length; i++) {
      const rh = u[2 * i + 1] as number;
      const h = mapHi(rh);
      if (live[h >>> 16] === 0) continue;
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
          const d = depth === 1 ? h & 0xffff : depth === 2 ? l >>> 16 : l & 0xffff;
          (g.hist as Float64Array)[d] = ((g.hist as Float64Array)[d] as number) + (w[i] as number);
          (g.cnt as Uint32Array)[d] = ((g.cnt as Uint32Array)[d] as number) + 1;
        }
        break;
      }
    }
  }
}

/** Splits a group by its next digit's histogram into the buckets that hold its targets. */
function split(g: Group, hist: Float64Array, cnt: Uint32Array, ranks: readonly number[], out: Float64Array): Group[] {
  const groups: Group[] = [];
  let acc = g.base;
  let b = 0;
  let ti = 0;
  const depth = g.depth + 1;
  while (ti < g.targets.length && b < 65536) {
    const wb = hist[b] as number;
    const r = ranks[g.targets[ti] as number] as number;
    if (r >= acc + wb) {
      acc += wb;
      b++;
      continue;
    }
    // Bucket b holds rank r (and possibly the next targets too).
    const ph = depth === 1 ? (b << 16) >>> 0 : depth === 2 ? (g.ph | b) >>> 0 : g.ph;
    const pl = depth <= 2 ? 0 : depth === 3 ? (b << 16) >>> 0 : (g.pl | b) >>> 0;
    const ng = newGroup(depth, ph, pl, acc, cnt[b] as number, []);
    while (ti < g.targets.length && (ranks[g.targets[ti] as number] as number) < acc + wb) ng.targets.push(g.targets[ti++] as number);
    if (depth === 4) for (const t of ng.targets) out[t] = fromKey(ph, pl);
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
