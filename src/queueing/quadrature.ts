/**
 * Adaptive Gauss-Kronrod quadrature (the 10/21-point pair of QUADPACK's QK21) with global error
 * control: the interval with the largest error estimate is bisected until the summed estimate is
 * below max(absTol, relTol * |value|). Infinite upper limits are mapped onto [0, 1) by
 * x = a + s t / (1 - t); integrable endpoint singularities (the Weibull(1/2) density ~ x^(-1/2) at 0)
 * are handled by bisection towards them, since Kronrod nodes never touch the endpoints.
 */

const XGK = [
  0.995657163025808080735527280689003, 0.973906528517171720077964012084452, 0.930157491355708226001207180059508,
  0.865063366688984510732096688423493, 0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
  0.562757134668604683339000099272694, 0.433395394129247190799265943165784, 0.294392862701460198131126603103866,
  0.14887433898163121088482600112972, 0,
];
const WGK = [
  0.011694638867371874278064396062192, 0.03255816230796472747881897245939, 0.05475589657435199603138130024458,
  0.07503967481091995276704314091619, 0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
  0.12349197626206585107760052585673, 0.134709217311473325928054001771707, 0.142775938577060080797094273138717,
  0.147739104901338491374841515972068, 0.149445554002916905664936468389821,
];
/** Gauss weights for the odd-indexed Kronrod nodes XGK[1], XGK[3], ..., XGK[9]. */
const WG = [
  0.066671344308688137593568809893332, 0.149451349150580593145776339657697, 0.219086362515982043995534934228163,
  0.269266719309996355091226921569469, 0.295524224714752870173892994651338,
];

const EPS = 2.220446049250313e-16;

export interface QuadResult {
  value: number;
  /** Estimated absolute error (QUADPACK's conservative estimate). */
  error: number;
  /** Integrand evaluations. */
  evals: number;
}

export interface QuadOptions {
  absTol?: number;
  relTol?: number;
  /** Most intervals kept before giving up refining (the estimate then reports what was reached). */
  maxIntervals?: number;
  /** Interior points where the integrand has kinks or jumps: intervals start split there. */
  breakpoints?: readonly number[];
  /** Scale of the map for an infinite upper limit (about where the mass lies). */
  scale?: number;
  /**
   * Map of [a, inf) onto [0, 1): 'rational' x = a + s t / (1 - t), or 'square'
   * x = a + s (t / (1 - t))^2, which also removes an (x - a)^(-1/2) singularity at a (the
   * Weibull(1/2) density) and suits stretched-exponential tails.
   */
  map?: 'rational' | 'square';
}

/**
 * Scratch buffers for gk21, one per nesting depth: integrands often integrate themselves (a marginal
 * inside an outer integral), and allocating per call cost more than the arithmetic.
 */
const scratch: Float64Array[] = [];
let depth = 0;
/** Error estimate of the most recent gk21 call (read right after the call). */
let lastError = 0;

/**
 * Integrand evaluations allowed to the computation running under `withEvalBudget` (nested integrals
 * included), and those used so far. A count, not a clock, so a refusal is deterministic.
 */
let evalBudget = Number.POSITIVE_INFINITY;
let evalsUsed = 0;

/** Thrown when a computation under `withEvalBudget` needs more integrand evaluations than allowed. */
export class EvalBudgetExceeded extends Error {
  constructor(readonly budget: number) {
    super(`quadrature needed more than ${budget} integrand evaluations`);
    this.name = 'EvalBudgetExceeded';
  }
}

/** Counts `n` integrand evaluations made outside gk21 (e.g. a Chebyshev fit) against the budget. */
export function chargeEvals(n: number): void {
  evalsUsed += n;
  if (evalsUsed > evalBudget) throw new EvalBudgetExceeded(evalBudget);
}

