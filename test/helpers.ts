import type { InstanceConfig } from '../src/model/instance.js';
import type { BatchShape, PerfModel } from '../src/model/perfModel.js';
import type { RequestSpec, Workload } from '../src/model/request.js';
import { Rng } from '../src/kernel/rng.js';
import { vllmScheduler } from '../src/policies/schedulers/vllm.js';
import type { ClusterPolicy } from '../src/policies/clusterPolicy.js';
import { ReqState } from '../src/model/requestTable.js';
import { Simulation, type ClusterConfig, type SimResult } from '../src/sim/simulation.js';

/** A perf model for tests: time = a + b * all tokens in the batch + c * decode context. */
export function linearPerf(a: number, b = 0, c = 0): PerfModel {
  return {
    name: 'test-linear',
    iterationTime: (s: BatchShape) => a + b * (s.prefillTokens + s.decodeSeqs) + c * s.decodeContextTokens,
  };
}

export function instanceConfig(over: Partial<InstanceConfig> = {}): InstanceConfig {
  return {
    maxNumSeqs: 64,
    maxBatchedTokens: 4096,
    blockSize: 16,
    kvBlocks: 2000,
    watermark: 0.01,
    preemption: 'recompute',
    hostKvBlocks: 0,
    swapSecondsPerBlock: 0,
    ...over,
  };
}

/** The vLLM scheduler in V1 (mixed, chunked) or V0 (prefill-first) style, as a per-instance factory. */
export function vllmStyle(chunked: boolean): ClusterConfig['scheduler'] {
  return () => vllmScheduler(chunked ? 'mixed' : 'prefill-first');
}

export function clusterConfig(policy: ClusterPolicy, over: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    numInstances: 1,
    instance: instanceConfig(),
    perf: linearPerf(0.01, 1e-5, 1e-7),
    scheduler: () => vllmScheduler('mixed'),
    policy,
    reportIntervalS: 0.05,
    slo: { e2eSlack: 5 },
    kvBytesPerToken: 524288,
    interconnectBandwidth: 25e9,
    migrationPauseS: 0.002,
    moveWaitingS: 0.0005,
    check: true,
    ...over,
  };
}

/**
 * A small cluster for policy tests: 4 instances of 16 sequences, 2,048-token batches and 600 KV
 * blocks, cheap migrations, an SLO slack of 3; `over` replaces any of it (`instance` field by field).
 */
export function smallCluster(policy: ClusterPolicy, perf: PerfModel, over: Omit<Partial<ClusterConfig>, 'instance'> & { instance?: Partial<InstanceConfig> } = {}): ClusterConfig {
  const { instance, ...rest } = over;
  return clusterConfig(policy, {
    numInstances: 4,
    instance: instanceConfig({ maxNumSeqs: 16, maxBatchedTokens: 2048, kvBlocks: 600, ...instance }),
    perf,
    slo: { e2eSlack: 3 },
    kvBytesPerToken: 1,
    interconnectBandwidth: 1e6,
    migrationPauseS: 0.001,
    moveWaitingS: 0.001,
    ...rest,
  });
}

/** Poisson arrivals with lengths from the given samplers. */
export function* poissonWorkload(
  seed: string,
  rate: number,
  n: number,
  prompt: (r: Rng) => number,
  output: (r: Rng) => number,
  type = 'test',
): Generator<RequestSpec> {
  const ra = new Rng(`${seed}:arrivals`);
  const rl = new Rng(`${seed}:lengths`);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += ra.exponential(rate);
    yield { arrival: t, promptTokens: prompt(rl), outputTokens: output(rl), type };
  }
}

export function run(cfg: ClusterConfig, w: Workload) {
  return new Simulation(cfg).run(w);
}

/**
 * Sum and count of the TBT log against the completed requests' decode spans (the log's exactness
 * invariant); `excluded(id)` is time inside a request's span that is not a gap (its API calls).
 */
export function tbtBalance(res: SimResult, excluded: (id: number) => number = () => 0): { gapSum: number; gapCount: number; spans: number; tokens: number } {
  let gapSum = 0;
  let gapCount = 0;
  for (const inst of res.instances) {
    for (let i = 0; i < inst.tbt.size; i++) {
      gapSum += (inst.tbt.gaps[i] as number) * (inst.tbt.counts[i] as number);
      gapCount += inst.tbt.counts[i] as number;
    }
  }
  let spans = 0;
  let tokens = 0;
  for (let id = 0; id < res.table.count; id++) {
    if (res.table.state[id] !== ReqState.Done) continue;
    spans += (res.table.completion[id] as number) - (res.table.firstToken[id] as number) - excluded(id);
    tokens += (res.table.output[id] as number) - 1;
  }
  return { gapSum, gapCount, spans, tokens };
}
