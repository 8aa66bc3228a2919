/**
 * `npm run bench`: simulates GAPS_BENCH_REQUESTS (default 1,000,000) conversation-shaped requests on
 * 32 instances at about 85% load with least-outstanding, GAPS (linear predictor, calibration and
 * rebalancing on) and Llumnix routing, each run in its own process, and a minimal compiled C++ event
 * loop over the same arrivals (bench/minimalLoop.cpp, built here with g++ into bench/.build/) in the
 * same round, so the ratios are measured under the same machine load. Prints one JSON line per
 * configuration (medians over GAPS_BENCH_RUNS rounds, default 3) and one line of ratios. Figures and
 * targets: docs/PERFORMANCE.md. Not a test: nothing here asserts a time.
 *
 * GAPS_BENCH_ROUTERS=least-outstanding,gaps+linear,llumnix picks the configurations (ROUTER+PREDICTOR).
 * Above two million requests (e.g. GAPS_BENCH_REQUESTS=10000000) the default is one round of
 * least-outstanding only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyShape } from '../src/model/perfModel.js';
import { prepare } from '../src/run/simulate.js';
import { BENCH_INSTANCES, benchConfig } from './benchConfig.js';

const n = Number(process.env.GAPS_BENCH_REQUESTS ?? 1_000_000);
const large = n > 2_000_000; // the ten-million mode: one round of least-outstanding unless asked for more
const rounds = Number(process.env.GAPS_BENCH_RUNS ?? (large ? 1 : 3));
const specs = (process.env.GAPS_BENCH_ROUTERS ?? (large ? 'least-outstanding' : 'least-outstanding,gaps+linear,llumnix')).split(',');
const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = join(here, '..', '..');
const buildDir = join(root, 'bench', '.build');

type Line = Record<string, number | string>;

/** The same arrivals as the TypeScript runs, as (double arrival, int32 prompt, int32 output) records. */
function writeArrivals(): { file: string; coeffs: number[]; maxNumSeqs: number; maxBatchedTokens: number } {
  const p = prepare(benchConfig('least-outstanding', n));
  const w = p.workload.make(p.resolved.rate);
  const buf = Buffer.alloc(16 * n);
  let k = 0;
  for (let r = w.next(); !r.done && k < n; r = w.next(), k++) {
    buf.writeDoubleLE(r.value.arrival, 16 * k);
    buf.writeInt32LE(r.value.promptTokens, 16 * k + 8);
    buf.writeInt32LE(r.value.outputTokens, 16 * k + 12);
  }
  mkdirSync(buildDir, { recursive: true });
  const file = join(buildDir, `arrivals-${n}.bin`);
  writeFileSync(file, buf.subarray(0, 16 * k));
  // Iteration time made linear, c0 + cp·prefill + cd·seqs + cc·context, by least squares over a grid
  // of batch shapes like the ones this run forms (chunks up to the token budget, 0–128 decodes).
  const at = (prefill: number, seqs: number, ctx: number): number => {
    const s = emptyShape();
    s.prefillSeqs = prefill > 0 ? 1 : 0;
    s.prefillTokens = prefill;
    s.prefillAttnPairs = (prefill * (prefill + 1)) / 2;
    s.decodeSeqs = seqs;
    s.decodeContextTokens = ctx;
    return p.perf.iterationTime(s);
  };
  const rows: number[][] = [];
  const ys: number[] = [];
  for (const prefill of [0, 128, 512, 1024, 2048, 4096]) {
    for (const seqs of [0, 8, 16, 32, 64, 128]) {
      for (const perSeq of [600, 1200, 2400]) {
        if (prefill === 0 && seqs === 0) continue;
        rows.push([1, prefill, seqs, seqs * perSeq]);
        ys.push(at(prefill, seqs, seqs * perSeq));
      }
    }
  }
  const [c0, cp, cd, cc] = leastSquares(rows, ys);
  const e = p.resolved.config.engine;
  return { file, coeffs: [c0 as number, cp as number, cd as number, cc as number], maxNumSeqs: e.maxNumSeqs, maxBatchedTokens: e.maxBatchedTokens };
}

