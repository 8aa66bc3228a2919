import { ConfigError } from '../core/errors.js';
import { type Registry, splitSpec } from '../core/registry.js';
import { RandomStreams } from '../kernel/rng.js';
import { Mg1Model } from './analytic/model.js';
import { optimalThreshold } from './analytic/oneBit.js';
import { checkPreemptionLimit } from './analytic/trail.js';
import { mg1Policies, type ModelPair, type Mg1Policy, type ResolvedParams } from './policies.js';
import { exactPrediction, parsePrediction, type PredictionModel } from './prediction.js';
import { parseService, type ServiceDist } from './service.js';
import type { CostModel } from './sim/costPolicies.js';
import { dispatchers } from './sim/dispatch.js';
import { simulate, type SimResult } from './sim/simulator.js';
import { EvalBudgetExceeded, withEvalBudget } from './quadrature.js';

/** Relative accuracy the exact path is built for (quadrature and fit tolerances are tighter). */
export const EXACT_REL_TOL = 1e-9;

/**
 * Integrand evaluations one exact answer may use (about 5 s here; the survey's settings need under
 * 2 M). Past it the quadrature is not converging and its answer is not trusted.
 */
export const EXACT_EVAL_BUDGET = 12_000_000;

/** Largest relative error estimate of a cumulative fit for which an exact answer is trusted. */
export const MAX_FIT_REL_ERROR = 1e-6;

/**
 * Largest squared coefficient of variation of the service time for which a simulated answer is
 * given when the exact one cannot be trusted: beyond it the default million jobs no longer pin down
 * even the mean size (relative standard error sqrt(SCV / jobs) > 1%), so the calculator refuses.
 */
export const MAX_SIMULATED_SCV = 100;

export interface Mg1Input {
  policy: string;
  /** Total arrival rate. */
  lambda: number;
  service?: string | ServiceDist;
  prediction?: string | PredictionModel;
  threshold?: number;
  limit?: number;
  /** Trail's C (policy trail): no preemption once attained service reaches C x the prediction. */
  preemptionLimit?: number;
  costModel?: CostModel;
  cheapCost?: number;
  predictionCost?: number;
  /** Also (or, for policies without a formula or with several servers, only) simulate. */
  simulate?: boolean;
  jobs?: number;
  seed?: number;
  servers?: number;
  /** Dispatcher spec for several servers, e.g. `pod-1bit:2`. */
  dispatch?: string;
}

export interface SimulatedEstimate {
  meanResponseTime: number;
  ci95: [number, number];
  halfWidth: number;
  /** Response time plus external prediction costs, when the policy has them. */
  meanCost?: number;
  costCi95?: [number, number];
  jobs: number;
  warmup: number;
  batches: number;
  seed: number;
}

export interface Mg1Report {
  policy: string;
  lambda: number;
  /** The answer: exact where a formula exists for this setting, simulated otherwise. */
  meanResponseTime: number;
  source: 'exact' | 'simulation';
  service: string;
  serviceParams: Record<string, number | string>;
  prediction: string;
  predictionParams: Record<string, number | string>;
  /** Load per server: lambda E[S] / servers. */
  load: number;
  servers: number;
  dispatch?: string;
  threshold?: number;
  thresholdSource?: 'given' | 'optimal';
  limit?: number;
  preemptionLimit?: number;
  costModel?: CostModel;
  cheapCost?: number;
  predictionCost?: number;
  exact?: { meanResponseTime: number; relTol: number };
  simulated?: SimulatedEstimate;
  note?: string;
}

/** A registry entry, or a ConfigError that names the option and lists the valid names. */
export function lookup<F>(r: Registry<F>, name: string, option: string): F {
  if (!r.has(name)) throw new ConfigError(`${option}: unknown ${r.kind} '${name}'; valid: ${r.names().join(', ')}`);
  return r.get(name);
}

function nonNegative(option: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`${option} must be a number >= 0, got '${v}'`);
  return v;
}

function namesWith(pred: (p: Mg1Policy) => boolean): string {
  return mg1Policies
    .names()
    .filter((n) => pred(mg1Policies.get(n)))
    .join(', ');
}

/** Rejects options that the chosen policy ignores, naming the policies that take them. */
function checkApplicable(name: string, def: Mg1Policy, i: Mg1Input): void {
  const bad = (opt: string, pred: (p: Mg1Policy) => boolean): never => {
    throw new ConfigError(`${opt} does not apply to policy '${name}'; it applies to: ${namesWith(pred)}`);
  };
  if (i.threshold !== undefined && !def.threshold) bad('--threshold', (p) => p.threshold !== undefined);
  if (i.limit !== undefined && !def.usesLimit) bad('--limit', (p) => p.usesLimit === true);
  if (i.preemptionLimit !== undefined && !def.usesPreemptionLimit) bad('--preemption-limit', (p) => p.usesPreemptionLimit === true);
  if (def.usesPreemptionLimit) {
    if (i.preemptionLimit === undefined) throw new ConfigError(`policy '${name}' needs --preemption-limit C (a number >= 0)`);
    checkPreemptionLimit(i.preemptionLimit);
  }
  const costs = i.costModel !== undefined || i.cheapCost !== undefined || i.predictionCost !== undefined;
  if (costs && !def.usesCosts) bad('--cost-model/--cheap-cost/--prediction-cost', (p) => p.usesCosts === true);
  if (i.threshold !== undefined && !(i.threshold > 0 && Number.isFinite(i.threshold))) {
    throw new ConfigError(`--threshold must be a positive number, got '${i.threshold}'`);
  }
}

