import { ExactSum } from './exactSum.js';
import { multiSelect } from './select.js';

/** Receives the values of a sample, one at a time; `visit` feeds it the same values on every call. */
export interface ValueSink {
  push(x: number): void;
}

/**
 * Exact order statistics of a sample that is cheaper to produce twice than to hold: values computed
 * from a table (a latency = one column minus another), visited in a fixed order. A most-significant-
 * digit radix select on the values' IEEE-754 bits (mapped to order-preserving keys: the order of an
 * ascending `Float64Array` sort, -0 before +0, NaN excluded and counted apart). Pass 1 counts the
 * values, sums them exactly and builds a count histogram of the keys' top 16 bits; the histogram
 * says which bucket holds each wanted rank and how many values lie below it. Pass 2 copies the
 * values of those buckets (one table look-up rejects every other value) and the rank is selected
 * among them; a bucket larger than a quarter of the sample is instead split by its next 16 bits, and
 * so on: at most four passes, two unless one 16-bit bucket holds more than a quarter of the values.
 *
 * The caller drives it, so that several samples produced by one loop share its passes: push every
 * value, call `endPass()`, and repeat the loop while it returns true; then `result()` gives the mean
 * (exactly rounded sum / count; NaN when empty or any value is NaN) and, for each rank, its value in
 * ascending order (NaNs last, as `Float64Array.prototype.sort` orders them).
 */
export class StreamOrderStatistics implements ValueSink {
  private readonly sink = new StreamSink();
  private pass = 0;
  private ranks: readonly number[] = [];
  private out: { count: number; mean: number; values: Float64Array } | undefined;

  constructor(private readonly ranksFor: (count: number) => readonly number[]) {}

  push(x: number): void {
    this.sink.push(x);
  }

  /** Ends a pass over the values; true when another identical pass is needed. */
  endPass(): boolean {
    const s = this.sink;
    s.flush();
    if (s.mode === DONE) return false;
    this.pass++;
    if (this.pass === 1) {
      const count = s.count;
      this.ranks = this.ranksFor(count);
      const finite = count - s.nans;
      const mean = count > 0 ? (s.nans > 0 ? Number.NaN : s.sum.value() / count) : Number.NaN;
      this.out = { count, mean, values: new Float64Array(this.ranks.length).fill(Number.NaN) };
      const wanted = [...new Set(this.ranks.filter((r) => r >= 0 && r < finite))].sort((a, b) => a - b);
      if (!s.plan(wanted, finite)) return this.finish();
      return true;
    }
    if (!s.solve()) return this.finish();
    return true;
  }

  private finish(): false {
    this.sink.mode = DONE;
    const out = this.out as { values: Float64Array };
    this.ranks.forEach((r, i) => {
      const v = this.sink.answers.get(r);
      if (v !== undefined) out.values[i] = v;
    });
    return false;
  }

  result(): { count: number; mean: number; values: Float64Array } {
    if (this.sink.mode !== DONE) throw new Error('StreamOrderStatistics: result() before the last pass ended');
    return this.out as { count: number; mean: number; values: Float64Array };
  }
}

/** Values `StreamSink` buffers before handling them. */
const BUFFER = 1024;
const OBSERVE = 0;
const SELECT = 1;
const DONE = 2;

const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);
/** The bits of the key fixed by each depth (16-bit digits), as masks of its high and low words. */
const MASK_HI = [0, 0xffff0000, 0xffffffff, 0xffffffff];
const MASK_LO = [0, 0, 0, 0xffff0000];

/** A bucket of keys sharing their first `depth` digits, holding at least one wanted rank. */
interface Group {
  readonly ph: number;
  readonly pl: number;
  /** Values below the bucket. */
  readonly base: number;
  readonly count: number;
  /** Wanted ranks in the bucket, ascending. */
  readonly targets: number[];
  /** The bucket's values, copied in the next pass (small buckets), or */
  gathered: Float64Array | undefined;
  filled: number;
  /** the histogram of its next digit (large buckets). */
  hist: Uint32Array | undefined;
}

class StreamSink implements ValueSink {
  mode = OBSERVE;
  count = 0;
  nans = 0;
  readonly sum = new ExactSum();
  /** Pass 1: counts of the keys' top 16 bits (their top 8 bits' counts are summed from it in `plan`). */
  private top: Uint32Array | undefined = new Uint32Array(65536);
  /** The live groups of this pass, all with `depth` digits fixed; `live[d]` marks their top digits. */
  private groups: Group[] = [];
  private depth = 0;
  private live = new Uint8Array(0);
  private gatherMax = 0;
  readonly answers = new Map<number, number>();

  /**
   * Values are buffered and handled a block at a time by `flush`: this method is small enough to be
   * inlined where it is called, so a double pushed is stored as it is, not boxed for a call.
   */
  push(x: number): void {
    const k = this.buffered;
    this.buffer[k] = x;
    this.buffered = k + 1;
    if (k + 1 === BUFFER) this.flush();
  }
  private readonly buffer = new Float64Array(BUFFER);
  private buffered = 0;

