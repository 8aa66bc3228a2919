import type { InstanceState } from '../../model/batchPolicy.js';

/**
 * What an SLO-aware scheduler knows about iteration times: only what it measured. Recursive least
 * squares with exponential forgetting fits duration = a + b * tokens + c * attention over the
 * instance's past iterations (tokens: prefill chunk tokens plus one per decode; attention: causal
 * query-key pairs of the chunks plus the context the decodes read), fed at each batch formation with
 * the iteration that just ended. Coefficients are clamped at >= 0 when used.
 */
export class IterationEstimator {
  /** Decayed sums of x x^T and x t, x = [1, tokens / 1e3, attention / 1e6]. */
  private readonly S = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  private readonly r = [0, 0, 0];
  private theta = [0, 0, 0];
  private seen = -1;
  private count = 0;

  constructor(private readonly decay = 0.995) {}

  /** Feeds the last finished iteration, once. */
  observe(s: InstanceState): void {
    if (s.iterations === this.seen || s.iterations === 0) return;
    this.seen = s.iterations;
    const t = s.lastIterationS;
    if (!(s.lastIterationTokens > 0) || !(t > 0)) return;
    const x = [1, s.lastIterationTokens / 1e3, s.lastIterationAttention / 1e6];
    for (let i = 0; i < 3; i++) {
      this.r[i] = this.decay * (this.r[i] as number) + (x[i] as number) * t;
      for (let j = 0; j < 3; j++) this.S[3 * i + j] = this.decay * (this.S[3 * i + j] as number) + (x[i] as number) * (x[j] as number);
    }
    this.count++;
    this.theta = this.fit();
  }

  /**
   * Least squares with non-negative coefficients by elimination: fit all three; drop the attention
   * term, then the token term, while a coefficient comes out negative (an active-set NNLS for three
   * columns, enough here because the intercept is never negative on real iteration times).
   */
  private fit(): number[] {
    for (const cols of [[0, 1, 2], [0, 1], [0, 2], [0]]) {
      const th = solve(this.S, this.r, cols);
      if (th && th.every((v) => v >= 0)) return th;
    }
    return [0, 0, 0];
  }

  /** True once a few iterations were seen. */
  get measured(): boolean {
    return this.count >= 3;
  }

  /** Predicted seconds of an iteration with `tokens` tokens and `attention` query-key pairs. */
  predict(tokens: number, attention = 0): number {
    const [a, b, c] = this.theta as [number, number, number];
    return a + b * (tokens / 1e3) + c * (attention / 1e6);
  }

  /**
   * The most prefill tokens that can join `decodes` decodes (reading `decodeContext` tokens) in one
   * iteration finishing within `seconds`, for a chunk after `past` tokens of its prompt (Infinity
   * when unmeasured; 0 when even the decodes alone take longer).
   */
  prefillWithin(seconds: number, decodes: number, decodeContext: number, past: number): number {
    if (!this.measured) return Number.POSITIVE_INFINITY;
    const base = this.predict(decodes, decodeContext);
    if (base >= seconds) return 0;
    let lo = 0;
    let hi = 1;
    const fits = (c: number): boolean => this.predict(decodes + c, decodeContext + c * past + (c * (c + 1)) / 2) <= seconds;
    while (fits(hi) && hi < 1 << 24) hi *= 2;
    if (hi >= 1 << 24) return Number.POSITIVE_INFINITY;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  }
}

/** Solves the normal equations restricted to `cols` (others 0) with a tiny ridge; undefined if singular. */
function solve(S: readonly number[], r: readonly number[], cols: readonly number[]): number[] | undefined {
  const n = cols.length;
  const A = cols.map((i) => [...cols.map((j) => (S[3 * i + j] as number) + (i === j ? 1e-9 * ((S[0] as number) + 1) : 0)), r[i] as number]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let k = c + 1; k < n; k++) if (Math.abs((A[k] as number[])[c] as number) > Math.abs((A[piv] as number[])[c] as number)) piv = k;
    [A[c], A[piv]] = [A[piv] as number[], A[c] as number[]];
    const row = A[c] as number[];
    const p = row[c] as number;
    if (Math.abs(p) < 1e-300) return undefined;
    for (let k = 0; k < n; k++) {
      if (k === c) continue;
      const other = A[k] as number[];
      const f = (other[c] as number) / p;
      for (let j = c; j <= n; j++) other[j] = (other[j] as number) - f * (row[j] as number);
    }
  }
  const out = [0, 0, 0];
  cols.forEach((i, k) => (out[i] = ((A[k] as number[])[n] as number) / ((A[k] as number[])[k] as number)));
  return out.every(Number.isFinite) ? out : undefined;
}
