import { chargeEvals } from './quadrature.js';

/**
 * C(y) = integral of h over [0, y] for y in [0, inf), stored piecewise so that one build (a few
 * thousand evaluations of h, each possibly an integral itself) answers any number of C(y) queries in
 * O(log panels + degree). The half line is mapped to [0, 1] by y = s (t / (1 - t))^2: the square
 * turns the y^(-1/2) singularity of densities like the Weibull(1/2) marginal into a smooth
 * integrand and makes stretched-exponential tails decay fast in t. On each t-panel the
 * integrand h(y(t)) dy/dt is interpolated at 20 Chebyshev points of the first kind (never the panel
 * ends, so h may be singular at 0 or undefined at infinity) and the interpolant is integrated exactly
 * (Clenshaw-Curtis in spirit). A panel is bisected until half its width times its two trailing
 * Chebyshev coefficients (the usual estimate of the interpolant's integral error; Trefethen,
 * "Approximation Theory and Approximation Practice", ch. 19) is below relTol * |C(inf)| / 64, so the
 * summed error stays near relTol relative. Logarithmic singularities of h at 0 (the marginal density
 * 2 K0(2 sqrt y) of exponential predictions) are resolved by bisection towards 0.
 */

const NODES = 20;

export interface CumulativeOptions {
  /** Where the mass of h lies (the map's scale). */
  scale?: number;
  relTol?: number;
  /** Most panels; past it the fit keeps the panels it has and reports a larger error. */
  maxPanels?: number;
  /** Integrate over [0, upper] only; C(y) = C(upper) beyond (default: the whole half line). */
  upper?: number;
}

export class CumulativeFit {
  private constructor(
    private readonly scale: number,
    private readonly upper: number,
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
    /** Per panel: C at the panel start, then the NODES + 1 antiderivative coefficients. */
    private readonly coefs: Float64Array,
    /** C(infinity). */
    readonly total: number,
    /** Estimated absolute error of the total (the sum of the panels' estimates). */
    readonly error: number,
    /** Evaluations of h spent building. */
    readonly evals: number,
  ) {}

  static build(h: (y: number) => number, opts: CumulativeOptions = {}): CumulativeFit {
    const scale = opts.scale ?? 1;
    const relTol = opts.relTol ?? 1e-11;
    const maxPanels = opts.maxPanels ?? 600;
    const upper = opts.upper ?? Number.POSITIVE_INFINITY;
    const tUpper = tOf(upper, scale);
    let evals = 0;
    // The integrand in t: h(y(t)) dy/dt with y = s (t / (1 - t))^2, dy/dt = 2 s t / (1 - t)^3.
    const g = (t: number): number => {
      const u = 1 - t;
      const r = t / u;
      chargeEvals(1);
      const v = h(scale * r * r);
      evals++;
      return v === 0 ? 0 : (v * 2 * scale * r) / (u * u);
    };
    const sample = (ta: number, tb: number): Float64Array => {
      const ts = chebNodes(ta, tb);
      const vals = new Float64Array(NODES);
      for (let j = 0; j < NODES; j++) vals[j] = g(ts[j] as number);
      return chebCoefficients(vals);
    };
    // A coarse pass sets the absolute tolerance; refinement below replaces its estimate.
    const coarse = sample(0, tUpper);
    const rough = Math.abs(integralOf(coarse)) * 0.5;
    const starts: number[] = [];
    const ends: number[] = [];
    const out: number[] = [];
    let error = 0;
    const fit = (ta: number, tb: number, c: Float64Array, ca: number, tolAbs: number): number => {
      const half = 0.5 * (tb - ta);
      const est = half * (Math.abs(c[NODES - 1] as number) + Math.abs(c[NODES - 2] as number));
      if (est <= tolAbs / 64 || tb - ta < 1e-13 || starts.length + 2 > maxPanels) {
        const anti = antiderivative(c, half);
        starts.push(ta);
        ends.push(tb);
        out.push(ca);
        for (const v of anti) out.push(v);
        error += est;
        return ca + clenshaw(anti, 0, 1, NODES + 1);
      }
      const tm = ta + half;
      const left = fit(ta, tm, sample(ta, tm), ca, tolAbs);
      return fit(tm, tb, sample(tm, tb), left, tolAbs);
    };
    let tolAbs = Math.max(relTol * rough, 1e-300);
    let total = fit(0, tUpper, coarse, 0, tolAbs);
    // If the coarse pass misjudged the scale badly, refit once against the true total.
    if (Math.abs(total) > 4 * rough && rough > 0) {
      starts.length = 0;
      ends.length = 0;
      out.length = 0;
      error = 0;
      tolAbs = relTol * Math.abs(total);
      total = fit(0, tUpper, coarse, 0, tolAbs);
    }
    return new CumulativeFit(
      scale,
      upper,
      Float64Array.from(starts),
      Float64Array.from(ends),
      Float64Array.from(out),
      total,
      error,
      evals,
    );
  }

