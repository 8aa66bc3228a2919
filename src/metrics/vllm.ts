import { ConfigError } from '../core/errors.js';
import { ReqState } from '../model/requestTable.js';
import type { SimResult } from '../sim/simulation.js';
import { describeSlos, type SloDefaults } from '../sim/slo.js';
import { quantileSorted } from '../stats/quantile.js';
import { sortWithWeights } from '../stats/quantileReference.js';

/**
 * The run's metrics under the names and units of `vllm bench serve`'s result JSON (vLLM
 * benchmarks/serve.py), so that a simulated run and a measured one can be compared field by field.
 * Definitions follow vLLM: times in milliseconds; TPOT per request = (e2el - ttft) / (output - 1)
 * over requests with more than one output token; ITL = every gap between consecutive tokens;
 * percentiles by linear interpolation (numpy's default); std is the population standard deviation
 * (numpy's default, ddof = 0); a request is "good" when it meets every --goodput target (TPOT of a
 * one-token request counts as 0, as in vLLM). `duration` is first arrival to last completion (vLLM:
 * the benchmark's wall time). Our additions: `max_*_ms` and `goodput_targets_ms`.
 */
export interface GoodputTargets {
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  readonly e2elMs?: number;
}

export interface VllmMetricsOptions {
  /** Percentiles in (0, 100], default [99] (vLLM's default `--metric-percentiles 99`). */
  readonly percentiles?: readonly number[];
  readonly goodput?: GoodputTargets;
}

export const DEFAULT_PERCENTILES: readonly number[] = [99];

/** `50,90,99,99.9` to [50, 90, 99, 99.9]; errors name the flag and the bad entry. */
export function parsePercentiles(text: string, key = '--percentiles'): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const p = Number(part.trim());
    if (part.trim() === '' || !Number.isFinite(p) || p <= 0 || p > 100) {
      throw new ConfigError(`${key}: expected percentiles in (0, 100] separated by commas, got '${part}'`);
    }
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

const GOODPUT_KEYS = { ttft: 'ttftMs', tpot: 'tpotMs', e2el: 'e2elMs' } as const;

/** vLLM's `--goodput ttft:MS tpot:MS e2el:MS` (one or more `name:milliseconds` pairs). */
export function parseGoodput(items: readonly string[], key = '--goodput'): GoodputTargets {
  const t: Record<string, number> = {};
  for (const item of items.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean)) {
    const [name, value, extra] = item.split(':');
    const field = GOODPUT_KEYS[name as keyof typeof GOODPUT_KEYS];
    const ms = Number(value);
    if (!field || extra !== undefined || value === undefined || value.trim() === '' || !Number.isFinite(ms) || ms <= 0) {
      throw new ConfigError(`${key}: expected NAME:MILLISECONDS with NAME one of ${Object.keys(GOODPUT_KEYS).join(', ')} and a positive number, got '${item}'`);
    }
    t[field] = ms;
  }
  return t as GoodputTargets;
}

/** vLLM's key for percentile p: p99, p99.9, p50. */
export function percentileKey(p: number): string {
  return `p${String(p)}`; // JavaScript prints 99 and 99.9 as Python's str(int(p)) and str(p) do
}

interface Stat {
  mean: number;
  median: number;
  std: number;
  max: number;
  at: number[];
}

function statOf(values: Float64Array, ps: readonly number[]): Stat {
  const xs = values.sort();
  const n = xs.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i] as number;
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((xs[i] as number) - mean) ** 2;
  return {
    mean,
    median: quantileSorted(xs, 0.5),
    std: n ? Math.sqrt(ss / n) : NaN,
    max: n ? (xs[n - 1] as number) : NaN,
    at: ps.map((p) => quantileSorted(xs, p / 100)),
  };
}

/** The same over (value, multiplicity) pairs without expanding them (TBT is logged that way). */
function weightedStatOf(values: Float64Array, counts: Float64Array, ps: readonly number[]): Stat {
  const { sorted, w } = sortWithWeights(values, counts);
  let total = 0;
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) {
    total += w[i] as number;
    sum += (sorted[i] as number) * (w[i] as number);
  }
  const mean = total ? sum / total : NaN;
  let ss = 0;
  for (let i = 0; i < sorted.length; i++) ss += (w[i] as number) * ((sorted[i] as number) - mean) ** 2;
  // The value at 0-based rank k of the expanded sample, by one walk per query (few queries).
  const atRank = (k: number): number => {
    let acc = 0;
    for (let i = 0; i < sorted.length; i++) {
      acc += w[i] as number;
      if (k < acc) return sorted[i] as number;
    }
    return NaN;
  };
  const q = (p: number): number => {
    if (total === 0) return NaN;
    const h = (total - 1) * p;
    const lo = Math.floor(h);
    const a = atRank(lo);
    return h === lo ? a : a + (h - lo) * (atRank(Math.min(lo + 1, total - 1)) - a);
  };
  return { mean, median: q(0.5), std: total ? Math.sqrt(ss / total) : NaN, max: sorted.length ? (sorted[sorted.length - 1] as number) : NaN, at: ps.map((p) => q(p / 100)) };
}

/** vLLM writes NaN as NaN (Python json); we write null, which every JSON reader accepts. */
function ms(x: number): number | null {
  return Number.isFinite(x) ? x * 1000 : null;
}

