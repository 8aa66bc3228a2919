import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulateInput } from '../../run/config.js';
import type { SweepJob } from '../sweep.js';

/**
 * The GAPS paper's experiments as sweeps (Section 5). Choices the paper leaves open, in docs/GAPS.md:
 * Llama-2-7B on A100-80GB replicas; the Azure 2023 code and conversation traces cut into SEGMENTS
 * disjoint segments of SEGMENT_REQUESTS requests (segment k starts at k / SEGMENTS of the trace), and
 * every policy runs on the same segments, so claims are judged on paired per-segment differences; the
 * SLO is GAPS's own calibrated deadline (`slo.deadline: 'gaps'`, Eq. 2/8) at a slack of 5; the load
 * per workload is chosen by a pilot (loadPilotJobs) so that the least-outstanding baseline's
 * violation rate is in a range that can tell policies apart.
 */
export type Figure = 'fig3' | 'fig3t' | 'fig4' | 'fig5';

export const WORKLOADS = ['code', 'conversation'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];
/**
 * The paper's baselines. FlashGen on these session-less traces routes exactly as least-outstanding
 * (docs/GAPS.md): identical by construction, so least-outstanding is not run beside it.
 */
export const BASELINES = ['splitwise', 'llumnix', 'flashgen'] as const;
export const ABLATIONS = ['gaps-nopred', 'gaps-norebal', 'gaps-noglobal', 'gaps-nomonitor'] as const;
export const SIZES = [4, 8, 16, 32] as const;
export const ERRORS = [0, 0.1, 0.2, 0.3, 0.4] as const;
/** Systematic prediction bias in Fig. 5 besides none: under-estimation by 30% (bias-aware calibration's case). */
export const BIASES = [0, -0.3] as const;
export const SEGMENTS = 5;
export const SEGMENT_REQUESTS = 1000;
/** Cluster size of the ablation and robustness studies (the paper does not say; the middle of its range). */
export const STUDY_SIZE = 16;
/** Fixed-total-rate variant of Fig. 3: the arrival stream that loads N = 4 at the workload's load. */
export const FIXED_TOTAL_BASE = 4;
export const DEADLINE_SLACK = 5;
/** The pilot's loads and its target: the least-outstanding violation rate it aims for. */
export const PILOT_LOADS = [0.1, 0.2, 0.3, 0.4, 0.55, 0.7, 0.85, 1.0, 1.15] as const;
export const PILOT_TARGET = 0.25;
export const PILOT_SIZE = 8;

/** One pilot run: the baseline's violation rate at a load. */
export interface PilotPoint {
  workload: WorkloadName;
  load: number;
  violations: number;
}

