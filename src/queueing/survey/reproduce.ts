import { Mg1Model } from '../analytic/model.js';
import { optimalThreshold } from '../analytic/oneBit.js';
import { mg1Policies, type ModelPair, type ResolvedParams } from '../policies.js';
import { exactPrediction, exponentialPrediction, type PredictionModel } from '../prediction.js';
import { parseService, type ServiceDist } from '../service.js';
import { simulate } from '../sim/simulator.js';
import { tInterval } from '../sim/stats.js';
import type { PaperTable } from './paperTables.js';

/** One cell of a reproduced table: the paper's number beside ours. */
export interface Cell {
  table: string;
  column: string;
  policy: string;
  prediction: string;
  lambda: number;
  /** As printed in the survey. */
  paper: number;
  /** Our exact value (all columns of Tables 1-3 have one). */
  exact: number | undefined;
  /** Threshold used by 1-bit columns (the exact optimum). */
  threshold?: number;
  sim?: { mean: number; lo: number; hi: number; halfWidth: number; jobs: number };
}

export interface ReproduceOptions {
  seed: number;
  /** Simulated arrivals per cell, by arrival rate (heavier load needs longer runs). */
  jobsFor: (lambda: number) => number;
  simulate: boolean;
  log?: (line: string) => void;
}

/**
 * An independent seed per cell (FNV-1a of the base seed and the cell's key). Common random numbers
 * across cells would make every column of a table err in the same direction whenever the shared
 * sample path is unlucky (heavy tails make that visible); independent cells err independently.
 */
export function cellSeed(seed: number, key: string): number {
  let h = 2166136261;
  const text = `${seed}|${key}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Models and simulations are shared between tables: Table 2's FIFO, SRPT and SPRPT columns are the
 * same queues as Table 1's, so they are computed once (the same seed then gives the same runs).
 */
export class SurveyReproduction {
  private readonly models = new Map<string, { exp: Mg1Model; exact: Mg1Model }>();
  private readonly sims = new Map<string, NonNullable<Cell['sim']>>();
  private readonly exacts = new Map<string, number | undefined>();

  constructor(private readonly o: ReproduceOptions) {}

  table(t: PaperTable): Cell[] {
    const service = parseService(t.service);
    const cells: Cell[] = [];
    for (const col of t.columns) {
      t.lambdas.forEach((lambda, i) => {
        cells.push(this.cell(t, service, col.label, col.policy, col.prediction, lambda, col.values[i] as number));
      });
      this.o.log?.(`${t.id}: ${col.label} done`);
    }
    return cells;
  }

  private modelsFor(service: ServiceDist, lambda: number): { exp: Mg1Model; exact: Mg1Model } {
    const key = `${service.spec}|${lambda}`;
    let m = this.models.get(key);
    if (!m) {
      m = { exp: new Mg1Model(lambda, service, exponentialPrediction), exact: new Mg1Model(lambda, service, exactPrediction) };
      this.models.set(key, m);
    }
    return m;
  }

  private cell(
    t: PaperTable,
    service: ServiceDist,
    column: string,
    policy: string,
    prediction: 'exact' | 'exp',
    lambda: number,
    paper: number,
  ): Cell {
    const def = mg1Policies.get(policy);
    const m = this.modelsFor(service, lambda);
    const pair: ModelPair = { predicted: prediction === 'exact' ? m.exact : m.exp, exact: m.exact };
    const threshold = def.threshold ? optimalThreshold(pair.predicted, def.threshold.optimize).threshold : undefined;
    const params: ResolvedParams = {
      threshold,
      limit: undefined,
      costModel: 'external',
      cheapCost: 0,
      predictionCost: 0,
      quantum: 0.01 * service.mean,
    };
    const key = `${service.spec}|${policy}|${prediction}|${lambda}|${threshold ?? ''}`;
    if (!this.exacts.has(key)) this.exacts.set(key, def.exact?.(pair, params));
    const cell: Cell = {
      table: t.id,
      column,
      policy,
      prediction,
      lambda,
      paper,
      exact: this.exacts.get(key),
      ...(threshold !== undefined ? { threshold } : {}),
    };
    if (this.o.simulate) {
      const predModel: PredictionModel = prediction === 'exact' ? exactPrediction : exponentialPrediction;
      let sim = this.sims.get(key);
      if (!sim) {
        const jobs = this.o.jobsFor(lambda);
        const r = simulate({ lambda, service, prediction: predModel, policy: def.rank(params), jobs, seed: cellSeed(this.o.seed, key) });
        const e = r.responseTime;
        sim = { mean: e.mean, lo: e.lo, hi: e.hi, halfWidth: e.halfWidth, jobs };
        this.sims.set(key, sim);
      }
      cell.sim = sim;
    }
    return cell;
  }
}

/** A policy simulated against a control whose exact mean is known, on the same random numbers. */
export interface PairedCheck {
  policy: string;
  control: string;
  lambda: number;
  jobs: number;
  /** exact(control) + mean of the batchwise differences, with the paired 95% half-width. */
  estimate: number;
  halfWidth: number;
  exact: number;
  paper: number;
}

/**
 * Common random numbers as a control variate: `policy` and `control` are simulated with the same
 * seed, so both serve the same arrivals, sizes and predictions and share their busy periods; the
 * batchwise difference of their mean response times varies far less than either. With the exact
 * value of the control, exact(control) + mean difference estimates the policy's mean with a
 * paired interval about three times narrower than its own (Law, "Simulation Modeling and
 * Analysis", ch. 11).
 */
export function pairedCheck(
  service: ServiceDist,
  prediction: PredictionModel,
  lambda: number,
  policy: string,
  control: string,
  jobs: number,
  seed: number,
  paper: number,
): PairedCheck {
  const models: ModelPair = {
    predicted: new Mg1Model(lambda, service, prediction),
    exact: new Mg1Model(lambda, service, exactPrediction),
  };
  const params: ResolvedParams = {
    threshold: undefined,
    limit: undefined,
    costModel: 'external',
    cheapCost: 0,
    predictionCost: 0,
    quantum: 0.01 * service.mean,
  };
  const run = (name: string): number[] =>
    simulate({ lambda, service, prediction, policy: mg1Policies.get(name).rank(params), jobs, seed }).responseBatches;
  const a = run(policy);
  const b = run(control);
  const d = tInterval(a.map((v, i) => v - (b[i] as number)));
  const exactOf = (name: string): number => {
    const f = mg1Policies.get(name).exact;
    if (!f) throw new Error(`internal: policy '${name}' has no exact formula`);
    return f(models, params);
  };
  return {
    policy,
    control,
    lambda,
    jobs,
    estimate: exactOf(control) + d.mean,
    halfWidth: d.halfWidth,
    exact: exactOf(policy),
    paper,
  };
}
