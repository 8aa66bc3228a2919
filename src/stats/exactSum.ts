/**
 * Correctly rounded floating-point sums (Shewchuk's algorithm, as Python's `math.fsum`): the result
 * is the exact sum of the inputs rounded once, so it does not depend on the order in which values
 * are added. Means computed from it are therefore the same whether samples are gathered in arrival
 * order, completion order or per instance. Non-finite inputs are summed naively (any NaN gives NaN).
 */
const BITS_F64 = new Float64Array(1);
const BITS_U32 = new Uint32Array(BITS_F64.buffer);
/**
 * Exponent fields from here up (values of 2^900 and more, infinities, NaN) take the general path,
 * in their order, as before: so the buckets' sums stay far from overflow, and a sum that overflows
 * does so as it always did. Subnormals (e = 0) split like e = 1.
 */
const FAST_EXPONENT_LIMIT = 1923;
/** (x + SPLIT[e]) - SPLIT[e] rounds x, |x| < 2^(e-1022), to a multiple of 2^27·2^(e-1075), exactly. */
const SPLIT = new Float64Array(FAST_EXPONENT_LIMIT).map((_, e) => 1.5 * 2 ** (Math.max(e, 1) - 996));
/** Additions after which the buckets are folded: each bucket's two sums stay exact up to 2^26 inputs. */
const FOLD_EVERY = 1 << 26;

export class ExactSum {
  /**
   * Non-overlapping partial sums, smallest magnitude first: a few for ordinary data, but up to about
   * 2,100 (one per bit of the double range) in the worst case, so the array grows when needed.
   */
  private partials = new Float64Array(64);
  private n = 0;
  private special = 0;
  private hasSpecial = false;
  /**
   * The fast path: per binary exponent e of the inputs, two exact accumulators. An input x with
   * exponent e is a multiple of u = 2^(e-1075) below 2^53·u; it is split exactly into a multiple of
   * 2^27·u (added to `high[e]`) and a remainder below 2^26·u (added to `low[e]`). Both sums stay
   * exactly representable for 2^26 additions, after which (and in `value`) the buckets are folded
   * into the partials. So the total stays exact while most additions cost a few flops.
   */
  private readonly high = new Float64Array(2048);
  private readonly low = new Float64Array(2048);
  private pending = 0;
  /** A non-zero finite input went to the buckets: the exact sum is then never -0. */
  private fastUsed = false;

  add(x: number): void {
    BITS_F64[0] = x;
    const e = (BITS_U32[1] as number) >>> 20 & 0x7ff;
    if (e >= FAST_EXPONENT_LIMIT || x === 0) {
      // Non-finite or huge inputs, and zeros (whose sign the general path keeps exactly as before).
      this.addPartial(x);
      return;
    }
    this.fastUsed = true;
    const sigma = SPLIT[e] as number;
    const h = x + sigma - sigma;
    this.high[e] = (this.high[e] as number) + h;
    this.low[e] = (this.low[e] as number) + (x - h);
    if (++this.pending === FOLD_EVERY) this.fold();
  }

  private fold(): void {
    const hi = this.high;
    const lo = this.low;
    for (let e = 0; e < FAST_EXPONENT_LIMIT; e++) {
      const a = hi[e] as number;
      const b = lo[e] as number;
      if (a !== 0) {
        this.addPartial(a);
        hi[e] = 0;
      }
      if (b !== 0) {
        this.addPartial(b);
        lo[e] = 0;
      }
    }
    this.pending = 0;
  }

  /** Shewchuk's grow-expansion step. */
  private addPartial(x: number): void {
    if (!Number.isFinite(x)) {
      this.special += x;
      this.hasSpecial = true;
      return;
    }
    if (this.n === this.partials.length) {
      const grown = new Float64Array(2 * this.n);
      grown.set(this.partials);
      this.partials = grown;
    }
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < this.n; j++) {
      let y = p[j] as number;
      if (Math.abs(x) < Math.abs(y)) {
        const s = x;
        x = y;
        y = s;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p[i] = x;
    this.n = i + 1;
  }

  /** The exactly rounded sum of everything added so far. */
  value(): number {
    if (this.pending > 0) this.fold();
    if (this.hasSpecial) return this.special;
    const p = this.partials;
    let n = this.n;
    if (n === 0) return 0;
    let hi = p[--n] as number;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n] as number;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even across the remaining partials (as math.fsum does).
    if (n > 0 && ((lo < 0 && (p[n - 1] as number) < 0) || (lo > 0 && (p[n - 1] as number) > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    // Shewchuk's sum is -0 only when every input is -0; cancelling buckets must not leave a -0 behind.
    return hi === 0 && this.fastUsed ? 0 : hi;
  }
}

/** Exactly rounded sum of `xs[0..n)`. */
export function exactSum(xs: ArrayLike<number>, n = xs.length): number {
  const s = new ExactSum();
  for (let i = 0; i < n; i++) s.add(xs[i] as number);
  return s.value();
}