export interface DesignOptions {
  readonly dataDir: string;
  readonly quick: boolean;
  readonly baseSeed: number;
  /** Load per workload (fraction of nominal capacity per instance), from the pilot. */
  readonly loads: Readonly<Record<WorkloadName, number>>;
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

export const segmentsOf = (quick: boolean): number[] => Array.from({ length: quick ? 2 : SEGMENTS }, (_, k) => k);
const requestsOf = (quick: boolean): number => (quick ? 300 : SEGMENT_REQUESTS);

/** Segment k of a trace: from k / SEGMENTS of its span, SEGMENT_REQUESTS requests; a preset draws them from the segment's seed. */
function workloadInput(src: WorkloadSource, quick: boolean, segment: number, load: number): SimulateInput['workload'] {
  const rotate = segment / (quick ? 2 : SEGMENTS);
  const base = src.trace ? { trace: src.trace, traceType: src.name, ...(rotate > 0 ? { rotate } : {}) } : { preset: `azure-${src.name}` };
  return { ...base, load, numRequests: requestsOf(quick) };
}

export function job(labels: SweepJob['labels'], src: WorkloadSource, o: Pick<DesignOptions, 'quick' | 'baseSeed'>, load: number, rest: Partial<SimulateInput>): SweepJob {
  const segment = Number(labels.segment);
  return {
    labels,
    config: {
      // The seed drives only the randomised parts (noisy predictions, NoGlobal's sampling, presets),
      // the same for every policy on a segment: the comparison is paired.
      seed: o.baseSeed * 1000 + segment + 1,
      deployment: 'llama-2-7b/a100-80gb',
      slo: { deadline: 'gaps', deadlineSlack: DEADLINE_SLACK },
      workload: workloadInput(src, o.quick, segment, load),
      ...rest,
    },
  };
}

/** Pilot: least-outstanding at N = 8 on the first segment, at each pilot load. */
export function loadPilotJobs(o: Pick<DesignOptions, 'dataDir' | 'quick' | 'baseSeed'>): SweepJob[] {
  const jobs: SweepJob[] = [];
  for (const src of workloadSources(o.dataDir)) {
    for (const load of o.quick ? [0.55, 0.85, 1.15] : PILOT_LOADS) {
      jobs.push(job({ figure: 'pilot', workload: src.name, instances: PILOT_SIZE, policy: 'least-outstanding', load, segment: 0 }, src, o, load, { instances: PILOT_SIZE, router: 'least-outstanding' }));
    }
  }
  return jobs;
}

/**
 * The pilot's choice: the load whose baseline violation rate is closest to PILOT_TARGET among those
 * in [0.1, 0.5] (a range where a better policy can lower it and a worse one raise it); when none is,
 * the closest overall.
 */
export function chooseLoad(points: readonly { load: number; violations: number }[]): number {
  const score = (p: { violations: number }): number => Math.abs(p.violations - PILOT_TARGET);
  const inRange = points.filter((p) => p.violations >= 0.1 && p.violations <= 0.5);
  const pool = inRange.length ? inRange : points;
  let best = pool[0] as { load: number; violations: number };
  for (const p of pool) if (score(p) < score(best)) best = p;
  return best.load;
}

const sizesOf = (o: DesignOptions): readonly number[] => (o.quick ? [4, 8] : SIZES);

/** Figure 3: P99 latency and violations against cluster size at the same load per instance. */
export function fig3Jobs(o: DesignOptions): SweepJob[] {
  const jobs: SweepJob[] = [];
  for (const src of workloadSources(o.dataDir)) {
    for (const n of sizesOf(o)) {
      for (const policy of ['gaps', ...BASELINES]) {
        for (const segment of segmentsOf(o.quick)) {
          jobs.push(job({ figure: 'fig3', workload: src.name, instances: n, policy, segment }, src, o, o.loads[src.name], { instances: n, router: policy }));
        }
      }
    }
  }
  return jobs;
}

/** Figure 3, fixed total arrival rate: the stream that loads N = 4 at the workload's load, spread over N instances. */
export function fig3tJobs(o: DesignOptions): SweepJob[] {
  const jobs: SweepJob[] = [];
  if (o.quick) return jobs;
  for (const src of workloadSources(o.dataDir)) {
    for (const n of sizesOf(o)) {
      const load = (o.loads[src.name] * FIXED_TOTAL_BASE) / n;
      for (const policy of ['gaps', ...BASELINES]) {
        for (const segment of segmentsOf(o.quick)) {
          jobs.push(job({ figure: 'fig3t', workload: src.name, instances: n, policy, segment }, src, o, load, { instances: n, router: policy }));
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
      for (const segment of segmentsOf(o.quick)) {
        jobs.push(job({ figure: 'fig4', workload: src.name, instances: n, policy, segment }, src, o, o.loads[src.name], { instances: n, router: policy }));
      }
    }
  }
  return jobs;
}

/**
 * Figure 5: GAPS against NoPred under controlled prediction error (noisy oracle, MAPE = e), unbiased
 * and under-estimating by 30%. The deadlines are judged from the same predictions (calibrated), so
 * bias-aware calibration has something to correct.
 */
export function fig5Jobs(o: DesignOptions): SweepJob[] {
  const n = o.quick ? 4 : STUDY_SIZE;
  const jobs: SweepJob[] = [];
  for (const src of workloadSources(o.dataDir)) {
    for (const bias of o.quick ? [0] : BIASES) {
      const errors = o.quick ? [0, 0.4] : bias === 0 ? ERRORS : [0, 0.2, 0.4];
      for (const e of errors) {
        for (const policy of ['gaps', 'gaps-nopred']) {
          for (const segment of segmentsOf(o.quick)) {
            jobs.push(
              job({ figure: 'fig5', workload: src.name, instances: n, policy, error: e, bias, segment }, src, o, o.loads[src.name], {
                instances: n,
                router: policy,
                predictor: bias === 0 ? `noisy:${e}` : `noisy:${e},bias=${bias}`,
              }),
            );
          }
        }
      }
    }
  }
  return jobs;
}
