import { ExactSum } from './exactSum.js';
import { floydRivest, multiSelect } from './select.js';

/** Receives the values of a sample, one at a time; `visit` feeds it the same values on every call. */
export interface ValueSink {
  push(x: number): void;
}

/**
 * Sample size that steers the windows: about 64·√n values (n = 10⁷: 200k). A window spans about
 * ±3√m sample values (6 standard deviations of a rank's position in the sample), so it holds about
 * 6n/√m ≈ n^¾/10 values: 1.3% of ten million.
 */
function sampleSize(n: number): number {
  return Math.min(1 << 20, Math.max(1 << 12, Math.ceil(64 * Math.sqrt(n))));
}

/**
 * Exact order statistics of a sample that is cheaper to produce twice than to hold: values computed
 * from a table (a latency = one column minus another), visited in a fixed order. Pass 1 counts them,
 * sums them exactly and keeps a strided sample; the sample gives, for each wanted rank, a window of
 * values [lo, hi] that holds that rank with overwhelming probability (the Floyd–Rivest idea). Pass 2
 * counts the values below each window and copies the ones inside it. If a window misses its rank
 * (possible only for adversarial orders), a third pass copies the whole sample and selects there, so
 * the result is exact in every case. Memory: the windows, a few percent of the sample at most.
 *
 * Returns the mean (exactly rounded sum / count; NaN when empty or any value is NaN) and, for each
 * rank, its value in ascending order (NaNs last, as `Float64Array.prototype.sort` orders them).
 */
export function streamOrderStatistics(
  upperBound: number,
  visit: (sink: ValueSink) => void,
  ranksFor: (count: number) => readonly number[],
): { count: number; mean: number; values: Float64Array } {
  const s = new StreamOrderStatistics(upperBound, ranksFor);
  do visit(s);
  while (s.endPass());
  return s.result();
}

/**
 * The same as a sink the caller drives, so that several samples produced by one loop share its
 * passes: push every value, call `endPass()`, and repeat the loop while it returns true (at most
 * three passes); then read `result()`.
 */
export class StreamOrderStatistics implements ValueSink {
  private readonly sink: StreamSink;
  private pass = 0;
  private ranks: readonly number[] = [];
  private wanted: number[] = [];
  private out: { count: number; mean: number; values: Float64Array } | undefined;

  constructor(
    upperBound: number,
    private readonly ranksFor: (count: number) => readonly number[],
  ) {
    this.sink = new StreamSink(upperBound);
  }

  push(x: number): void {
    this.sink.push(x);
  }

