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
