import { ConfigError } from '../core/errors.js';
import { checkPeriod } from '../core/limits.js';
import { splitSpec } from '../core/registry.js';
import { RandomStreams } from '../kernel/rng.js';
import { kvBytesPerToken, kvCapacityBlocks, type Deployment } from '../model/hardware.js';
import type { InstanceConfig } from '../model/instance.js';
import type { PerfAccuracy, PerfModel } from '../model/perfModel.js';
import { summarize, type RunSummary } from '../metrics/summary.js';
import { parseDeployment } from '../perf/presets.js';
import { createPerfModel } from '../perf/registry.js';
import { perfModelAccuracy } from '../perf/accuracy.js';
import { routers } from '../policies/routers/registry.js';
import type { RouterHints } from '../policies/routers/router.js';
import type { ClusterPolicy } from '../policies/clusterPolicy.js';
import { schedulers, withPrefillFirst } from '../policies/schedulers/registry.js';
import { createPredictor } from '../predictors/registry.js';
import type { Controller } from '../policies/controllers/controller.js';
import { Simulation, type SimResult } from '../sim/simulation.js';
import { activeSlos } from '../sim/slo.js';
import type { RequestSpec } from '../model/request.js';
import { buildWorkload, type WorkloadHandle } from '../workload/build.js';
import { inMemoryWorkload } from '../workload/inMemory.js';
import { nominalCapacity } from './capacity.js';
import { MAX_RESERVED_REQUESTS, type RequestSink } from './requestSink.js';
import { parseSimulateConfig, type SimulateConfig } from './config.js';

/** Values derived from the config by `resolve`: written next to results so a run can be repeated. */
export interface ResolvedRun {
  readonly config: SimulateConfig;
  readonly deployment: Deployment;
  readonly instance: InstanceConfig;
  readonly workloadDescription: string;
  readonly meanPromptTokens: number;
  readonly meanOutputTokens: number;
  /** Nominal capacity of one instance, req/s (see capacity.ts). */
  readonly capacityPerInstance: number;
  /** Arrival rate actually used, req/s (undefined: the trace's own timestamps). */
  readonly rate: number | undefined;
}

export interface RunOutput {
  /** The metrics, the predictor used (if any) and the policy's own counters. */
  readonly summary: RunSummary & {
    predictor: string | null;
    policy: Record<string, number>;
    /** The SLOs judged (absent key = not judged). */
    slo: ReturnType<typeof activeSlos>;
    /** Prompt blocks found in the prefix cache / blocks looked up, over all instances (null: caching off). */
    prefixCache: { hitRate: number | null; hitBlocks: number; queriedBlocks: number } | null;
    perfModel: PerfAccuracy;
  };
  readonly result: SimResult;
  readonly resolved: ResolvedRun;
}

/** Hooks for later layers (predictors, rebalancers) without changing this function's callers. */
export interface RunExtensions {
  /** Replaces the cluster policy built from config.router (e.g. a composed GAPS policy). */
  readonly policy?: (ctx: { streams: RandomStreams; perf: PerfModel; deployment: Deployment }) => ClusterPolicy;
  readonly controllers?: readonly Controller[];
  /** Requests in memory instead of `config.workload` (arrival order; an array or any iterable). */
  readonly requests?: Iterable<RequestSpec>;
  /** Told of arrivals pulled so far (every 1%, or every 1,000 when the total is unknown). */
  readonly progress?: (arrived: number, total: number | undefined) => void;
  /** Receives each request's final record during the run (streamed per-request output). */
  readonly requestSink?: RequestSink;
  /** Wraps the instances' performance model (instrumentation, e.g. a step bound in property tests). */
  readonly wrapPerf?: (perf: PerfModel) => PerfModel;
}

export interface Prepared {
  readonly resolved: ResolvedRun;
  readonly perf: PerfModel;
  readonly workload: WorkloadHandle;
  readonly streams: RandomStreams;
}