  /** Ends a pass over the values; true when another identical pass is needed. */
  endPass(): boolean {
    const s = this.sink;
    if (s.mode === DONE) return false;
    this.pass++;
    if (this.pass === 1) {
      const count = s.count;
      this.ranks = this.ranksFor(count);
      const finite = count - s.nans;
      const mean = count > 0 ? (s.nans > 0 ? Number.NaN : s.sum.value() / count) : Number.NaN;
      this.out = { count, mean, values: new Float64Array(this.ranks.length).fill(Number.NaN) };
      this.wanted = [...new Set(this.ranks.filter((r) => r >= 0 && r < finite))].sort((a, b) => a - b);
      if (this.wanted.length === 0) return this.finish();
      s.plan(this.wanted, finite);
      return true;
    }
    if (this.pass === 2) {
      if (s.solve(this.wanted)) return this.finish();
      s.startCopy((this.out as { count: number }).count - s.nans);
      return true;
    }
    // The fallback: the whole sample in memory, as a plain multi-select.
    const all = s.copy as Float64Array;
    multiSelect(all, this.wanted);
    for (const r of this.wanted) s.answers.set(r, all[r] as number);
    return this.finish();
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

const OBSERVE = 0;
const GATHER = 1;
const COPY = 2;
const DONE = 3;

class StreamSink implements ValueSink {
  mode = OBSERVE;
  count = 0;
  nans = 0;
  readonly sum = new ExactSum();
  private readonly stride: number;
  /** Values until the next one is sampled (a countdown instead of a division per value). */
  private toSample = 0;
  private sample: number[] = [];
  /** Windows, ascending and disjoint: [lo[j], hi[j]] with the values inside each. */
  private lo = new Float64Array(0);
  private hi = new Float64Array(0);
  /** Values below window j but not below window j - 1 (summed into the counts below each window by `solve`). */
  private belowOnly = new Float64Array(0);
  private inside: number[][] = [];
  copy: Float64Array | undefined;
  private copied = 0;
  readonly answers = new Map<number, number>();

  constructor(upperBound: number) {
    this.stride = Math.max(1, Math.floor(upperBound / sampleSize(upperBound)));
  }

  push(x: number): void {
    if (this.mode === OBSERVE) {
      if (x !== x) {
        this.nans++;
        this.count++;
        return;
      }
      if (this.toSample === 0) {
        this.sample.push(x);
        this.toSample = this.stride;
      }
      this.toSample--;
      this.count++;
      this.sum.add(x);
    } else if (this.mode === GATHER) {
      if (x !== x) return;
      const lo = this.lo;
      for (let j = 0; j < lo.length; j++) {
        if (x < (lo[j] as number)) {
          this.belowOnly[j] = (this.belowOnly[j] as number) + 1;
          return;
        }
        if (x <= (this.hi[j] as number)) {
          (this.inside[j] as number[]).push(x);
          return;
        }
      }
    } else if (this.mode === COPY && x === x) (this.copy as Float64Array)[this.copied++] = x;
  }

  /** Windows around each wanted rank from the sorted sample, merged where they overlap. */
  plan(wanted: readonly number[], finite: number): void {
    const smp = Float64Array.from(this.sample).sort();
    this.sample = [];
    const m = smp.length;
    const los: number[] = [];
    const his: number[] = [];
    for (const r of wanted) {
      const at = ((r + 0.5) / finite) * m;
      const margin = 3 * Math.sqrt(m) + 8;
      const a = Math.floor(at - margin);
      const b = Math.ceil(at + margin);
      const lo = a < 0 ? Number.NEGATIVE_INFINITY : (smp[a] as number);
      const hi = b >= m ? Number.POSITIVE_INFINITY : (smp[b] as number);
      const last = los.length - 1;
      if (last >= 0 && lo <= (his[last] as number)) his[last] = Math.max(his[last] as number, hi);
      else {
        los.push(lo);
        his.push(hi);
      }
    }
    this.lo = Float64Array.from(los);
    this.hi = Float64Array.from(his);
    this.belowOnly = new Float64Array(los.length);
    this.inside = los.map(() => []);
    this.mode = GATHER;
  }

  /** Places each wanted rank in its window; false when one fell outside every window. */
  solve(wanted: readonly number[]): boolean {
    const wins = this.inside.map((xs) => Float64Array.from(xs));
    this.inside = [];
    // Values below window j: those below it only, plus everything below or inside the windows before it.
    const below = new Float64Array(wins.length);
    let acc = 0;
    for (let j = 0; j < wins.length; j++) {
      acc += this.belowOnly[j] as number;
      below[j] = acc;
      acc += (wins[j] as Float64Array).length;
    }
    for (const r of wanted) {
      let ok = false;
      for (let j = 0; j < wins.length; j++) {
        const w = wins[j] as Float64Array;
        const k = r - (below[j] as number);
        if (k >= 0 && k < w.length) {
          floydRivest(w, k, 0, w.length - 1);
          this.answers.set(r, w[k] as number);
          ok = true;
          break;
        }
      }
      if (!ok) return false;
    }
    return true;
  }

  startCopy(finite: number): void {
    this.copy = new Float64Array(finite);
    this.copied = 0;
    this.answers.clear();
    this.mode = COPY;
  }
}