  get panels(): number {
    return this.starts.length;
  }

  /** C(y); 0 for y <= 0 and C(inf) for y = inf. */
  at(y: number): number {
    if (!(y > 0)) return 0;
    if (y >= this.upper) return this.total;
    const t = tOf(y, this.scale);
    const st = this.starts;
    let lo = 0;
    let hi = st.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((st[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    const a = st[lo] as number;
    const b = this.ends[lo] as number;
    const x = Math.min(1, (2 * t - a - b) / (b - a));
    const off = lo * (NODES + 2);
    return (this.coefs[off] as number) + clenshaw(this.coefs, off + 1, x, NODES + 1);
  }
}

/** The map's inverse: t with s (t / (1 - t))^2 = y. */
export function tOf(y: number, scale: number): number {
  if (y === Number.POSITIVE_INFINITY) return 1;
  const r = Math.sqrt(y / scale);
  return r / (1 + r);
}

/** Integral over [-1, 1] of sum_k c_k T_k. */
function integralOf(c: Float64Array): number {
  let s = 0;
  for (let k = 0; k < c.length; k += 2) s += (2 * (c[k] as number)) / (1 - k * k);
  return s;
}

/**
 * Coefficients of the antiderivative (in the panel variable, vanishing at the panel's left end) of
 * sum_k c_k T_k, times `half` (dt = half dx): int T_0 = T_1, int T_1 = T_2 / 4,
 * int T_k = T_(k+1) / (2 (k + 1)) - T_(k-1) / (2 (k - 1)).
 */
function antiderivative(c: Float64Array, half: number): Float64Array {
  const n = c.length;
  const a = new Float64Array(n + 1);
  const ck = (k: number): number => (k < n ? (c[k] as number) : 0);
  a[1] = ck(0) - ck(2) / 2;
  for (let k = 2; k <= n; k++) a[k] = (ck(k - 1) - ck(k + 1)) / (2 * k);
  // Choose a_0 so the antiderivative is 0 at x = -1, where T_k(-1) = (-1)^k.
  let atMinus = 0;
  for (let k = 1; k <= n; k++) atMinus += (k % 2 === 0 ? 1 : -1) * (a[k] as number);
  a[0] = -atMinus;
  for (let k = 0; k <= n; k++) a[k] = (a[k] as number) * half;
  return a;
}

/** Chebyshev points of the first kind mapped to [a, b], ascending. */
function chebNodes(a: number, b: number): Float64Array {
  const out = new Float64Array(NODES);
  for (let j = 0; j < NODES; j++) {
    const x = -Math.cos(((j + 0.5) * Math.PI) / NODES);
    out[j] = 0.5 * (a + b) + 0.5 * (b - a) * x;
  }
  return out;
}

/** Coefficients c_k of sum_k c_k T_k interpolating vals at the ascending first-kind nodes (DCT-II). */
function chebCoefficients(vals: Float64Array): Float64Array {
  const n = vals.length;
  const c = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    // The ascending node j is x = -cos((j + 1/2) pi / n) = cos((n - j - 1/2) pi / n).
    for (let j = 0; j < n; j++) s += (vals[j] as number) * Math.cos((k * (n - j - 0.5) * Math.PI) / n);
    c[k] = ((k === 0 ? 1 : 2) * s) / n;
  }
  return c;
}

/** sum_k c[off + k] T_k(x), k < len, by Clenshaw's recurrence. */
function clenshaw(c: ArrayLike<number>, off: number, x: number, len: number): number {
  let b1 = 0;
  let b2 = 0;
  for (let k = len - 1; k >= 1; k--) {
    const b0 = 2 * x * b1 - b2 + (c[off + k] as number);
    b2 = b1;
    b1 = b0;
  }
  return x * b1 - b2 + (c[off] as number);
}
