/**
 * Kendall's tau-b between two paired samples in O(n log n) (Knight's algorithm: sort by x then y,
 * count discordant pairs as the swaps of a merge sort on y, correct for ties). 1: same order,
 * -1: reversed, 0: unrelated. NaN for fewer than two pairs or a constant sample.
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError('kendallTau: samples differ in length');
  if (n < 2) return Number.NaN;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => (x[a] as number) - (x[b] as number) || (y[a] as number) - (y[b] as number));
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) ys[i] = y[idx[i] as number] as number;
  // Pairs tied in x, and tied in both.
  let tiedX = 0;
  let tiedXY = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && x[idx[j] as number] === x[idx[i] as number]) j++;
    tiedX += ((j - i) * (j - i - 1)) / 2;
    for (let k = i; k < j; ) {
      let m = k + 1;
      while (m < j && ys[m] === ys[k]) m++;
      tiedXY += ((m - k) * (m - k - 1)) / 2;
      k = m;
    }
    i = j;
  }
  const swaps = mergeCountSwaps(ys);
  // After sorting, equal y values are adjacent.
  let tiedY = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && ys[j] === ys[i]) j++;
    tiedY += ((j - i) * (j - i - 1)) / 2;
    i = j;
  }
  const n0 = (n * (n - 1)) / 2;
  const concordantMinusDiscordant = n0 - tiedX - tiedY + tiedXY - 2 * swaps;
  const denom = Math.sqrt((n0 - tiedX) * (n0 - tiedY));
  return denom > 0 ? concordantMinusDiscordant / denom : Number.NaN;
}

/** Sorts `a` ascending in place and returns the number of strict inversions. */
function mergeCountSwaps(a: Float64Array<ArrayBuffer>): number {
  const n = a.length;
  let buf = new Float64Array(n);
  let src: Float64Array<ArrayBuffer> = a;
  let swaps = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if ((src[j] as number) < (src[i] as number)) {
          swaps += mid - i;
          buf[k++] = src[j++] as number;
        } else buf[k++] = src[i++] as number;
      }
      while (i < mid) buf[k++] = src[i++] as number;
      while (j < hi) buf[k++] = src[j++] as number;
    }
    const tmp = src;
    src = buf;
    buf = tmp;
  }
  if (src !== a) a.set(src);
  return swaps;
}
