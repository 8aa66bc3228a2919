import type { InstanceConfig } from '../model/instance.js';
import type { PerfModel } from '../model/perfModel.js';
import type { ClusterPolicy } from '../policies/clusterPolicy.js';
import { vllmScheduler } from '../policies/schedulers/vllm.js';
import type { ClusterConfig } from './simulation.js';

/**
 * A small cluster for policy tests: 4 instances of 16 sequences, 2,048-token batches and 600 KV
 * blocks of 16 tokens, recompute preemption, vLLM's mixed scheduler, reports every 50 ms, cheap
 * migrations, invariants checked. `over` replaces any of it (`instance` field by field).
 */
export function smallCluster(policy: ClusterPolicy, perf: PerfModel, over: Omit<Partial<ClusterConfig>, 'instance'> & { instance?: Partial<InstanceConfig> } = {}): ClusterConfig {
  const { instance, ...rest } = over;
  return {
    numInstances: 4,
    instance: {
      maxNumSeqs: 16,
      maxBatchedTokens: 2048,
      blockSize: 16,
      kvBlocks: 600,
      watermark: 0.01,
      preemption: 'recompute',
      hostKvBlocks: 0,
      swapSecondsPerBlock: 0,
      ...instance,
    },
    perf,
    scheduler: () => vllmScheduler('mixed'),
    policy,
    reportIntervalS: 0.05,
    slo: { e2eSlack: 3 },
    kvBytesPerToken: 1,
    interconnectBandwidth: 1e6,
    migrationPauseS: 0.001,
    moveWaitingS: 0.001,
    check: true,
    ...rest,
  };
}
