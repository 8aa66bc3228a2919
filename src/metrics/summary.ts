import { ReqState } from '../model/requestTable.js';
import type { SimResult } from '../sim/simulation.js';
import { streamingDistribution, weightedDistributionOf, type Distribution } from '../stats/quantile.js';
import type { WeightedSegment } from '../stats/weightedSelect.js';
import { schedulingMetrics, type SchedulingMetrics } from './scheduling.js';

/**
 * The metrics of one run, as `gaps simulate --json` prints them. Definitions (docs/METRICS.md):
 * TTFT = first token - arrival; TPOT = (e2e - TTFT) / (output - 1) over requests with output > 1
 * (vLLM's definition, first token excluded); TBT = every gap between consecutive tokens of a
 * request; e2e = completion - arrival; queueing delay = first scheduled - arrival. Times in seconds.
 */
export interface RunSummary extends SchedulingMetrics {
  arrived: number;
  completed: number;
  rejected: number;
  ttft: Distribution;
  tpot: Distribution;
  tbt: Distribution;
  e2e: Distribution;
  queueingDelay: Distribution;
  sloViolationRate: number;
  sloAttainment: number;
  /** Requests that met every SLO, per second of the run's duration. */
  goodputRps: number;
  throughput: { requestsPerS: number; outputTokensPerS: number; totalTokensPerS: number };
  preemptions: number;
  migrations: number;
  migrationSeconds: number;
  utilization: { mean: number; min: number; max: number };
  /** Forward iterations run by all instances. */
  iterations: number;
  events: number;
  simTimeS: number;
}

export function summarize(r: SimResult): RunSummary {
  const t = r.table;
  const n = t.count;
  // The latency families are produced from the table on demand, all four in the same passes (two,
  // rarely more), instead of being copied: exact percentiles without per-request buffers
  // (src/stats/streamSelect.ts). The first pass also gathers the counts and totals.
  const sinks: LatencySinks = {
    ttft: streamingDistribution(),
    e2e: streamingDistribution(),
    queue: streamingDistribution(),
    tpot: streamingDistribution(),
  };
  const totals: Totals = { completed: 0, violated: 0, outTokens: 0, allTokens: 0, preemptions: 0, firstArrival: Number.POSITIVE_INFINITY, lastCompletion: 0 };
  let first = true;
  let more = true;
  while (more) {
    for (let from = 0; from < n; from += ROWS_PER_CALL) visitRows(r, from, Math.min(n, from + ROWS_PER_CALL), sinks, first ? totals : undefined);
    first = false;
    more = [sinks.ttft.endPass(), sinks.e2e.endPass(), sinks.queue.endPass(), sinks.tpot.endPass()].some((x) => x);
  }
  const { completed, violated, outTokens, allTokens, preemptions, firstArrival, lastCompletion } = totals;
  const ttftS = sinks.ttft;
  const e2eS = sinks.e2e;
  const queueS = sinks.queue;
  const tpotS = sinks.tpot;
  const ttft = ttftS.distribution();
  const e2e = e2eS.distribution();
  const queueingDelay = queueS.distribution();
  const tpot = tpotS.distribution();
  let iterations = 0;
  const segments: WeightedSegment[] = [];
  for (const inst of r.instances) {
    iterations += inst.iterations;
    segments.push(...inst.tbt.segments());
  }
  const duration = n > 0 ? Math.max(lastCompletion - firstArrival, 0) : 0;
  const per = (x: number): number => (duration > 0 ? x / duration : 0);
  const util = r.instances.map((i) => (r.simTimeS > 0 ? i.busyTimeUntil(r.simTimeS) / r.simTimeS : 0));
  return {
    arrived: n,
    completed,
    rejected: r.rejected,
    ttft,
    tpot,
    tbt: weightedDistributionOf(segments),
    e2e,
    queueingDelay,
    sloViolationRate: completed > 0 ? violated / completed : 0,
    sloAttainment: completed > 0 ? 1 - violated / completed : 0,
    goodputRps: per(completed - violated),
    throughput: { requestsPerS: per(completed), outputTokensPerS: per(outTokens), totalTokensPerS: per(allTokens) },
    preemptions,
    migrations: r.migrations,
    migrationSeconds: r.migrationSeconds,
    utilization: {
      mean: util.reduce((s, x) => s + x, 0) / Math.max(1, util.length),
      min: Math.min(...util),
      max: Math.max(...util),
    },
    iterations,
    events: r.events,
    simTimeS: r.simTimeS,
    ...schedulingMetrics(r, (id) => (r.instances[t.instance[id] as number] ?? r.instances[0])?.tbtTargetOf(id) ?? Number.POSITIVE_INFINITY),
  };
}

type LatencySink = ReturnType<typeof streamingDistribution>;
interface LatencySinks {
  readonly ttft: LatencySink;
  readonly e2e: LatencySink;
  readonly queue: LatencySink;
  readonly tpot: LatencySink;
}
/** What the first pass over the table counts and sums besides the latencies. */
interface Totals {
  completed: number;
  violated: number;
  outTokens: number;
  allTokens: number;
  preemptions: number;
  firstArrival: number;
  lastCompletion: number;
}

/**
 * Rows handed to one `visitRows` call. The summary runs once per process, so its loops would run
 * unoptimised until on-stack replacement compiled the whole of `summarize`; a small function called
 * once per block is compiled sooner and cheaper (the first summary of a 1M run took ~330 ms of CPU
 * against ~190 ms for a warm one).
 */
const ROWS_PER_CALL = 4096;

/** One pass over the table's rows [from, to): each completed request's latencies, and on the first pass the totals. */
function visitRows(r: SimResult, from: number, to: number, s: LatencySinks, totals: Totals | undefined): void {
  const t = r.table;
  const { state, arrival, firstToken, firstScheduled, completion, output, prompt } = t;
  const sloViolated = r.sloViolated;
  for (let id = from; id < to; id++) {
    const a = arrival[id] as number;
    if (totals !== undefined) {
      if (a < totals.firstArrival) totals.firstArrival = a;
      totals.preemptions += t.preemptions[id] as number;
    }
    if (state[id] !== ReqState.Done) continue;
    const c = completion[id] as number;
    const out = output[id] as number;
    if (totals !== undefined) {
      totals.completed++;
      if (c > totals.lastCompletion) totals.lastCompletion = c;
      totals.outTokens += out;
      totals.allTokens += out + (prompt[id] as number);
      totals.violated += sloViolated[id] as number;
    }
    const f = (firstToken[id] as number) - a;
    const e = c - a;
    s.ttft.push(f);
    s.e2e.push(e);
    s.queue.push((firstScheduled[id] as number) - a);
    if (out > 1) s.tpot.push((e - f) / (out - 1));
  }
}
