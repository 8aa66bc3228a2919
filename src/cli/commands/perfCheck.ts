import { BUILTIN_CALIBRATION } from '../../perf/builtinCalibration.js';
import { ErrorAcc } from '../../perf/fit/crossValidate.js';
import { exclusionReason, SPLITWISE_GPUS, SPLITWISE_MODELS, type SplitwiseRow } from '../../perf/profile/splitwise.js';
import { builtinCalibrated } from '../../perf/registry.js';
import { parseDeployment } from '../../perf/presets.js';
import { parseSimulateConfig } from '../../run/config.js';
import { prepare, runSimulation } from '../../run/simulate.js';

/** One load point of the instance-level check: a model's TTFT and TPOT against the reference's. */
export interface InstanceCheckRow {
  deployment: string;
  load: number;
  rate: number;
  model: string;
  ttftMean: number;
  ttftP90: number;
  tpotMean: number;
  /** Relative errors against the reference run (fractions). */
  ttftMeanErr: number;
  ttftP90Err: number;
  tpotMeanErr: number;
}

export interface InstanceCheckOptions {
  deployments: readonly string[];
  loads: readonly number[];
  numRequests: number;
  /** The perf model whose runs are the reference (the measured iteration times, interpolated). */
  reference: string;
  /** The models compared with it. */
  models: readonly string[];
}

/**
 * The instance-level check: the same workload (azure-conversation, one instance, seed 1) simulated
 * with the reference perf model and with each compared model, at the same arrival rates (loads of
 * the calibrated model's nominal capacity). Differences are what the iteration-time errors do to
 * TTFT and TPOT once queueing and batching act on them.
 */
export function instanceCheck(o: InstanceCheckOptions): InstanceCheckRow[] {
  const rows: InstanceCheckRow[] = [];
  for (const dep of o.deployments) {
    if (builtinCalibrated(parseDeployment(dep)) === undefined) continue;
    const base = { deployment: dep, instances: 1, seed: 1, workload: { preset: 'azure-conversation', numRequests: o.numRequests } };
    const capacity = prepare(parseSimulateConfig({ ...base, perfModel: 'calibrated', workload: { ...base.workload, load: 1 } })).resolved.capacityPerInstance;
    for (const load of o.loads) {
      const rate = load * capacity;
      const run = (perfModel: string) => runSimulation(parseSimulateConfig({ ...base, perfModel, workload: { ...base.workload, rate } })).summary;
      const ref = run(o.reference);
      for (const model of o.models) {
        const s = run(model);
        rows.push({
          deployment: dep,
          load,
          rate,
          model,
          ttftMean: s.ttft.mean,
          ttftP90: s.ttft.p90,
          tpotMean: s.tpot.mean,
          ttftMeanErr: s.ttft.mean / ref.ttft.mean - 1,
          ttftP90Err: s.ttft.p90 / ref.ttft.p90 - 1,
          tpotMeanErr: s.tpot.mean / ref.tpot.mean - 1,
        });
      }
      rows.push({ deployment: dep, load, rate, model: 'reference', ttftMean: ref.ttft.mean, ttftP90: ref.ttft.p90, tpotMean: ref.tpot.mean, ttftMeanErr: 0, ttftP90Err: 0, tpotMeanErr: 0 });
    }
  }
  return rows;
}

export function formatInstanceCheck(rows: readonly InstanceCheckRow[]): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  let s = '| deployment | load | rate (req/s) | model | TTFT mean (s) | TTFT p90 (s) | TPOT mean (ms) | TTFT mean err | TTFT p90 err | TPOT mean err |\n';
  s += '|---|---|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    const ref = r.model === 'reference';
    s += `| ${r.deployment} | ${r.load} | ${r.rate.toFixed(3)} | ${r.model} | ${r.ttftMean.toFixed(3)} | ${r.ttftP90.toFixed(3)} | ${(1000 * r.tpotMean).toFixed(1)} | ${ref ? '' : pct(r.ttftMeanErr)} | ${ref ? '' : pct(r.ttftP90Err)} | ${ref ? '' : pct(r.tpotMeanErr)} |\n`;
  }
  return s;
}

/** One setup's end-to-end check against SplitwiseSim's static-batch runs, per perf model. */
export interface StaticBatchRow {
  deployment: string;
  model: string;
  /** Measured configurations compared (prompt, batch, output length). */
  configs: number;
  /** Errors of the simulated mean e2e / TTFT / TPOT against e2e_time / prompt_time / token_time (fractions). */
  e2e: { mape: number; bias: number };
  ttft: { mape: number; bias: number };
  tpot: { mape: number; bias: number };
}