/** Runs `fn` with at most `budget` integrand evaluations; returns its value and the evaluations used. */
export function withEvalBudget<T>(budget: number, fn: () => T): { value: T; evals: number } {
  const savedBudget = evalBudget;
  const savedUsed = evalsUsed;
  evalBudget = budget;
  evalsUsed = 0;
  try {
    const value = fn();
    return { value, evals: evalsUsed };
  } finally {
    evalBudget = savedBudget;
    evalsUsed = savedUsed + evalsUsed;
  }
}

/** One 21-point Kronrod rule on [a, b]: [value, error]. */
export function gk21(f: (x: number) => number, a: number, b: number): [number, number] {
  const v = gk21Value(f, a, b);
  return [v, lastError];
}

function gk21Value(f: (x: number) => number, a: number, b: number): number {
  evalsUsed += 21;
  if (evalsUsed > evalBudget) throw new EvalBudgetExceeded(evalBudget);
  const buf = scratch[depth] ?? (scratch[depth] = new Float64Array(21));
  depth++;
  try {
    const c = 0.5 * (a + b);
    const h = 0.5 * (b - a);
    const fc = f(c);
    let resK = fc * (WGK[10] as number);
    let resG = 0;
    let resAbs = Math.abs(resK);
    for (let j = 0; j < 10; j++) {
      const dx = h * (XGK[j] as number);
      const f1 = f(c - dx);
      const f2 = f(c + dx);
      buf[2 * j] = f1;
      buf[2 * j + 1] = f2;
      const w = WGK[j] as number;
      resK += w * (f1 + f2);
      resAbs += w * (Math.abs(f1) + Math.abs(f2));
      if (j % 2 === 1) resG += (WG[(j - 1) >> 1] as number) * (f1 + f2);
    }
    const mean = resK * 0.5;
    let resAsc = (WGK[10] as number) * Math.abs(fc - mean);
    for (let j = 0; j < 10; j++) {
      resAsc += (WGK[j] as number) * (Math.abs((buf[2 * j] as number) - mean) + Math.abs((buf[2 * j + 1] as number) - mean));
    }
    const absH = Math.abs(h);
    resAsc *= absH;
    resAbs *= absH;
    let err = Math.abs((resK - resG) * h);
    if (resAsc !== 0 && err !== 0) err = resAsc * Math.min(1, Math.pow((200 * err) / resAsc, 1.5));
    if (resAbs > 2.2250738585072014e-308 / (50 * EPS)) err = Math.max(EPS * 50 * resAbs, err);
    lastError = err;
    return resK * h;
  } finally {
    depth--;
  }
}

/** Max-heap of intervals [a, b] with value v and error e, by e; four numbers per entry, flat. */
class IntervalHeap {
  private d = new Float64Array(4 * 64);
  size = 0;
  get topA(): number {
    return this.d[0] as number;
  }
  get topB(): number {
    return this.d[1] as number;
  }
  get topV(): number {
    return this.d[2] as number;
  }
  get topE(): number {
    return this.d[3] as number;
  }
  push(a: number, b: number, v: number, e: number): void {
    if (4 * (this.size + 1) > this.d.length) {
      const g = new Float64Array(this.d.length * 2);
      g.set(this.d);
      this.d = g;
    }
    const d = this.d;
    let i = this.size++;
    // Sift the hole up, moving smaller-error parents down.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((d[4 * p + 3] as number) >= e) break;
      d.copyWithin(4 * i, 4 * p, 4 * p + 4);
      i = p;
    }
    d[4 * i] = a;
    d[4 * i + 1] = b;
    d[4 * i + 2] = v;
    d[4 * i + 3] = e;
  }
  popTop(): void {
    const d = this.d;
    const n = --this.size;
    if (n === 0) return;
    const la = d[4 * n] as number;
    const lb = d[4 * n + 1] as number;
    const lv = d[4 * n + 2] as number;
    const le = d[4 * n + 3] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && (d[4 * r + 3] as number) > (d[4 * l + 3] as number) ? r : l;
      if ((d[4 * m + 3] as number) <= le) break;
      d.copyWithin(4 * i, 4 * m, 4 * m + 4);
      i = m;
    }
    d[4 * i] = la;
    d[4 * i + 1] = lb;
    d[4 * i + 2] = lv;
    d[4 * i + 3] = le;
  }
  /** Sum of values and of errors over all entries. */
  sums(): [number, number] {
    let v = 0;
    let e = 0;
    for (let i = 0; i < this.size; i++) {
      v += this.d[4 * i + 2] as number;
      e += this.d[4 * i + 3] as number;
    }
    return [v, e];
  }
}

