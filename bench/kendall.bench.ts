/**
 * Micro-benchmark of Kendall's tau over a run's worth of pairs shaped like the prediction-quality
 * metric's: x a predicted length (a float), y the true length (an integer token count). By default
 * synthetic pairs (tau ~0.75); with GAPS_BENCH_RUN=SPEC (e.g. gaps+linear) the real pairs of that
 * benchmark run (`benchConfig`, GAPS_BENCH_PAIRS requests), taken from its request table as the
 * summary takes them. Prints the first call's time (the summary calls the tau once per process, so
 * this is the figure that counts: compile time and all) and the median of GAPS_BENCH_ROUNDS calls
 * after it; the comparator path's times with GAPS_BENCH_COMPARATOR=1. The run's own summary has
 * already called the tau, so for a first call on real pairs save them (GAPS_BENCH_PAIRS_FILE=F with
 * GAPS_BENCH_RUN writes F.x and F.y, as float64) and load them in a fresh process (the same variable
 * alone reads them).
 *
 *   node dist/bench/kendall.bench.js
 *   GAPS_BENCH_RUN=gaps+linear GAPS_BENCH_PAIRS_FILE=/tmp/pairs node dist/bench/kendall.bench.js
 *   GAPS_BENCH_PAIRS_FILE=/tmp/pairs node dist/bench/kendall.bench.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { benchConfig } from './benchConfig.js';
import { Rng } from '../src/kernel/rng.js';
import { ReqState } from '../src/model/requestTable.js';
import { runSimulation } from '../src/run/simulate.js';
import { kendallTau, kendallTauByComparator } from '../src/stats/kendall.js';

const n = Number(process.env.GAPS_BENCH_PAIRS ?? 1_000_000);
const rounds = Number(process.env.GAPS_BENCH_ROUNDS ?? 5);
const run = process.env.GAPS_BENCH_RUN;
const file = process.env.GAPS_BENCH_PAIRS_FILE;
const tau = process.env.GAPS_BENCH_COMPARATOR === '1' ? kendallTauByComparator : kendallTau;

/** Synthetic pairs: sizes uniform in [50, 850], predictions within +-40% of them. */
function synthetic(): { x: Float64Array; y: Float64Array } {
  const rng = new Rng('kendall-bench');
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const size = 50 + rng.next() * 800;
    x[i] = size * (0.6 + rng.next() * 0.8);
    y[i] = Math.round(size);
  }
  return { x, y };
}

/** The predicted and true output lengths of a benchmark run's completed requests (as `schedulingMetrics` collects them). */
function fromRun(spec: string): { x: Float64Array; y: Float64Array } {
  const t = runSimulation(benchConfig(spec, n)).result.table;
  const x = new Float64Array(t.count);
  const y = new Float64Array(t.count);
  let pairs = 0;
  for (let id = 0; id < t.count; id++) {
    const p = t.predictedOutput[id] as number;
    if (t.state[id] !== ReqState.Done || !Number.isFinite(p)) continue;
    x[pairs] = p;
    y[pairs++] = t.output[id] as number;
  }
  return { x: x.subarray(0, pairs), y: y.subarray(0, pairs) };
}

/** Float64 values saved by an earlier run of this bench. */
function load(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const { x, y } = file && !run ? { x: load(`${file}.x`), y: load(`${file}.y`) } : run ? fromRun(run) : synthetic();
if (file && run) {
  writeFileSync(`${file}.x`, x);
  writeFileSync(`${file}.y`, y);
}
const times: number[] = [];
let value = Number.NaN;
for (let r = 0; r <= rounds; r++) {
  const t0 = performance.now();
  value = tau(x, y);
  times.push(performance.now() - t0);
}
const firstMs = times.shift() as number;
times.sort((a, b) => a - b);
const medianMs = times.length > 0 ? (times[times.length >> 1] as number) : Number.NaN;
process.stdout.write(`${JSON.stringify({ pairs: x.length, source: run ?? file ?? 'synthetic', rounds, tau: value, firstMs: Number(firstMs.toFixed(1)), medianMs: Number(medianMs.toFixed(1)) })}\n`);