function resolveParams(def: Mg1Policy, i: Mg1Input, m: ModelPair): { p: ResolvedParams; thresholdSource?: 'given' | 'optimal' } {
  let threshold = i.threshold;
  let thresholdSource: 'given' | 'optimal' | undefined;
  if (def.threshold) {
    thresholdSource = threshold === undefined ? 'optimal' : 'given';
    threshold ??= optimalThreshold(m.predicted, def.threshold.optimize).threshold;
  }
  const p: ResolvedParams = {
    threshold,
    limit: def.usesLimit ? (i.limit ?? m.predicted.service.mean) : undefined,
    costModel: i.costModel ?? 'external',
    cheapCost: nonNegative('--cheap-cost', i.cheapCost) ?? 0,
    predictionCost: nonNegative('--prediction-cost', i.predictionCost) ?? 0,
    quantum: 0.01 * m.predicted.service.mean,
    ...(def.usesPreemptionLimit ? { preemptionLimit: i.preemptionLimit } : {}),
  };
  return thresholdSource ? { p, thresholdSource } : { p };
}

/**
 * The M/G/1 calculator: the exact mean response time of `policy` where a formula exists, and a
 * simulated estimate with its 95% interval when asked or when no formula applies (policies without
 * one, several servers). Every input is echoed in the report.
 */
export function mg1(i: Mg1Input): Mg1Report {
  const def = lookup(mg1Policies, i.policy, '--policy');
  checkApplicable(i.policy, def, i);
  const service = typeof i.service === 'object' ? i.service : parseService(i.service ?? 'exp');
  const prediction = typeof i.prediction === 'object' ? i.prediction : parsePrediction(i.prediction ?? 'exp');
  const servers = i.servers ?? 1;
  if (!(Number.isInteger(servers) && servers >= 1)) throw new ConfigError(`--servers must be an integer >= 1, got '${servers}'`);
  // Formulas, thresholds and load checks use one server's share of the arrivals.
  const perServer = i.lambda / servers;
  const models: ModelPair = {
    predicted: new Mg1Model(perServer, service, prediction),
    exact: new Mg1Model(perServer, service, exactPrediction),
  };
  const { p, thresholdSource } = resolveWithinBudget(def, i, models);
  if (p.costModel === 'server' && def.predictionWork) {
    const load = perServer * (service.mean + def.predictionWork(models, p));
    if (!(load < 1)) throw new ConfigError(`--lambda ${i.lambda}: with prediction work on the server the load is ${load.toPrecision(4)} >= 1`);
  }
  const report: Mg1Report = {
    policy: i.policy,
    lambda: i.lambda,
    meanResponseTime: Number.NaN,
    source: 'exact',
    service: service.spec,
    serviceParams: { ...service.params, mean: service.mean },
    prediction: prediction.spec,
    predictionParams: { ...prediction.params },
    load: models.predicted.rho,
    servers,
    ...(servers > 1 ? { dispatch: i.dispatch ?? 'random' } : {}),
    ...(p.threshold !== undefined ? { threshold: p.threshold, thresholdSource } : {}),
    ...(p.limit !== undefined ? { limit: p.limit } : {}),
    ...(p.preemptionLimit !== undefined ? { preemptionLimit: p.preemptionLimit } : {}),
    ...(def.usesCosts ? { costModel: p.costModel, cheapCost: p.cheapCost, predictionCost: p.predictionCost } : {}),
  };
  const exactAvailable = def.exact !== undefined && servers === 1;
  let distrust: string | undefined;
  if (exactAvailable) {
    const e = trustedExact(def, models, p);
    if ('value' in e) {
      report.exact = { meanResponseTime: e.value, relTol: Math.max(EXACT_REL_TOL, e.relError) };
      report.meanResponseTime = e.value;
    } else {
      distrust = e.reason;
    }
  }
  if (distrust !== undefined) refuseUnlessSimulable(i, service, `the exact quadrature cannot be trusted here (${distrust})`);
  else if (!exactAvailable) refuseUnlessSimulable(i, service, servers > 1 ? 'there is no exact formula for several servers' : `there is no exact formula for '${i.policy}'`);
  if (i.simulate || !exactAvailable || distrust !== undefined) {
    const sim = runSimulation(def, p, i, service, prediction, servers);
    report.simulated = sim;
    if (!exactAvailable || distrust !== undefined) {
      if (!(sim.ci95[1] >= service.mean)) {
        throw new ConfigError(
          `${i.policy} with service '${service.spec}': the simulated mean response time ${sim.meanResponseTime} lies below E[S] = ${service.mean} beyond its 95% interval; the run is too short for this distribution (raise --jobs)`,
        );
      }
      report.meanResponseTime = sim.meanResponseTime;
      report.source = 'simulation';
      report.note =
        distrust !== undefined
          ? `the exact quadrature cannot be trusted here (${distrust}): the answer is simulated`
          : servers > 1
            ? 'no exact formula for several servers: the answer is simulated'
            : `no exact formula for '${i.policy}': the answer is simulated`;
    }
  }
  return report;
}

