/**
 * Small dense least squares for the calibration fit (a few hundred rows, a handful of columns).
 * Matrices are arrays of rows. Pure functions, no dependencies.
 */
export type Matrix = readonly (readonly number[])[];

/**
 * min ||A x - b|| over the columns in `cols` (the others are 0), by Householder QR. A column whose
 * pivot falls below `rcond` times the largest is left at 0 (a basic solution when A is rank
 * deficient), so collinear columns never blow up.
 */
export function leastSquares(a: Matrix, b: readonly number[], cols: readonly number[], rcond = 1e-12): number[] {
  const m = a.length;
  const n = cols.length;
  const width = a[0]?.length ?? 0;
  const x = new Array<number>(width).fill(0);
  if (n === 0 || m === 0) return x;
  // Working copy: column-major over the chosen columns, plus the right-hand side.
  const q: number[][] = cols.map((j) => a.map((row) => row[j] as number));
  const rhs = b.slice();
  const diag = new Array<number>(n).fill(0);
  let maxDiag = 0;
  for (let k = 0; k < Math.min(m, n); k++) {
    const col = q[k] as number[];
    let norm = 0;
    for (let i = k; i < m; i++) norm += (col[i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = (col[k] as number) > 0 ? -norm : norm;
    // v = col[k:] - alpha e1, stored in place.
    col[k] = (col[k] as number) - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += (col[i] as number) ** 2;
    const reflect = (y: number[]): void => {
      let dot = 0;
      for (let i = k; i < m; i++) dot += (col[i] as number) * (y[i] as number);
      const f = (2 * dot) / vv;
      for (let i = k; i < m; i++) y[i] = (y[i] as number) - f * (col[i] as number);
    };
    for (let j = k + 1; j < n; j++) reflect(q[j] as number[]);
    reflect(rhs);
    diag[k] = alpha;
    maxDiag = Math.max(maxDiag, Math.abs(alpha));
  }
  // Back substitution on R (diagonal in diag, above it in q[j][k]).
  const z = new Array<number>(n).fill(0);
  for (let k = Math.min(m, n) - 1; k >= 0; k--) {
    const d = diag[k] as number;
    if (Math.abs(d) <= rcond * maxDiag || d === 0) continue;
    let s = rhs[k] as number;
    for (let j = k + 1; j < n; j++) s -= ((q[j] as number[])[k] as number) * (z[j] as number);
    z[k] = s / d;
  }
  cols.forEach((j, k) => (x[j] = z[k] as number));
  return x;
}

function residual(a: Matrix, b: readonly number[], x: readonly number[]): number[] {
  return a.map((row, i) => (b[i] as number) - row.reduce((s, v, j) => s + v * (x[j] as number), 0));
}

/** Aᵀ r. */
function gradient(a: Matrix, r: readonly number[], n: number): number[] {
  const w = new Array<number>(n).fill(0);
  a.forEach((row, i) => row.forEach((v, j) => (w[j] = (w[j] as number) + v * (r[i] as number))));
  return w;
}

/**
 * Non-negative least squares, min ||A x - b|| subject to x >= 0 (Lawson and Hanson, "Solving Least
 * Squares Problems", 1974, ch. 23). Columns are scaled to unit norm first so that the tolerance
 * means the same for seconds and for dimensionless columns. Columns listed in `free` are not
 * constrained (they join the passive set first and never leave it).
 */
export function nnls(a: Matrix, b: readonly number[], free: readonly number[] = []): number[] {
  const n = a[0]?.length ?? 0;
  const scale = new Array<number>(n).fill(0).map((_, j) => Math.sqrt(a.reduce((s, row) => s + (row[j] as number) ** 2, 0)) || 1);
  const as: Matrix = a.map((row) => row.map((v, j) => v / (scale[j] as number)));
  const tol = 1e-12 * Math.max(1, Math.sqrt(b.reduce((s, v) => s + v * v, 0)));
  const passive = new Set<number>(free);
  let x = new Array<number>(n).fill(0);
  if (passive.size > 0) x = leastSquares(as, b, [...passive].sort((p, q) => p - q));
  for (let outer = 0; outer < 10 * n + 10; outer++) {
    const w = gradient(as, residual(as, b, x), n);
    let t = -1;
    for (let j = 0; j < n; j++) if (!passive.has(j) && (w[j] as number) > tol && (t < 0 || (w[j] as number) > (w[t] as number))) t = j;
    if (t < 0) break;
    passive.add(t);
    for (let inner = 0; inner < 10 * n + 10; inner++) {
      const z = leastSquares(as, b, [...passive].sort((p, q) => p - q));
      const bad = [...passive].filter((j) => !free.includes(j) && (z[j] as number) <= 0);
      if (bad.length === 0) {
        x = z;
        break;
      }
      let alpha = 1;
      for (const j of bad) alpha = Math.min(alpha, (x[j] as number) / ((x[j] as number) - (z[j] as number)));
      x = x.map((v, j) => v + alpha * ((z[j] as number) - v));
      for (const j of [...passive]) if (!free.includes(j) && (x[j] as number) <= 1e-15) {
        passive.delete(j);
        x[j] = 0;
      }
    }
  }
  return x.map((v, j) => v / (scale[j] as number));
}