export function vllmMetrics(r: SimResult, o: VllmMetricsOptions = {}): Record<string, number | null | Record<string, number>> {
  const ps = o.percentiles ?? DEFAULT_PERCENTILES;
  const t = r.table;
  const n = t.count;
  const ttft = new Float64Array(n);
  const e2el = new Float64Array(n);
  const tpot = new Float64Array(n);
  let completed = 0;
  let multi = 0;
  let inTokens = 0;
  let outTokens = 0;
  let good = 0;
  let first = Infinity;
  let last = 0;
  const g = o.goodput;
  for (let id = 0; id < n; id++) {
    const a = t.arrival[id] as number;
    if (a < first) first = a;
    if (t.state[id] !== ReqState.Done) continue;
    const f = (t.firstToken[id] as number) - a;
    const c = t.completion[id] as number;
    if (c > last) last = c;
    const e = c - a;
    const out = t.output[id] as number;
    ttft[completed] = f;
    e2el[completed] = e;
    completed++;
    inTokens += t.prompt[id] as number;
    outTokens += out;
    const tp = out > 1 ? (e - f) / (out - 1) : 0;
    if (out > 1) tpot[multi++] = tp;
    if (g && (g.ttftMs === undefined || f * 1000 <= g.ttftMs) && (g.tpotMs === undefined || tp * 1000 <= g.tpotMs) && (g.e2elMs === undefined || e * 1000 <= g.e2elMs)) good++;
  }
  let samples = 0;
  for (const inst of r.instances) samples += inst.tbt.size;
  const gaps = new Float64Array(samples);
  const counts = new Float64Array(samples);
  let k = 0;
  for (const inst of r.instances) {
    gaps.set(inst.tbt.gaps.subarray(0, inst.tbt.size), k);
    counts.set(inst.tbt.counts.subarray(0, inst.tbt.size), k);
    k += inst.tbt.size;
  }
  const duration = n > 0 ? Math.max(last - first, 0) : 0;
  const per = (x: number): number => (duration > 0 ? x / duration : 0);
  const out: Record<string, number | null | Record<string, number>> = {
    duration,
    completed,
    failed: n - completed,
    total_input_tokens: inTokens,
    total_output_tokens: outTokens,
    request_throughput: per(completed),
    request_goodput: g ? per(good) : null,
    output_throughput: per(outTokens),
    total_token_throughput: per(inTokens + outTokens),
  };
  if (g) out.goodput_targets_ms = { ...(g.ttftMs !== undefined ? { ttft: g.ttftMs } : {}), ...(g.tpotMs !== undefined ? { tpot: g.tpotMs } : {}), ...(g.e2elMs !== undefined ? { e2el: g.e2elMs } : {}) };
  const stats: [string, Stat][] = [
    ['ttft', statOf(ttft.subarray(0, completed), ps)],
    ['tpot', statOf(tpot.subarray(0, multi), ps)],
    ['itl', weightedStatOf(gaps, counts, ps)],
    ['e2el', statOf(e2el.subarray(0, completed), ps)],
  ];
  for (const [name, s] of stats) {
    out[`mean_${name}_ms`] = ms(s.mean);
    out[`median_${name}_ms`] = ms(s.median);
    out[`std_${name}_ms`] = ms(s.std);
    ps.forEach((p, i) => {
      out[`${percentileKey(p)}_${name}_ms`] = ms(s.at[i] as number);
    });
    out[`max_${name}_ms`] = ms(s.max);
  }
  return out;
}

const TITLES: Record<string, string> = { ttft: 'Time to First Token', tpot: 'Time per Output Token (excl. 1st token)', itl: 'Inter-token Latency', e2el: 'End-to-end Latency' };

/** The result as `vllm bench serve` prints it. */
export function formatVllm(m: Record<string, unknown>, ps: readonly number[] = DEFAULT_PERCENTILES): string {
  const num = (x: unknown, d = 2): string => (typeof x === 'number' ? x.toFixed(d) : '-');
  const line = (label: string, v: string): string => `${label.padEnd(40)} ${v.padEnd(10)}\n`;
  let s = `${' Serving Benchmark Result '.padStart(37, '=').padEnd(50, '=')}\n`;
  s += line('Successful requests:', String(m.completed));
  s += line('Failed requests:', String(m.failed));
  s += line('Benchmark duration (s):', num(m.duration));
  s += line('Total input tokens:', String(m.total_input_tokens));
  s += line('Total generated tokens:', String(m.total_output_tokens));
  s += line('Request throughput (req/s):', num(m.request_throughput));
  if (m.request_goodput !== null) s += line('Request goodput (req/s):', num(m.request_goodput));
  s += line('Output token throughput (tok/s):', num(m.output_throughput));
  s += line('Total Token throughput (tok/s):', num(m.total_token_throughput));
  const g = m.goodput_targets_ms as Record<string, number> | undefined;
  if (g) s += line('Goodput targets (ms):', Object.entries(g).map(([k, v]) => `${k}:${v}`).join(' '));
  if (m.slo !== undefined) s += line('SLOs judged by gaps:', describeSlos(m.slo as SloDefaults));
  for (const name of ['ttft', 'tpot', 'itl', 'e2el']) {
    const upper = name.toUpperCase();
    const title = ` ${TITLES[name]} `;
    const pad = 50 - title.length;
    s += `${'-'.repeat(Math.floor(pad / 2))}${title}${'-'.repeat(Math.ceil(pad / 2))}\n`;
    s += line(`Mean ${upper} (ms):`, num(m[`mean_${name}_ms`]));
    s += line(`Median ${upper} (ms):`, num(m[`median_${name}_ms`]));
    s += line(`Std ${upper} (ms):`, num(m[`std_${name}_ms`]));
    for (const p of ps) s += line(`P${String(p)} ${upper} (ms):`, num(m[`${percentileKey(p)}_${name}_ms`]));
    s += line(`Max ${upper} (ms):`, num(m[`max_${name}_ms`]));
  }
  s += `${'='.repeat(50)}\n`;
  return s;
}
