/**
 * Micro-benchmark of Kendall's tau over a run's worth of pairs shaped like the prediction-quality
 * metric's: x a predicted length (a float), y the true length (an integer token count), tau ~0.75.
 * Prints the median of GAPS_BENCH_ROUNDS timings; the comparator path's time with GAPS_BENCH_COMPARATOR=1.
 *
 *   node dist/bench/kendall.bench.js
 */
import { performance } from 'node:perf_hooks';
import { Rng } from '../src/kernel/rng.js';
import { kendallTau, kendallTauByComparator } from '../src/stats/kendall.js';

const n = Number(process.env.GAPS_BENCH_PAIRS ?? 1_000_000);
const rounds = Number(process.env.GAPS_BENCH_ROUNDS ?? 5);
const tau = process.env.GAPS_BENCH_COMPARATOR === '1' ? kendallTauByComparator : kendallTau;
const rng = new Rng('kendall-bench');
const x: number[] = [];
const y: number[] = [];
for (let i = 0; i < n; i++) {
  const size = 50 + rng.next() * 800;
  x.push(size * (0.6 + rng.next() * 0.8));
  y.push(Math.round(size));
}
const times: number[] = [];
let value = Number.NaN;
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  value = tau(x, y);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const medianMs = times[times.length >> 1] as number;
process.stdout.write(`${JSON.stringify({ pairs: n, rounds, tau: value, medianMs: Number(medianMs.toFixed(1)) })}\n`);