  /** Handles the buffered values (in the order pushed); `endPass` calls it before the pass ends. */
  flush(): void {
    const n = this.buffered;
    this.buffered = 0;
    const buf = this.buffer;
    const observe = this.mode === OBSERVE;
    if (!observe && this.mode !== SELECT) return;
    for (let i = 0; i < n; i++) {
      const x = buf[i] as number;
      if (x !== x) {
        if (observe) {
          this.nans++;
          this.count++;
        }
        continue;
      }
      BITS[0] = x;
      const rh = WORDS[1] as number;
      const h = (rh & 0x80000000 ? ~rh : rh | 0x80000000) >>> 0;
      if (observe) {
        this.count++;
        this.sum.add(x);
        const top = this.top as Uint32Array;
        top[h >>> 16] = (top[h >>> 16] as number) + 1;
        continue;
      }
      if (this.live[h >>> 16] === 0) continue;
      const l = (rh & 0x80000000 ? ~(WORDS[0] as number) : (WORDS[0] as number)) >>> 0;
      const depth = this.depth;
      const ph = (h & (MASK_HI[depth] as number)) >>> 0;
      const pl = (l & (MASK_LO[depth] as number)) >>> 0;
      const groups = this.groups;
      for (let gi = 0; gi < groups.length; gi++) {
        const g = groups[gi] as Group;
        if (g.ph !== ph || g.pl !== pl) continue;
        if (g.gathered) g.gathered[g.filled++] = x;
        else {
          const d = depth === 1 ? h & 0xffff : depth === 2 ? l >>> 16 : l & 0xffff;
          const hist = g.hist as Uint32Array;
          hist[d] = (hist[d] as number) + 1;
        }
        break;
      }
    }
  }

  /** After pass 1: the buckets holding the wanted ranks; false when nothing is wanted. */
  plan(wanted: readonly number[], finite: number): boolean {
    const top = this.top as Uint32Array;
    this.top = undefined;
    if (wanted.length === 0) return false;
    // Counts of the top 8 bits, so that the walk to a rank skips 256 buckets a step.
    const top8 = coarseCounts(top);
    this.gatherMax = Math.max(1 << 16, finite >>> 2);
    const root: Group = { ph: 0, pl: 0, base: 0, count: finite, targets: [...wanted], gathered: undefined, filled: 0, hist: top };
    return this.next([root], 0, top8);
  }

  /** After a later pass: answers from the gathered buckets, the split ones refined; false when all are answered. */
  solve(): boolean {
    const refine: Group[] = [];
    for (const g of this.groups) {
      if (!g.gathered) {
        refine.push(g);
        continue;
      }
      const v = g.gathered;
      multiSelect(
        v,
        g.targets.map((r) => r - g.base),
      );
      for (const r of g.targets) this.answers.set(r, v[r - g.base] as number);
      g.gathered = undefined;
    }
    return this.next(refine, this.depth);
  }

  /** Splits each group by its next digit's histogram into the buckets that hold its targets. */
  private next(parents: readonly Group[], depth: number, coarse?: Uint32Array): boolean {
    const d = depth + 1;
    const groups: Group[] = [];
    for (const g of parents) {
      const hist = g.hist as Uint32Array;
      let acc = g.base;
      let b = 0;
      let ti = 0;
      while (ti < g.targets.length) {
        // (The root's walk passes 256 buckets at once while they all lie below the next target.)
        if (coarse !== undefined && (b & 0xff) === 0 && (g.targets[ti] as number) >= acc + (coarse[b >>> 8] as number)) {
          acc += coarse[b >>> 8] as number;
          b += 256;
          continue;
        }
        const c = hist[b] as number;
        if ((g.targets[ti] as number) >= acc + c) {
          acc += c;
          b++;
          continue;
        }
        const ph = d === 1 ? (b << 16) >>> 0 : d === 2 ? (g.ph | b) >>> 0 : g.ph;
        const pl = d <= 2 ? 0 : d === 3 ? (b << 16) >>> 0 : (g.pl | b) >>> 0;
        const targets: number[] = [];
        while (ti < g.targets.length && (g.targets[ti] as number) < acc + c) targets.push(g.targets[ti++] as number);
        if (d === 4) {
          // All 64 bits fixed: the bucket is one value.
          for (const r of targets) this.answers.set(r, fromKey(ph, pl));
        } else {
          const small = c <= this.gatherMax;
          groups.push({
            ph,
            pl,
            base: acc,
            count: c,
            targets,
            gathered: small ? new Float64Array(c) : undefined,
            filled: 0,
            hist: small ? undefined : new Uint32Array(65536),
          });
        }
        acc += c;
        b++;
      }
    }
    this.groups = groups;
    this.depth = d;
    if (groups.length === 0) return false;
    this.live = new Uint8Array(65536);
    for (const g of groups) this.live[g.ph >>> 16] = 1;
    this.mode = SELECT;
    return true;
  }
}

/**
 * Counts of the top 8 bits from those of the top 16. (A function of its own: a long loop in `plan`
 * ran into on-stack replacement on the first call, and the code after it, without type feedback,
 * then deoptimised `plan` on every call.)
 */
function coarseCounts(top: Uint32Array): Uint32Array {
  const top8 = new Uint32Array(256);
  for (let b = 0; b < 65536; b++) top8[b >>> 8] = (top8[b >>> 8] as number) + (top[b] as number);
  return top8;
}

/** The double whose order-preserving key is (kh, kl). */
function fromKey(kh: number, kl: number): number {
  if (kh & 0x80000000) {
    WORDS[1] = (kh & 0x7fffffff) >>> 0;
    WORDS[0] = kl;
  } else {
    WORDS[1] = ~kh >>> 0;
    WORDS[0] = ~kl >>> 0;
  }
  return BITS[0] as number;
}
