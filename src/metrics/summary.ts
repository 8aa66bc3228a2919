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
  let completed = 0;
  let violated = 0;
  let outTokens = 0;
  let allTokens = 0;
  let preemptions = 0;
  let firstArrival = Number.POSITIVE_INFINITY;
  let lastCompletion = 0;
  // The latency families are produced from the table on demand, all four in the same passes (two,
  // rarely more), instead of being copied: exact percentiles without per-request buffers
  // (src/stats/streamSelect.ts). The first pass also gathers the counts and totals above.
  const { state, arrival, firstToken, firstScheduled, completion, output, prompt } = t;
  const preempted = t.preemptions;
  const sloViolated = r.sloViolated;
  const ttftS = streamingDistribution();
  const e2eS = streamingDistribution();
  const queueS = streamingDistribution();
  const tpotS = streamingDistribution();
  let first = true;
  let more = true;
  while (more) {
    for (let id = 0; id < n; id++) {
      const a = arrival[id] as number;
      if (first) {
        if (a < firstArrival) firstArrival = a;
        preemptions += preempted[id] as number;
      }
      if (state[id] !== ReqState.Done) continue;
      const c = completion[id] as number;
      const out = output[id] as number;
      if (first) {
        completed++;
        if (c > lastCompletion) lastCompletion = c;
        outTokens += out;
        allTokens += out + (prompt[id] as number);
        violated += sloViolated[id] as number;
      }
      const f = (firstToken[id] as number) - a;
      const e = c - a;
      ttftS.push(f);
      e2eS.push(e);
      queueS.push((firstScheduled[id] as number) - a);
      if (out > 1) tpotS.push((e - f) / (out - 1));
    }
    first = false;
    more = [ttftS.endPass(), e2eS.endPass(), queueS.endPass(), tpotS.endPass()].some((x) => x);
  }
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
