import { quantileSorted } from '../../stats/quantile.js';

/** What the load generator measured for one request (seconds, from the request's send time). */
export interface RequestResult {
  readonly success: boolean;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly ttft: number;
  readonly latency: number;
  /** Gaps between successive streamed chunks after the first. */
  readonly itl: readonly number[];
  readonly error?: string;
}

/** SLOs for goodput, milliseconds (vLLM's `--goodput ttft:MS tpot:MS e2el:MS`). */
export interface GoodputSlos {
  readonly ttft?: number;
  readonly tpot?: number;
  readonly e2el?: number;
}

/**
 * The summary `vllm bench serve` writes, with its field names and definitions: throughputs over
 * the benchmark's duration; TPOT per request = (latency - ttft) / (output - 1) for outputs > 1;
 * ITL pooled over every gap between chunks; percentiles by linear interpolation (numpy's default);
 * goodput = requests meeting every given SLO per second.
 */
export interface BenchReport {
  duration: number;
  completed: number;
  failed: number;
  total_input_tokens: number;
  total_output_tokens: number;
  request_throughput: number;
  request_goodput: number | null;
  output_throughput: number;
  total_token_throughput: number;
  max_concurrency: number | null;
  request_rate: number | null;
  burstiness: number;
  goodput_slos_ms: GoodputSlos;
  [metricField: string]: number | null | GoodputSlos | string[];
  errors: string[];
}

const METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;

function stats(xs: number[], into: Record<string, number>, name: string, percentiles: readonly number[]): void {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  let sum = 0;
  for (const x of s) sum += x;
  const mean = n ? sum / n : Number.NaN;
  let sq = 0;
  for (const x of s) sq += (x - mean) ** 2;
  into[`mean_${name}_ms`] = mean * 1000;
  into[`median_${name}_ms`] = quantileSorted(s, 0.5) * 1000;
  into[`std_${name}_ms`] = n ? Math.sqrt(sq / n) * 1000 : Number.NaN;
  for (const p of percentiles) into[`p${p}_${name}_ms`] = quantileSorted(s, p / 100) * 1000;
}

export function benchReport(
  results: readonly RequestResult[],
  durationS: number,
  opts: { maxConcurrency?: number; rate?: number; burstiness?: number; slos?: GoodputSlos; percentiles?: readonly number[] },
): BenchReport {
  const ok = results.filter((r) => r.success);
  const series: Record<(typeof METRICS)[number], number[]> = { ttft: [], tpot: [], itl: [], e2el: [] };
  let inTok = 0;
  let outTok = 0;
  let good = 0;
  const slos = opts.slos ?? {};
  for (const r of ok) {
    inTok += r.promptTokens;
    outTok += r.outputTokens;
    series.ttft.push(r.ttft);
    series.e2el.push(r.latency);
    const tpot = r.outputTokens > 1 ? (r.latency - r.ttft) / (r.outputTokens - 1) : Number.NaN;
    if (r.outputTokens > 1) series.tpot.push(tpot);
    for (const g of r.itl) series.itl.push(g);
    const meets =
      (slos.ttft === undefined || r.ttft * 1000 <= slos.ttft) &&
      (slos.tpot === undefined || !(tpot * 1000 > slos.tpot)) &&
      (slos.e2el === undefined || r.latency * 1000 <= slos.e2el);
    if (meets) good++;
  }
  const hasSlo = slos.ttft !== undefined || slos.tpot !== undefined || slos.e2el !== undefined;
  const out: BenchReport = {
    duration: durationS,
    completed: ok.length,
    failed: results.length - ok.length,
    total_input_tokens: inTok,
    total_output_tokens: outTok,
    request_throughput: ok.length / durationS,
    request_goodput: hasSlo ? good / durationS : null,
    output_throughput: outTok / durationS,
    total_token_throughput: (inTok + outTok) / durationS,
    max_concurrency: opts.maxConcurrency ?? null,
    request_rate: opts.rate ?? null,
    burstiness: opts.burstiness ?? 1,
    goodput_slos_ms: slos,
    errors: [...new Set(results.filter((r) => !r.success).map((r) => r.error ?? 'unknown'))].slice(0, 10),
  };
  const pct = opts.percentiles ?? [99];
  for (const m of METRICS) stats(series[m], out as unknown as Record<string, number>, m, pct);
  return out;
}

/** The human-readable block `vllm bench serve` prints. */
export function formatBenchReport(r: BenchReport): string {
  const f = (x: unknown, d = 2): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const lines = [
    '============ Serving Benchmark Result ============',
    `Successful requests:                     ${r.completed}`,
    `Failed requests:                         ${r.failed}`,
    `Benchmark duration (s):                  ${f(r.duration)}`,
    `Total input tokens:                      ${r.total_input_tokens}`,
    `Total generated tokens:                  ${r.total_output_tokens}`,
    `Request throughput (req/s):              ${f(r.request_throughput)}`,
    ...(r.request_goodput !== null ? [`Request goodput (req/s):                 ${f(r.request_goodput)}`] : []),
    `Output token throughput (tok/s):         ${f(r.output_throughput)}`,
    `Total Token throughput (tok/s):          ${f(r.total_token_throughput)}`,
  ];
  const names: Record<string, string> = { ttft: 'Time to First Token', tpot: 'Time per Output Token (excl. 1st token)', itl: 'Inter-token Latency', e2el: 'End-to-end Latency' };
  for (const m of METRICS) {
    lines.push(`${`---------------${names[m]}`.padEnd(50, '-')}`);
    for (const k of Object.keys(r).filter((k) => k.endsWith(`_${m}_ms`) && !k.startsWith('std_'))) {
      const label = k.startsWith('mean') ? `Mean ${m.toUpperCase()} (ms):` : k.startsWith('median') ? `Median ${m.toUpperCase()} (ms):` : `${k.split('_')[0]?.toUpperCase()} ${m.toUpperCase()} (ms):`;
      lines.push(`${label.padEnd(42)}${f(r[k])}`);
    }
  }
  lines.push('==================================================');
  if (r.errors.length) lines.push(`errors: ${r.errors.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
