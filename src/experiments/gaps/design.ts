import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulateInput } from '../../run/config.js';
import type { SweepJob } from '../sweep.js';

/**
 * The GAPS paper's experiments as sweeps (Section 5). Choices the paper leaves open, in docs/GAPS.md:
 * Llama-2-7B on A100-80GB replicas, the Azure 2023 code and conversation traces replayed with their
 * timestamps scaled so that every cluster size sees the same load per instance (LOAD of the nominal
 * capacity), the end-to-end SLO at 5x the unloaded latency, three seeds.
 */
/** The paper's three figures. */
export type Figure = 'fig3' | 'fig4' | 'fig5';

export const WORKLOADS = ['code', 'conversation'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];
export const BASELINES = ['splitwise', 'llumnix', 'flashgen'] as const;
export const ABLATIONS = ['gaps-nopred', 'gaps-norebal', 'gaps-noglobal'] as const;
export const SIZES = [4, 8, 16, 32] as const;
export const ERRORS = [0, 0.1, 0.2, 0.3, 0.4] as const;
/**
 * Load per instance as a fraction of nominal capacity (src/run/capacity.ts), the same at every N.
 * Chosen per workload so that least-outstanding routing, the classical baseline, is in a regime where
 * scheduling matters (queueing, but finite): the code trace's on/off bursts are five times its mean
 * rate, so it saturates during bursts far below the conversation trace's load.
 */
export const LOAD: Record<WorkloadName, number> = { code: 0.5, conversation: 0.95 };
export const SEEDS = [1, 2, 3] as const;
/** Cluster size of the ablation and robustness studies (the paper does not say; the middle of its range). */
export const STUDY_SIZE = 16;

export interface DesignOptions {
  readonly dataDir: string;
  readonly quick: boolean;
  readonly baseSeed: number;
}

export interface WorkloadSource {
  readonly name: WorkloadName;
  /** Trace path, or undefined when the trace is missing and the fitted preset stands in. */
  readonly trace: string | undefined;
}

const TRACE_FILE: Record<WorkloadName, string> = {
  code: 'AzureLLMInferenceTrace_code.csv',
  conversation: 'AzureLLMInferenceTrace_conv.csv',
};

export function workloadSources(dataDir: string): WorkloadSource[] {
  return WORKLOADS.map((name) => {
    const p = join(dataDir, 'azure-llm-2023', TRACE_FILE[name]);
    return { name, trace: existsSync(p) ? p : undefined };
  });
}

/**
 * A trace replay is deterministic, so repetitions start it at different points (seed k starts at
 * (k - 1) / 3 of the trace and wraps around); a preset draws new requests from the seed instead.
 */
function workloadInput(src: WorkloadSource, quick: boolean, seed: number): SimulateInput['workload'] {
  const rotate = (seed - 1) / SEEDS.length;
  const base = src.trace ? { trace: src.trace, traceType: src.name, ...(rotate > 0 ? { rotate } : {}) } : { preset: `azure-${src.name}` };
  return { ...base, load: LOAD[src.name], ...(quick ? { numRequests: 1200 } : src.trace ? {} : { numRequests: 10_000 }) };
}

function job(labels: SweepJob['labels'], src: WorkloadSource, o: DesignOptions, rest: Partial<SimulateInput>): SweepJob {
  return {
    labels,
    config: {
      seed: o.baseSeed * 1000 + Number(labels.seed),
      deployment: 'llama-2-7b/a100-80gb',
      slo: { e2eSlack: 5 },
      workload: workloadInput(src, o.quick, Number(labels.seed)),
      ...rest,
    },
  };
}

const seedsOf = (o: DesignOptions): readonly number[] => (o.quick ? [1] : SEEDS);

/** Figure 3: P99 latency and SLO violations against cluster size, GAPS against the baselines. */
export function fig3Jobs(o: DesignOptions): SweepJob[] {
  const sizes = o.quick ? [4, 8] : SIZES;
  const jobs: SweepJob[] = [];
  for (const src of workloadSources(o.dataDir)) {
    for (const n of sizes) {
      for (const policy of ['gaps', ...BASELINES]) {
        for (const seed of seedsOf(o)) {
          jobs.push(job({ figure: 'fig3', workload: src.name, instances: n, policy, seed }, src, o, { instances: n, router: policy }));
        }
      }
    }
  }
  return jobs;
}

/** Figure 4: the ablations at one cluster size. */
export function fig4Jobs(o: DesignOptions): SweepJob[] {
  const n = o.quick ? 4 : STUDY_SIZE;
  const jobs: SweepJob[] = [];
  for (const src of workloadSources(o.dataDir)) {
    for (const policy of ['gaps', ...ABLATIONS]) {
      for (const seed of seedsOf(o)) {
        jobs.push(job({ figure: 'fig4', workload: src.name, instances: n, policy, seed }, src, o, { instances: n, router: policy }));
      }
    }
  }
  return jobs;
}

/** Figure 5: GAPS against NoPred under controlled prediction error (noisy oracle, MAPE = e). */
export function fig5Jobs(o: DesignOptions): SweepJob[] {
  const n = o.quick ? 4 : STUDY_SIZE;
  const errors = o.quick ? [0, 0.4] : ERRORS;
  const jobs: SweepJob[] = [];
  for (const src of workloadSources(o.dataDir)) {
    for (const e of errors) {
      for (const policy of ['gaps', 'gaps-nopred']) {
        for (const seed of seedsOf(o)) {
          jobs.push(
            job({ figure: 'fig5', workload: src.name, instances: n, policy, error: e, seed }, src, o, {
              instances: n,
              router: policy,
              predictor: `noisy:${e}`,
            }),
          );
        }
      }
    }
  }
  return jobs;
}