/** Adaptive quadrature of f over [a, b] on a finite interval. */
function adaptFinite(f: (x: number) => number, points: number[], opts: QuadOptions): QuadResult {
  const absTol = opts.absTol ?? 1e-12;
  const relTol = opts.relTol ?? 1e-10;
  const maxIntervals = opts.maxIntervals ?? 4000;
  const heap = new IntervalHeap();
  let value = 0;
  let error = 0;
  let evals = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const lo = points[i] as number;
    const hi = points[i + 1] as number;
    if (!(hi > lo)) continue;
    const v = gk21Value(f, lo, hi);
    const e = lastError;
    evals += 21;
    value += v;
    error += e;
    heap.push(lo, hi, v, e);
  }
  while (heap.size > 0 && heap.size < maxIntervals && error > Math.max(absTol, relTol * Math.abs(value))) {
    const a = heap.topA;
    const b = heap.topB;
    const m = 0.5 * (a + b);
    // Stop refining where floating point cannot split the interval any further.
    if (!(m > a && m < b)) break;
    value -= heap.topV;
    error -= heap.topE;
    heap.popTop();
    const v1 = gk21Value(f, a, m);
    const e1 = lastError;
    const v2 = gk21Value(f, m, b);
    const e2 = lastError;
    evals += 42;
    value += v1 + v2;
    error += e1 + e2;
    heap.push(a, m, v1, e1);
    heap.push(m, b, v2, e2);
  }
  // Re-sum to shed the rounding that running updates accumulate.
  [value, error] = heap.sums();
  return { value, error, evals };
}

/**
 * The integral of f over [a, b], b possibly +Infinity. Breakpoints split the range first (kinks of
 * max(), min(), jumps of indicator functions), which is far cheaper than letting bisection find them.
 */
export function integrate(f: (x: number) => number, a: number, b: number, opts: QuadOptions = {}): QuadResult {
  if (b === a) return { value: 0, error: 0, evals: 0 };
  if (b < a) {
    const r = integrate(f, b, a, opts);
    return { ...r, value: -r.value };
  }
  const inner = (opts.breakpoints ?? []).filter((p) => p > a && p < b);
  if (Number.isFinite(b)) {
    return adaptFinite(f, [a, ...inner.sort((x, y) => x - y), b], opts);
  }
  const s = opts.scale ?? 1;
  const square = opts.map === 'square';
  // rational: x = a + s r with r = t / (1 - t), dx = s / (1 - t)^2 dt;
  // square: x = a + s r^2, dx = 2 s r / (1 - t)^2 dt. Breakpoints map to their t images.
  const g = (t: number): number => {
    const u = 1 - t;
    const r = t / u;
    const x = a + s * (square ? r * r : r);
    if (!Number.isFinite(x)) return 0;
    const v = f(x);
    return v === 0 ? 0 : (v * s * (square ? 2 * r : 1)) / (u * u);
  };
  const tOfX = (p: number): number => {
    const r = square ? Math.sqrt((p - a) / s) : (p - a) / s;
    return r / (1 + r);
  };
  const tPoints = inner.map(tOfX).sort((x, y) => x - y);
  return adaptFinite(g, [0, ...tPoints, 1], opts);
}
