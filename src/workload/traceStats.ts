import { InputError } from '../core/errors.js';
import { quantileSorted } from '../stats/quantile.js';
import type { TraceReadOptions } from './traceReader.js';
import { openTrace } from './traces.js';

/**
 * Descriptive statistics of a trace: what docs/WORKLOADS.md tabulates and what the presets are
 * fitted from. Pure functions over the columns; `traceStats(path)` only adds the reading.
 * Quantiles are Hyndman-Fan type 7 (numpy's default).
 */

/** Lower edges of the prompt-length bins used for "output given prompt bin" (the last is open). */
export const PROMPT_BIN_EDGES: readonly number[] = [1, 128, 256, 512, 1024, 2048, 4096];

/** Window lengths (s) at which count dispersion is reported. */
export const DISPERSION_WINDOWS_S: readonly number[] = [1, 10, 60];

export interface TraceColumns {
  readonly type: string;
  /** Seconds since the first request. */
  readonly arrival: Float64Array;
  readonly prompt: Float64Array;
  readonly output: Float64Array;
}

export interface ColumnStats {
  readonly mean: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface DispersionStats {
  readonly windowS: number;
  /** Variance / mean of request counts in consecutive full windows (1 for Poisson). */
  readonly indexOfDispersion: number;
  /** Share of windows without any request. */
  readonly emptyFraction: number;
}

export interface PromptBinStats {
  readonly fromTokens: number;
  /** Exclusive upper edge; Infinity for the last bin. */
  readonly toTokens: number;
  readonly count: number;
  readonly output: ColumnStats;
}

export interface TraceStats {
  readonly type: string;
  readonly count: number;
  readonly durationS: number;
  /** (count - 1) / duration, the inverse of the mean gap. */
  readonly meanRatePerS: number;
  /** Coefficient of variation of the gaps between consecutive requests (1 for Poisson). */
  readonly gapCv: number;
  readonly dispersion: readonly DispersionStats[];
  readonly prompt: ColumnStats;
  readonly output: ColumnStats;
  /** Pearson correlation of prompt and output tokens. */
  readonly correlation: number;
  readonly promptBins: readonly PromptBinStats[];
}

/** Reads a whole trace (Azure .csv or Mooncake .jsonl) into columns: 24 bytes per request. */
export function loadTraceColumns(path: string, options: TraceReadOptions = {}): TraceColumns {
  const reader = openTrace(path, options);
  let cap = 1024;
  let arrival: Float64Array = new Float64Array(cap);
  let prompt: Float64Array = new Float64Array(cap);
  let output: Float64Array = new Float64Array(cap);
  let n = 0;
  for (let r = reader.next(); !r.done; r = reader.next()) {
    if (n === cap) {
      cap *= 2;
      arrival = grow(arrival, cap);
      prompt = grow(prompt, cap);
      output = grow(output, cap);
    }
    arrival[n] = r.value.arrival;
    prompt[n] = r.value.promptTokens;
    output[n] = r.value.outputTokens;
    n++;
  }
  if (n === 0) throw new InputError(path, Math.max(1, reader.lineNumber), '(file)', 'the trace has no requests');
  return { type: reader.type, arrival: arrival.slice(0, n), prompt: prompt.slice(0, n), output: output.slice(0, n) };
}

function grow(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/** All statistics of the trace file at `path` (CLI-independent; see docs/WORKLOADS.md). */
export function traceStats(path: string, options: TraceReadOptions = {}): TraceStats {
  return traceStatsOf(loadTraceColumns(path, options));
}

export function traceStatsOf(c: TraceColumns): TraceStats {
  const n = c.arrival.length;
  const durationS = c.arrival[n - 1]! - c.arrival[0]!;
  return {
    type: c.type,
    count: n,
    durationS,
    meanRatePerS: (n - 1) / durationS,
    gapCv: gapCv(c.arrival),
    dispersion: DISPERSION_WINDOWS_S.map((w) => countDispersion(c.arrival, w)),
    prompt: columnStats(c.prompt),
    output: columnStats(c.output),
    correlation: pearson(c.prompt, c.output),
    promptBins: promptBinStats(c.prompt, c.output, PROMPT_BIN_EDGES),
  };
}

export function columnStats(values: ArrayLike<number>): ColumnStats {
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return {
    mean: sum / s.length,
    min: s[0]!,
    p50: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    p99: quantileSorted(s, 0.99),
    max: s[s.length - 1]!,
  };
}

/** Coefficient of variation (population sd / mean) of consecutive differences. */
export function gapCv(times: ArrayLike<number>): number {
  const n = times.length - 1;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const g = times[i + 1]! - times[i]!;
    sum += g;
    sumSq += g * g;
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean)) / mean;
}

/** Counts in consecutive windows [k w, (k+1) w) from the first arrival; the partial last window is dropped. */
export function countDispersion(times: ArrayLike<number>, windowS: number): DispersionStats {
  const t0 = times[0]!;
  const windows = Math.floor((times[times.length - 1]! - t0) / windowS);
  const counts = new Float64Array(Math.max(windows, 0));
  for (let i = 0; i < times.length; i++) {
    const k = Math.floor((times[i]! - t0) / windowS);
    if (k < windows) counts[k]!++;
  }
  let sum = 0;
  let sumSq = 0;
  let empty = 0;
  for (const x of counts) {
    sum += x;
    sumSq += x * x;
    if (x === 0) empty++;
  }
  const mean = sum / windows;
  return { windowS, indexOfDispersion: (sumSq / windows - mean * mean) / mean, emptyFraction: empty / windows };
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Output statistics per prompt-length bin [edges[i], edges[i+1]); empty bins are omitted. */
export function promptBinStats(prompt: ArrayLike<number>, output: ArrayLike<number>, edges: readonly number[]): PromptBinStats[] {
  return binOutputs(prompt, output, edges).flatMap((values, i) =>
    values.length === 0
      ? []
      : [{ fromTokens: edges[i]!, toTokens: edges[i + 1] ?? Infinity, count: values.length, output: columnStats(values) }],
  );
}

/** The outputs of the requests in each prompt bin (bin i: edges[i] <= prompt < edges[i+1]). */
export function binOutputs(prompt: ArrayLike<number>, output: ArrayLike<number>, edges: readonly number[]): number[][] {
  const bins: number[][] = edges.map(() => []);
  for (let i = 0; i < prompt.length; i++) {
    let b = edges.length - 1;
    while (b > 0 && prompt[i]! < edges[b]!) b--;
    bins[b]!.push(output[i]!);
  }
  return bins;
}