/** The squared coefficient of variation of a service distribution. */
function scv(s: ServiceDist): number {
  return s.secondMoment / (s.mean * s.mean) - 1;
}

/**
 * The exact answer with the checks that make it trustworthy: computed within EXACT_EVAL_BUDGET
 * evaluations, finite, at least E[S] (no policy finishes a job before its service time), and with
 * every cumulative fit's error estimate below MAX_FIT_REL_ERROR of its total.
 */
function trustedExact(def: Mg1Policy, m: ModelPair, p: ResolvedParams): { value: number; relError: number } | { reason: string } {
  let v: number;
  try {
    v = withEvalBudget(EXACT_EVAL_BUDGET, () => (def.exact as NonNullable<Mg1Policy['exact']>)(m, p)).value;
  } catch (e) {
    if (e instanceof EvalBudgetExceeded) return { reason: `the quadrature did not converge within ${EXACT_EVAL_BUDGET} evaluations` };
    throw e;
  }
  const es = m.exact.service.mean;
  if (!Number.isFinite(v)) return { reason: `it gave ${v}` };
  if (v < es * (1 - EXACT_REL_TOL)) return { reason: `it gave ${v.toPrecision(6)}, below E[S] = ${es}` };
  const relError = Math.max(m.predicted.relativeFitError(), m.exact.relativeFitError());
  if (!(relError <= MAX_FIT_REL_ERROR)) return { reason: `a cumulative fit's error estimate is ${relError.toPrecision(3)} of its total` };
  return { value: v, relError };
}

function refuseUnlessSimulable(i: Mg1Input, service: ServiceDist, reason: string): void {
  const c2 = scv(service);
  if (!(c2 <= MAX_SIMULATED_SCV)) {
    throw new ConfigError(
      `${i.policy} with service '${service.spec}': ${reason}, and a simulation cannot resolve a service time with squared coefficient of variation ${c2.toPrecision(3)} (at most ${MAX_SIMULATED_SCV}); no answer is given`,
    );
  }
}

/** Resolves thresholds and limits; a threshold search that cannot converge asks for --threshold. */
function resolveWithinBudget(def: Mg1Policy, i: Mg1Input, m: ModelPair): ReturnType<typeof resolveParams> {
  try {
    return withEvalBudget(EXACT_EVAL_BUDGET, () => resolveParams(def, i, m)).value;
  } catch (e) {
    if (e instanceof EvalBudgetExceeded) {
      throw new ConfigError(`${i.policy} with service '${m.predicted.service.spec}': the optimal threshold search did not converge; give --threshold`);
    }
    throw e;
  }
}

function runSimulation(
  def: Mg1Policy,
  p: ResolvedParams,
  i: Mg1Input,
  service: ServiceDist,
  prediction: PredictionModel,
  servers: number,
): SimulatedEstimate {
  const jobs = i.jobs ?? 1_000_000;
  const seed = i.seed ?? 1;
  let dispatcher;
  if (servers > 1) {
    const { name, arg } = splitSpec(i.dispatch ?? 'random');
    const d = arg === undefined ? undefined : Number(arg);
    if (d !== undefined && !Number.isFinite(d)) throw new ConfigError(`--dispatch ${name}:D needs a number D, got '${arg}'`);
    dispatcher = lookup(dispatchers, name, '--dispatch')({
      rng: new RandomStreams(seed).stream('mg1/dispatch'),
      arg: d,
      threshold: p.threshold ?? service.mean,
    });
  }
  const r: SimResult = simulate({
    lambda: i.lambda,
    service,
    prediction,
    policy: def.rank(p),
    jobs,
    seed,
    servers,
    ...(dispatcher ? { dispatcher, typeThreshold: p.threshold ?? service.mean } : {}),
  });
  const e = r.responseTime;
  const out: SimulatedEstimate = {
    meanResponseTime: e.mean,
    ci95: [e.lo, e.hi],
    halfWidth: e.halfWidth,
    jobs,
    warmup: r.warmup,
    batches: e.n,
    seed,
  };
  if (def.usesCosts) {
    out.meanCost = r.cost.mean;
    out.costCi95 = [r.cost.lo, r.cost.hi];
  }
  return out;
}

