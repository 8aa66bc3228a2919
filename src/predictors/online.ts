import type { OutputPredictor, PredictionFeatures } from './predictor.js';

/** Running mean of the output length per workload type (global mean for unseen types; 1 before any data). */
export function meanPredictor(): OutputPredictor {
  const n: number[] = [];
  const sum: number[] = [];
  let allN = 0;
  let allSum = 0;
  return {
    name: 'mean',
    predict(f) {
      const k = n[f.type] ?? 0;
      if (k > 0) return (sum[f.type] as number) / k;
      return allN > 0 ? allSum / allN : 1;
    },
    observe(f, y) {
      n[f.type] = (n[f.type] ?? 0) + 1;
      sum[f.type] = (sum[f.type] ?? 0) + y;
      allN++;
      allSum += y;
    },
  };
}

/**
 * Online least squares of output length on prompt length, one line per workload type, from running
 * sums (exact, O(1) per update). Falls back to the type's mean while the prompt lengths seen have no
 * spread, and never predicts below one token.
 */
export function linearPredictor(): OutputPredictor {
  interface Sums {
    n: number;
    sx: number;
    sy: number;
    sxx: number;
    sxy: number;
    /** The fit of the sums (from 2 observations on): a line `max(1, a + b * x)`, or the mean when x has no spread. */
    line: boolean;
    a: number;
    b: number;
    mean: number;
  }
  const byType: Sums[] = [];
  // The sums start as doubles (NaN, then 0; the same values): sxx outgrows small integers within a
  // run, and that change of representation would give the object a new hidden class mid-run and
  // deoptimise \`predict\` and its callers.
  const newSums = (): Sums => {
    const s = { n: 0, sx: Number.NaN, sy: Number.NaN, sxx: Number.NaN, sxy: Number.NaN, line: false, a: Number.NaN, b: Number.NaN, mean: Number.NaN };
    s.sx = s.sy = s.sxx = s.sxy = 0;
    return s;
  };
  // The fit is computed when the sums change (once per observation), not per prediction: the same
  // expressions on the same sums, so the same bits, and `predict` stays small enough to be inlined
  // by its caller (a double returned from a call that is not inlined is boxed: a heap number per request).
  const refit = (s: Sums): void => {
    if (s.n < 2) return;
    const vx = s.sxx - (s.sx * s.sx) / s.n;
    s.line = !(vx <= 1e-9 * s.sxx);
    if (!s.line) {
      s.mean = s.sy / s.n;
      return;
    }
    s.b = (s.sxy - (s.sx * s.sy) / s.n) / vx;
    s.a = (s.sy - s.b * s.sx) / s.n;
  };
  const fallback = meanPredictor();
  return {
    name: 'linear',
    predict(f: PredictionFeatures) {
      const s = byType[f.type];
      if (!s || s.n < 2) return fallback.predict(f);
      return s.line ? Math.max(1, s.a + s.b * f.promptTokens) : s.mean;
    },
    observe(f, y) {
      fallback.observe(f, y);
      const s = (byType[f.type] ??= newSums());
      const x = f.promptTokens;
      s.n++;
      s.sx += x;
      s.sy += y;
      s.sxx += x * x;
      s.sxy += x * y;
      refit(s);
    },
  };
}