/** Ordinary least squares by the normal equations (4 unknowns; Gaussian elimination with pivoting). */
function leastSquares(rows: number[][], ys: number[]): number[] {
  const k = (rows[0] as number[]).length;
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  rows.forEach((r, n) => {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) (a[i] as number[])[j] = ((a[i] as number[])[j] as number) + (r[i] as number) * (r[j] as number);
      (a[i] as number[])[k] = ((a[i] as number[])[k] as number) + (r[i] as number) * (ys[n] as number);
    }
  });
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs((a[r] as number[])[c] as number) > Math.abs((a[piv] as number[])[c] as number)) piv = r;
    [a[c], a[piv]] = [a[piv] as number[], a[c] as number[]];
    const row = a[c] as number[];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = ((a[r] as number[])[c] as number) / (row[c] as number);
      for (let j = c; j <= k; j++) (a[r] as number[])[j] = ((a[r] as number[])[j] as number) - f * (row[j] as number);
    }
  }
  return a.map((row, i) => (row[k] as number) / (row[i] as number));
}

function buildMinimalLoop(): string | undefined {
  const src = join(root, 'bench', 'minimalLoop.cpp');
  const exe = join(buildDir, 'minimalLoop');
  if (spawnSync('g++', ['--version']).status !== 0) {
    process.stderr.write('minimal C++ loop skipped: g++ not found (install build-essential for the ratio)\n');
    return undefined;
  }
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(src).mtimeMs) {
    const r = spawnSync('g++', ['-O2', '-std=c++17', '-o', exe, src], { encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`minimal C++ loop skipped: g++ failed:\n${r.stderr}`);
      return undefined;
    }
  }
  return exe;
}

function runJson(cmd: string, args: string[]): Line {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const line = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Line;
  line.processWallS = Number((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3));
  line.eventsPerS = Math.round(Number(line.events) / Number(line.wallS));
  return line;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const arrivals = writeArrivals();
const exe = buildMinimalLoop();
const results = new Map<string, Line[]>();
const push = (k: string, l: Line): void => void results.set(k, [...(results.get(k) ?? []), l]);
for (let round = 0; round < rounds; round++) {
  if (exe) {
    const c = arrivals.coeffs.map((x) => x.toExponential(12));
    push('minimal-c++', runJson(exe, [arrivals.file, String(BENCH_INSTANCES), String(arrivals.maxNumSeqs), String(arrivals.maxBatchedTokens), ...c]));
  }
  for (const spec of specs) push(spec, runJson(process.execPath, [join(here, 'simulateOne.js'), spec, String(n)]));
}
const med = (k: string, f: string): number => median((results.get(k) ?? []).map((l) => Number(l[f])));
for (const [k, ls] of results) {
  const out: Line = { config: k, rounds: ls.length, ...(ls[0] as Line) };
  for (const f of ['wallS', 'cpuS', 'processWallS', 'peakRssMB', 'eventsPerS']) if (f in out) out[f] = med(k, f);
  out.eventsPerS = Math.round(Number(out.events) / Number(out.wallS));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
// Ratios per round (the same machine load for both sides), then their median.
const ratio = (a: string, b: string, f: string): number | undefined => {
  const A = results.get(a);
  const B = results.get(b);
  if (!A || !B) return undefined;
  return Number(median(A.map((l, i) => Number(l[f]) / Number((B[i] as Line)[f]))).toFixed(2));
};
const lor = 'least-outstanding';
const ratios: Record<string, number | undefined> = {
  lorOverMinimalWall: ratio(lor, 'minimal-c++', 'wallS'),
  lorOverMinimalCpu: ratio(lor, 'minimal-c++', 'cpuS'),
  lorOverMinimalPerEvent: ratio('minimal-c++', lor, 'eventsPerS'),
  ...Object.fromEntries(specs.filter((s) => s !== lor).map((s) => [`${s}OverLorWall`, ratio(s, lor, 'wallS')])),
  ...Object.fromEntries(specs.filter((s) => s !== lor).map((s) => [`${s}OverLorCpu`, ratio(s, lor, 'cpuS')])),
};
process.stdout.write(`${JSON.stringify({ requests: n, rounds, ratios })}\n`);