/** Pure derivation of everything a run needs from its config (no I/O beyond reading named files). */
export function prepare(config: SimulateConfig, requests?: Iterable<RequestSpec>): Prepared {
  const deployment = parseDeployment(config.deployment);
  const perf = createPerfModel(config.perfModel, deployment);
  const e = config.engine;
  const blockBytes = kvBytesPerToken(deployment.model) * e.blockSize;
  const kvBlocks = e.kvBlocks ?? kvCapacityBlocks(deployment, e.blockSize, e.gpuMemoryUtilization);
  if (kvBlocks < 1) {
    throw new ConfigError(
      `engine: ${config.deployment} at gpuMemoryUtilization ${e.gpuMemoryUtilization} with blockSize ${e.blockSize} leaves no room for one KV block after the weights; raise engine.gpuMemoryUtilization, lower engine.blockSize or use more GPUs (tpN)`,
    );
  }
  const instance: InstanceConfig = {
    maxNumSeqs: e.maxNumSeqs,
    maxBatchedTokens: e.maxBatchedTokens,
    blockSize: e.blockSize,
    kvBlocks,
    watermark: e.watermark,
    preemption: e.preemption,
    hostKvBlocks: Math.floor((e.swapSpaceGiB * 2 ** 30 * deployment.tp) / blockBytes),
    swapSecondsPerBlock: blockBytes / (deployment.gpu.pcieBandwidth * deployment.tp),
    prefixCaching: e.prefixCaching,
    tbtTargetS: config.slo.tbtS ?? Number.POSITIVE_INFINITY,
    ...(e.maxModelLen !== undefined ? { maxModelLen: e.maxModelLen } : {}),
  };
  const workload = requests ? inMemoryWorkload(requests) : buildWorkload(config.workload, config.seed);
  const st = workload.stats;
  const capacityPerInstance = nominalCapacity(perf, instance, st.meanPromptTokens, st.meanOutputTokens);
  const w = config.workload;
  const rate = requests ? undefined : w.rate ?? (w.load !== undefined ? w.load * capacityPerInstance * config.instances : undefined);
  if (rate !== undefined && w.rate === undefined && !(Number.isFinite(rate) && rate > 0)) {
    throw new ConfigError(
      `workload.load ${w.load}: gives an arrival rate of ${rate} req/s (nominal capacity ${capacityPerInstance} req/s per instance for mean prompt ${st.meanPromptTokens} and output ${st.meanOutputTokens} tokens); expected a finite rate > 0`,
    );
  }
  const resolved: ResolvedRun = {
    config,
    deployment,
    instance,
    workloadDescription: workload.description,
    meanPromptTokens: st.meanPromptTokens,
    meanOutputTokens: st.meanOutputTokens,
    capacityPerInstance,
    rate,
  };
  return { resolved, perf, workload, streams: new RandomStreams(config.seed) };
}

