import { checkPeriod } from '../../core/limits.js';
import { ConfigError } from '../../core/errors.js';
import type { ClusterView, InstanceView, ReportField, RoutedRequest } from '../clusterView.js';
import type { ClusterPolicy, ClusterPolicyFactory } from '../clusterPolicy.js';
import { GapsRebalancer } from './rebalancer.js';
import { DEFAULT_GAPS, GapsState, U_SIGNALS, type GapsOptions, type GapsVariant, type USignal } from './state.js';

export { DEFAULT_GAPS, GapsState, type GapsOptions, type GapsVariant };

/**
 * Eq. 9: below u_th the shortest queue; at or above it, the smallest predicted completion time of
 * the request's central size estimate. The calibrated upper estimate s~ is kept for KV reservations,
 * deadlines and urgency, where an upper bound is what protects an SLO.
 */
function assign(state: GapsState, req: RoutedRequest, view: ClusterView): number {
  const canPredict = state.variant.prediction && Number.isFinite(req.predictedOutputTokens);
  // One pass for u and the shortest queue where that is all the decision can need.
  const haveU = state.readOccupancy(view);
  if (haveU && !(canPredict && state.occupancyAtLeast(state.opts.uThreshold))) {
    const best = state.shortest as InstanceView;
    state.assignedByQueue++;
    state.recordRouted(req, best.id, view);
    return best.id;
  }
  return assignByScore(state, req, view, haveU, canPredict);
}

/**
 * The rest of Eq. 9 (predictive decisions, and the configurations without the one-pass u), apart
 * from `assign` so that the common path stays small enough for the compiler to inline its
 * bookkeeping.
 */
function assignByScore(state: GapsState, req: RoutedRequest, view: ClusterView, haveU: boolean, canPredict: boolean): number {
  const calibrated = state.calibrated(req.predictedOutputTokens);
  const central = state.central(req.predictedOutputTokens);
  const cands = state.candidates(view);
  if (cands.length === 0) return -1;
  const predictive = canPredict && (haveU ? state.occupancyAtLeast(state.opts.uThreshold) : state.utilisation(cands) >= state.opts.uThreshold);
  let best = cands[0] as InstanceView;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const v of cands) {
    const score = predictive ? state.completionTime(v, req.promptTokens, central, calibrated, view.now) : state.queueLength(v);
    if (score < bestScore) {
      bestScore = score;
      best = v;
    }
  }
  if (predictive) state.assignedByPrediction++;
  else state.assignedByQueue++;
  state.record(req.id, best.id, req.promptTokens, central, calibrated, view.now, req.arrival);
  return best.id;
}

/**
 * `gaps:KEY=V,...` overrides GapsOptions, e.g. `gaps:uThreshold=0,maxMovesPerRound=2`. Unknown keys
 * and values that are not non-negative numbers are errors naming the key.
 */
export function parseGapsOptions(name: string, arg: string | undefined): GapsOptions {
  if (arg === undefined) return DEFAULT_GAPS;
  const out: Record<string, number | string> = { ...DEFAULT_GAPS };
  const valid = Object.keys(DEFAULT_GAPS);
  for (const part of arg.split(',')) {
    const [k, v] = part.split('=');
    if (k === undefined || !valid.includes(k)) {
      throw new ConfigError(`router '${name}': unknown option '${k ?? part}'; valid: ${valid.join(', ')} (as ${name}:KEY=V,...)`);
    }
    if (k === 'signal') {
      if (!U_SIGNALS.includes(v as USignal)) throw new ConfigError(`router '${name}': option 'signal' must be one of ${U_SIGNALS.join(', ')}, got '${v ?? ''}'`);
      out[k] = v as USignal;
      continue;
    }
    const x = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isFinite(x) || x < 0) {
      throw new ConfigError(`router '${name}': option '${k}' needs a non-negative number, got '${v ?? ''}'`);
    }
    if (k.endsWith('IntervalS')) checkPeriod(`router '${name}': option '${k}'`, x);
    out[k] = x;
  }
  return out as unknown as GapsOptions;
}

/**
 * The report fields GAPS reads (router, estimator and rebalancer; `ClusterPolicy.reportFields`):
 * queue, batch and KV from the report (KV usage for Eq. 9's u, used blocks for the context per
 * sequence) and what was sent since. Not the report's time (nothing in GAPS resynchronises on it), nor the
 * windowed utilisation or SLO-violation rate: the rebalancer counts violations from completions
 * itself. Without monitoring (gaps-nomonitor) it reads none: every view it sees is its own counts.
 */
const GAPS_REPORT_FIELDS: readonly ReportField[] = ['waiting', 'running', 'kvUsedBlocks', 'kvUsage', 'sinceReport'];

/** A GAPS variant as a cluster policy: the Eq. 9 router, its rebalancer (unless NoRebal) and its counters. */
export function gapsRouterFactory(name: string, variant: GapsVariant): ClusterPolicyFactory {
  return (ctx) => {
    const opts = parseGapsOptions(name, ctx.arg);
    if (!ctx.perf) throw new ConfigError(`router '${name}' needs the performance model to estimate service times`);
    const state = new GapsState(ctx.numInstances, ctx.perf, variant, opts, ctx.rng, ctx.e2eSlack ?? 5);
    const rebalancer = variant.rebalancing ? new GapsRebalancer(state) : undefined;
    const policy: ClusterPolicy & { state: GapsState } = {
      router: {
        name,
        route: (req, view) => assign(state, req, view),
        onComplete: (info) => state.completed(info),
      },
      state,
      usesPredictions: variant.prediction,
      controllers: rebalancer ? [rebalancer] : [],
      reportFields: variant.monitor === false ? [] : GAPS_REPORT_FIELDS,
      stats: () => {
        const h = state.calibrator.health();
        return {
          assignedByQueue: state.assignedByQueue,
          assignedByPrediction: state.assignedByPrediction,
          predictiveShare: state.assignedByPrediction / Math.max(1, state.assignedByPrediction + state.assignedByQueue),
          calibrationCoverage: h.meanCoverage,
          calibrationMae: h.meanMae,
          calibrationMape: h.meanMape,
          calibrationPinball: h.meanPinball,
          calibrationRecentCoverage: h.coverage,
          calibrationRecentMape: h.mape,
          calibrationBeta: h.beta,
          calibrationGamma: h.gamma,
          calibrationCentralScale: h.centralScale,
          ...rebalancer?.stats(),
        };
      },
    };
    return policy;
  };
}
