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
  }
  const byType: Sums[] = [];
  // The sums start as doubles (NaN, then 0; the same values): sxx outgrows small integers within a
  // run, and that change of representation would give the object a new hidden class mid-run and
  // deoptimise \`predict\` and its callers.
  const newSums = (): Sums => {
    const s = { n: 0, sx: Number.NaN, sy: Number.NaN, sxx: Number.NaN, sxy: Number.NaN };
    s.sx = s.sy = s.sxx = s.sxy = 0;
    return s;
  };
  const fallback = meanPredictor();
  return {
    name: 'linear',
    predict(f: PredictionFeatures) {
      const s = byType[f.type];
      if (!s || s.n < 2) return fallback.predict(f);
      const vx = s.sxx - (s.sx * s.sx) / s.n;
      if (vx <= 1e-9 * s.sxx) return s.sy / s.n;
      const b = (s.sxy - (s.sx * s.sy) / s.n) / vx;
      const a = (s.sy - b * s.sx) / s.n;
      return Math.max(1, a + b * f.promptTokens);
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
    },
  };
}