/** Builds the cluster from a validated config, runs it to completion and summarises it. */
export function runSimulation(given: SimulateConfig, ext: RunExtensions = {}): RunOutput {
  // A config that did not come from parseSimulateConfig (a library caller's literal) is checked here.
  const config = Object.isFrozen(given) ? given : parseSimulateConfig(given, 'config');
  const p = prepare(config, ext.requests);
  const { resolved, perf, streams } = p;
  const policy = ext.policy
    ? ext.policy({ streams, perf, deployment: resolved.deployment })
    : buildPolicy(config.router, streams, config.instances, perf, config.slo.e2eSlack, {
        meanPromptTokens: resolved.meanPromptTokens,
        meanOutputTokens: resolved.meanOutputTokens,
        maxNumSeqs: resolved.instance.maxNumSeqs,
        maxBatchedTokens: resolved.instance.maxBatchedTokens,
        kvTokens: resolved.instance.kvBlocks * resolved.instance.blockSize,
      });
  const sched = splitSpec(config.engine.chunkedPrefill ? config.scheduler : withPrefillFirst(config.scheduler));
  const schedulerFactory = schedulers.get(sched.name);
  const probe = schedulerFactory(sched.arg); // validates the scheduler's argument once
  const needsPredictions = policy.usesPredictions === true || probe.usesPredictions === true || config.slo.deadline !== undefined;
  const predictorSpec = config.predictor ?? (needsPredictions ? DEFAULT_PREDICTOR : undefined);
  const controllers = [...(ext.controllers ?? []), ...(policy.controllers ?? [])];
  for (const c of controllers) checkPeriod(`router '${policy.router.name}': controller interval`, c.intervalS);
  const predictor = predictorSpec ? createPredictor(predictorSpec, streams.stream(`predictor:${predictorSpec}`)) : undefined;
  const sim = new Simulation({
    numInstances: config.instances,
    instance: resolved.instance,
    perf: ext.wrapPerf ? ext.wrapPerf(perf) : perf,
    scheduler: () => schedulerFactory(sched.arg),
    policy,
    reportIntervalS: config.reportIntervalS,
    slo: config.slo,
    kvBytesPerToken: kvBytesPerToken(resolved.deployment.model),
    interconnectBandwidth: resolved.deployment.gpu.interconnectBandwidth,
    migrationPauseS: config.migration.pauseS,
    moveWaitingS: config.migration.moveWaitingS,
    controllers: ext.controllers ?? [],
    predictor,
    check: config.check,
    ...(config.timeSeriesIntervalS !== undefined ? { timeSeriesIntervalS: config.timeSeriesIntervalS } : {}),
    ...(config.slo.tbtByType ? { tbtTargetsByType: config.slo.tbtByType } : {}),
    ...(ext.requestSink ? { onFinal: (id: number, violated: boolean) => ext.requestSink?.final(sim.table, id, violated) } : {}),
  });
  const workload = p.workload.make(resolved.rate);
  const expected = config.workload.numRequests; // an upper bound also when a duration or a shorter trace stops earlier
  if (expected !== undefined) sim.table.reserve(Math.min(expected, MAX_RESERVED_REQUESTS));
  const total = expectedCount(config, p.workload.stats.count);
  const result = sim.run(ext.progress ? new CountedWorkload(workload, total, ext.progress) : workload);
  if (ext.progress) ext.progress(result.table.count, result.table.count);
  ext.requestSink?.end(result.table, result.sloViolated);
  const summary = summarize(result);
  const slo = activeSlos(config.slo);
  return { summary: { ...summary, predictor: predictorSpec ?? null, policy: policy.stats?.() ?? {}, slo, prefixCache: prefixCacheStats(result), perfModel: perfModelAccuracy(perf) }, result, resolved };
}

function prefixCacheStats(r: SimResult): { hitRate: number | null; hitBlocks: number; queriedBlocks: number } | null {
  let hits = 0;
  let lookups = 0;
  let on = false;
  for (const inst of r.instances) {
    if (!inst.prefixCache) continue;
    on = true;
    hits += inst.prefixCache.hits;
    lookups += inst.prefixCache.lookups;
  }
  return on ? { hitRate: lookups > 0 ? hits / lookups : null, hitBlocks: hits, queriedBlocks: lookups } : null;
}

/** How many requests the run will pull, when known (a request limit, or a trace's length). */
function expectedCount(config: SimulateConfig, traceCount: number | undefined): number | undefined {
  const n = config.workload.numRequests;
  if (config.workload.durationS !== undefined) return undefined;
  return n !== undefined && traceCount !== undefined ? Math.min(n, traceCount) : (n ?? traceCount);
}

/** Passes requests through, reporting how many have arrived (progress of long runs). */
class CountedWorkload implements Iterator<RequestSpec> {
  private n = 0;
  private readonly every: number;
  constructor(
    private readonly inner: Iterator<RequestSpec>,
    private readonly total: number | undefined,
    private readonly report: (arrived: number, total: number | undefined) => void,
  ) {
    this.every = total !== undefined ? Math.max(1, Math.floor(total / 100)) : 1000;
  }
  next(): IteratorResult<RequestSpec> {
    const r = this.inner.next();
    if (!r.done && ++this.n % this.every === 0) this.report(this.n, this.total);
    return r;
  }
}

/** The predictor a prediction-using policy gets when none is named. */
export const DEFAULT_PREDICTOR = 'linear';

/** The cluster policy named by a router spec (`name` or `name:arg`), with its own random stream. */
export function buildPolicy(spec: string, streams: RandomStreams, numInstances: number, perf?: PerfModel, e2eSlack?: number, hints?: RouterHints): ClusterPolicy {
  const { name, arg } = splitSpec(spec);
  const factory = routers.get(name);
  return factory({
    rng: streams.stream(`router:${name}`),
    arg,
    numInstances,
    ...(perf ? { perf } : {}),
    ...(e2eSlack !== undefined ? { e2eSlack } : {}),
    ...(hints ? { hints } : {}),
  });
}