/** Medians of the repeats of each (prompt, batch, output) of one setup whose e2e_time is consistent. */
function staticConfigs(rows: readonly SplitwiseRow[], csvModel: string, csvGpu: string, tp: number): { prompt: number; batch: number; tokens: number; promptS: number; tokenS: number; e2eS: number }[] {
  const groups = new Map<string, SplitwiseRow[]>();
  for (const r of rows) {
    if (r.model !== csvModel || r.hardware !== csvGpu || r.tp !== tp || exclusionReason(r) !== undefined) continue;
    const k = `${r.promptSize}/${r.batchSize}/${r.tokenSize}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
  };
  const out = [];
  for (const g of groups.values()) {
    const r0 = g[0] as SplitwiseRow;
    const promptS = med(g.map((r) => r.promptTimeMs)) / 1000;
    const tokenS = med(g.map((r) => r.tokenTimeMs)) / 1000;
    const e2eS = med(g.map((r) => r.e2eTimeMs)) / 1000;
    // Only runs whose e2e is prompt + token x (outputs - 1) within 10%: the others stopped early or failed (data README).
    if (Math.abs(e2eS / (promptS + tokenS * (r0.tokenSize - 1)) - 1) > 0.1) continue;
    out.push({ prompt: r0.promptSize, batch: r0.batchSize, tokens: r0.tokenSize, promptS, tokenS, e2eS });
  }
  return out.sort((a, b) => a.prompt - b.prompt || a.batch - b.batch || a.tokens - b.tokens);
}

/**
 * The end-to-end check: SplitwiseSim's rows are static batches (batch_size requests of prompt_size
 * tokens arriving together, token_size outputs each) timed end to end. Each consistent one is
 * replayed as a trace of simultaneous arrivals on one instance (defaults: chunked prefill, 8,192
 * batched tokens), and the simulated mean e2e, TTFT and TPOT are compared with e2e_time,
 * prompt_time and token_time. `writeTrace` writes a trace file and returns its path (the only I/O).
 */
export function staticBatchCheck(rows: readonly SplitwiseRow[], models: readonly string[], writeTrace: (lines: string[]) => string): StaticBatchRow[] {
  const out: StaticBatchRow[] = [];
  for (const s of BUILTIN_CALIBRATION.setups) {
    const csvModel = SPLITWISE_MODELS[s.model];
    const csvGpu = SPLITWISE_GPUS[s.gpu];
    if (csvModel === undefined || csvGpu === undefined) continue;
    const deployment = `${s.model}/${s.gpu}/tp${s.tp}`;
    const configs = staticConfigs(rows, csvModel, csvGpu, s.tp);
    for (const model of models) {
      const acc = { e2e: new ErrorAcc(), ttft: new ErrorAcc(), tpot: new ErrorAcc() };
      for (const c of configs) {
        const trace = writeTrace(['TIMESTAMP,ContextTokens,GeneratedTokens', ...Array.from({ length: c.batch }, () => `2023-11-16 18:00:00.0000000,${c.prompt},${c.tokens}`)]);
        const sum = runSimulation(parseSimulateConfig({ deployment, instances: 1, seed: 1, perfModel: model, workload: { trace } })).summary;
        acc.e2e.add(sum.e2e.mean, c.e2eS);
        acc.ttft.add(sum.ttft.mean, c.promptS);
        acc.tpot.add(sum.tpot.mean, c.tokenS);
      }
      const st = (a: ErrorAcc): { mape: number; bias: number } => ({ mape: a.stats().mape, bias: a.stats().bias });
      out.push({ deployment, model, configs: configs.length, e2e: st(acc.e2e), ttft: st(acc.ttft), tpot: st(acc.tpot) });
    }
  }
  return out;
}

export function formatStaticBatchCheck(rows: readonly StaticBatchRow[]): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  let s = '| deployment | model | configs | e2e MAPE | e2e bias | TTFT MAPE | TTFT bias | TPOT MAPE | TPOT bias |\n|---|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    s += `| ${r.deployment} | ${r.model.startsWith('splitwise:') ? 'splitwise' : r.model} | ${r.configs} | ${pct(r.e2e.mape)} | ${pct(r.e2e.bias)} | ${pct(r.ttft.mape)} | ${pct(r.ttft.bias)} | ${pct(r.tpot.mape)} | ${pct(r.tpot.bias)} |\n`;
  }
  return s;
}
