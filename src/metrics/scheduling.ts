import { ReqState } from '../model/requestTable.js';
import type { SimResult } from '../sim/simulation.js';
import { kendallTau } from '../stats/kendall.js';

/** Metrics of instance scheduling (docs/METRICS.md): TBT-SLO attainment, prediction ranking quality, rejections, API calls. */
export interface SchedulingMetrics {
  /**
   * Fraction of completed requests with a TBT target whose own 99th-percentile gap met it: at most
   * floor(1% of its output - 1) gaps longer than the target. null when no request has a target.
   */
  tbtSloAttainment: number | null;
  /** Fraction of all token gaps (of requests with a target) within their target. null without targets. */
  tbtTokenAttainment: number | null;
  /** Kendall's tau-b between predicted and true output lengths of completed requests; null without predictions. */
  predictionKendallTau: number | null;
  rejectedBy: Record<string, number>;
  apiCalls: { preserve: number; discard: number; swap: number };
}

export function schedulingMetrics(r: SimResult, tbtTarget: (id: number) => number): SchedulingMetrics {
  const t = r.table;
  let judged = 0;
  let attained = 0;
  let gaps = 0;
  let late = 0;
  // Typed columns, allocated at the first prediction: growing boxed arrays cost more than the tau itself.
  let predicted: Float64Array | undefined;
  let actual: Float64Array | undefined;
  let pairs = 0;
  for (let id = 0; id < t.count; id++) {
    if (t.state[id] !== ReqState.Done) continue;
    const p = t.predictedOutput[id] as number;
    if (Number.isFinite(p)) {
      predicted ??= new Float64Array(t.count - id);
      actual ??= new Float64Array(t.count - id);
      predicted[pairs] = p;
      actual[pairs++] = t.output[id] as number;
    }
    if (!Number.isFinite(tbtTarget(id))) continue;
    const n = (t.output[id] as number) - 1;
    const l = t.tbtLate[id] as number;
    judged++;
    gaps += n;
    late += l;
    if (l <= Math.floor(0.01 * n)) attained++;
  }
  const tau = predicted && actual && pairs >= 2 ? kendallTau(predicted.subarray(0, pairs), actual.subarray(0, pairs)) : Number.NaN;
  return {
    tbtSloAttainment: judged > 0 ? attained / judged : null,
    tbtTokenAttainment: gaps > 0 ? 1 - late / gaps : judged > 0 ? 1 : null,
    predictionKendallTau: Number.isFinite(tau) ? tau : null,
    rejectedBy: { ...r.rejectedBy },
    apiCalls: { ...r.apiCalls },
  };
}
