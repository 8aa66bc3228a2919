/**
 * The M/G/1-with-predictions toolkit: exact calculator, rank-based simulator (one or several
 * servers), prediction and service models, and rank functions for schedulers outside this module.
 */
export { mg1, EXACT_REL_TOL, type Mg1Input, type Mg1Report, type SimulatedEstimate } from './calculator.js';
export { mg1Policies, type Mg1Policy, type ModelPair, type ResolvedParams } from './policies.js';
export { Mg1Model } from './analytic/model.js';
export { fifoMean, spjfMean, pspjfMean, sprptMean } from './analytic/sizeBased.js';
export { oneBitMean, oneBitPreemptiveMean, optimalThreshold, oneBitBesselClosedForms } from './analytic/oneBit.js';
export {
  services,
  parseService,
  exponentialService,
  weibullService,
  customService,
  expectService,
  type ServiceDist,
  type CustomServiceSpec,
} from './service.js';
export {
  predictions,
  parsePrediction,
  exactPrediction,
  exponentialPrediction,
  uniformPrediction,
  densityPrediction,
  type PredictionModel,
  type DensityPredictionSpec,
} from './prediction.js';
export { simulate, type SimOptions, type SimResult } from './sim/simulator.js';
export type { RankPolicy } from './sim/rankPolicy.js';
export { dispatchers, type Dispatcher, type ServerView } from './sim/dispatch.js';
export { skipPredictPolicy, delayPredictPolicy, type CostModel, type CostParams } from './sim/costPolicies.js';
export { tInterval, type Estimate } from './sim/stats.js';
export { rankFunctions, type RankFn, type RankFactory } from './ranks.js';
export { integrate, type QuadOptions, type QuadResult } from './quadrature.js';
export { CumulativeFit } from './cumulative.js';
export { besselK } from './special.js';
