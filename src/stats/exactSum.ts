/**
 * Correctly rounded floating-point sums (Shewchuk's algorithm, as Python's `math.fsum`): the result
 * is the exact sum of the inputs rounded once, so it does not depend on the order in which values
 * are added. Means computed from it are therefore the same whether samples are gathered in arrival
 * order, completion order or per instance. Non-finite inputs are summed naively (any NaN gives NaN).
 */
export class ExactSum {
  /** Non-overlapping partial sums, smallest magnitude first; at most ~40 for doubles. */
  private readonly partials = new Float64Array(64);
  private n = 0;
  private special = 0;
  private hasSpecial = false;

  add(x: number): void {
    if (!Number.isFinite(x)) {
      this.special += x;
      this.hasSpecial = true;
      return;
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
    return hi;
  }
}

/** Exactly rounded sum of `xs[0..n)`. */
export function exactSum(xs: ArrayLike<number>, n = xs.length): number {
  const s = new ExactSum();
  for (let i = 0; i < n; i++) s.add(xs[i] as number);
  return s.value();
}
