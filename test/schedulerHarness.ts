import { splitSpec } from '../src/core/registry.js';
import { Rng } from '../src/kernel/rng.js';
import type { InstanceConfig } from '../src/model/instance.js';
import type { BatchShape, PerfModel } from '../src/model/perfModel.js';
import type { RequestSpec } from '../src/model/request.js';
import { createPredictor } from '../src/predictors/registry.js';
import { Simulation, type SimResult } from '../src/sim/simulation.js';
import { routers } from '../src/policies/routers/registry.js';
import { schedulers } from '../src/policies/schedulers/registry.js';

/** Shared by the schedulers' own tests: one or more instances running a named scheduler on given requests. */
export interface SchedRun {
  readonly scheduler: string;
  readonly instance?: Partial<InstanceConfig>;
  readonly perf?: PerfModel;
  readonly numInstances?: number;
  readonly predictor?: string;
  /** Records the shape of every iteration. */
  readonly shapes?: BatchShape[];
}

export function runScheduler(o: SchedRun, specs: Iterable<RequestSpec>): SimResult {
  const { name, arg } = splitSpec(o.scheduler);
  const factory = schedulers.get(name);
  const base = o.perf ?? { name: 'lin', iterationTime: (s: BatchShape) => 0.01 + 1e-5 * (s.prefillTokens + s.decodeSeqs) };
  const shapes = o.shapes;
  const perf: PerfModel = shapes ? { name: base.name, iterationTime: (s) => (shapes.push({ ...s }), base.iterationTime(s)) } : base;
  const n = o.numInstances ?? 1;
  const sim = new Simulation({
    numInstances: n,
    instance: {
      maxNumSeqs: 64,
      maxBatchedTokens: 4096,
      blockSize: 16,
      kvBlocks: 20_000,
      watermark: 0.01,
      preemption: 'recompute',
      hostKvBlocks: 0,
      swapSecondsPerBlock: 0,
      ...o.instance,
    },
    perf,
    scheduler: () => factory(arg),
    policy: routers.get('round-robin')({ rng: new Rng('r'), arg: undefined, numInstances: n }),
    reportIntervalS: 0.05,
    // No default SLO: the judge would call the perf model outside iterations and pollute `shapes`.
    slo: {},
    kvBytesPerToken: 1024,
    interconnectBandwidth: 1e10,
    migrationPauseS: 0,
    moveWaitingS: 0,
    ...(o.predictor ? { predictor: createPredictor(o.predictor, new Rng('p')) } : {}),
    check: true,
  });
  return sim.run([...specs][Symbol.iterator]());
}

/** Poisson arrivals with geometric outputs of the given mean and fixed prompts (an M/G/c-like LLM queue). */
export function geometricWorkload(seed: string, rate: number, n: number, meanOutput: number, prompt = 8): RequestSpec[] {
  const r = new Rng(seed);
  const p = 1 / meanOutput;
  const out: RequestSpec[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += r.exponential(rate);
    out.push({ arrival: t, promptTokens: prompt, outputTokens: 1 + Math.floor(Math.log(r.nextOpen()) / Math.log(1 - p)), type: 't' });
  }
  return out;
}

export function meanE2e(res: SimResult): number {
  let s = 0;
  for (let id = 0; id < res.table.count; id++) s += (res.table.completion[id] as number) - (res.table.arrival[id] as number);
  return s / res.table.count;
}

/** Poisson arrivals with lognormal outputs (a heavy, decreasing-hazard tail: where MLFQ beats FCFS). */
export function lognormalWorkload(seed: string, rate: number, n: number, medianOutput: number, sigma: number, prompt = 8): RequestSpec[] {
  const r = new Rng(seed);
  const out: RequestSpec[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += r.exponential(rate);
    const z = Math.sqrt(-2 * Math.log(r.nextOpen())) * Math.cos(2 * Math.PI * r.next());
    out.push({ arrival: t, promptTokens: prompt, outputTokens: Math.max(1, Math.round(medianOutput * Math.exp(sigma * z))), type: 't' });
  }
  return out;
}
