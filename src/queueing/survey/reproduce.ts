import { Mg1Model } from '../analytic/model.js';
import { optimalThreshold } from '../analytic/oneBit.js';
import { mg1Policies, type ModelPair, type ResolvedParams } from '../policies.js';
import { exactPrediction, exponentialPrediction, type PredictionModel } from '../prediction.js';
import { parseService, type ServiceDist } from '../service.js';
import { simulate } from '../sim/simulator.js';
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
 * Models and simulations are shared between tables: Table 2's FIFO, SRPT and SPRPT columns are the
 * same queues as Table 1's, so they are computed once (the same seed then gives the same runs).
 */
export class SurveyReproduction {
  private readonly models = new Map<string, { exp: Mg1Model; exact: Mg1Model }>();
  private readonly sims = new Map<string, NonNullable<Cell['sim']>>();

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
    const cell: Cell = {
      table: t.id,
      column,
      policy,
      prediction,
      lambda,
      paper,
      exact: def.exact?.(pair, params),
      ...(threshold !== undefined ? { threshold } : {}),
    };
    if (this.o.simulate) {
      const predModel: PredictionModel = prediction === 'exact' ? exactPrediction : exponentialPrediction;
      const key = `${service.spec}|${policy}|${prediction}|${lambda}|${threshold ?? ''}`;
      let sim = this.sims.get(key);
      if (!sim) {
        const jobs = this.o.jobsFor(lambda);
        const r = simulate({ lambda, service, prediction: predModel, policy: def.rank(params), jobs, seed: this.o.seed });
        const e = r.responseTime;
        sim = { mean: e.mean, lo: e.lo, hi: e.hi, halfWidth: e.halfWidth, jobs };
        this.sims.set(key, sim);
      }
      cell.sim = sim;
    }
    return cell;
  }
}
