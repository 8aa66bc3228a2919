/**
 * Several order statistics of a typed array in one multi-select pass, in place and in expected
 * linear time: the middle requested rank is placed by Floyd–Rivest selection (the algorithm d3-array's
 * `quickselect` uses), then the ranks below and above it are placed recursively in the two halves.
 * Afterwards `a[k]` holds the k-th smallest value for every requested k, exactly as after a sort.
 * Values must not be NaN (callers move NaNs out first: see `moveNaNsToEnd`).
 */
export function multiSelect(a: Float64Array, ranks: readonly number[], left = 0, right = a.length - 1): void {
  const ks = [...new Set(ranks)].filter((k) => k >= left && k <= right).sort((x, y) => x - y);
  selectRange(a, ks, 0, ks.length - 1, left, right);
}

function selectRange(a: Float64Array, ks: readonly number[], lo: number, hi: number, left: number, right: number): void {
  if (lo > hi || left >= right) return;
  const mid = (lo + hi) >> 1;
  const k = ks[mid] as number;
  floydRivest(a, k, left, right);
  selectRange(a, ks, lo, mid - 1, left, k - 1);
  selectRange(a, ks, mid + 1, hi, k + 1, right);
}

/** Rearranges a[left..right] so that a[k] is its (k-left)-th smallest, smaller before, larger after. */
export function floydRivest(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    if (right - left > 600) {
      // Narrow the range with a sample first, so that the partition below is nearly balanced.
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      floydRivest(a, k, newLeft, newRight);
    }
    const t = a[k] as number;
    let i = left;
    let j = right;
    swap(a, left, k);
    if ((a[right] as number) > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while ((a[i] as number) < t) i++;
      while ((a[j] as number) > t) j--;
    }
    if ((a[left] as number) === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/** Moves NaNs to the end of a[0..n) (as an ascending sort would) and returns how many values are not NaN. */
export function moveNaNsToEnd(a: Float64Array, n = a.length): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    if (x === x) a[m++] = x;
  }
  a.fill(Number.NaN, m, n);
  return m;
}
