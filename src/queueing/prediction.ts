import { ConfigError } from '../core/errors.js';
import { Registry, splitSpec } from '../core/registry.js';
import type { Rng } from '../kernel/rng.js';
import { integrate } from './quadrature.js';
import { expectService, type ServiceDist } from './service.js';

/**
 * A prediction model: the joint density g(x, y) = f(x) p(y | x) of true size x and predicted size y
 * (the survey's standardized form, after Mitzenmacher 2020). The analytic formulas only ever ask two
 * things of it, so exact predictions (a point mass on y = x) and densities fit one interface.
 */
export interface PredictionModel {
  readonly spec: string;
  readonly params: Readonly<Record<string, number | string>>;
  /** Integral over x of x^k f(x) p(y | x): the density of Y for k = 0, weighted by X^k otherwise. */
  marginal(s: ServiceDist, k: number, y: number): number;
  /** E[h(X, Y)]. h may have a kink on the diagonal y = x (policies compare y with x). */
  joint(s: ServiceDist, h: (x: number, y: number) => number): number;
  sample(x: number, rng: Rng): number;
}

/** Exact predictions: y = x. Every prediction-based policy then reduces to its size-based twin. */
export const exactPrediction: PredictionModel = {
  spec: 'exact',
  params: { model: 'exact' },
  marginal: (s, k, y) => Math.pow(y, k) * s.pdf(y),
  joint: (s, h) => expectService(s, (x) => h(x, x)),
  sample: (x) => x,
};

export interface DensityPredictionSpec {
  spec: string;
  params: Record<string, number | string>;
  /** p(y | x). */
  pdf(y: number, x: number): number;
  /** Support of Y given X = x (default [0, inf)). */
  ySupport?(x: number): [number, number];
  /** Where X may lie given Y = y (default [0, inf)), and a point where p(y | x) peaks, for the quadrature. */
  xSupport?(y: number): [number, number];
  xPeak?(y: number): number;
  sample(x: number, rng: Rng): number;
}

/** A prediction model given by a conditional density; marginals and expectations by nested quadrature. */
export function densityPrediction(d: DensityPredictionSpec): PredictionModel {
  const ySup = d.ySupport ?? ((): [number, number] => [0, Number.POSITIVE_INFINITY]);
  const xSup = d.xSupport ?? ((): [number, number] => [0, Number.POSITIVE_INFINITY]);
  return {
    spec: d.spec,
    params: d.params,
    marginal: (s, k, y) => {
      const [lo, hi] = xSup(y);
      const peak = d.xPeak?.(y);
      const f = (x: number): number => {
        const p = s.pdf(x);
        return p === 0 ? 0 : Math.pow(x, k) * p * d.pdf(y, x);
      };
      return integrate(f, lo, Math.min(hi, s.upper), {
        relTol: 1e-10,
        absTol: 0,
        scale: Math.max(s.mean, y),
        breakpoints: peak === undefined ? [] : [peak],
      }).value;
    },
    joint: (s, h) =>
      expectService(s, (x) => {
        const [lo, hi] = ySup(x);
        return integrate((y) => h(x, y) * d.pdf(y, x), lo, hi, {
          relTol: 1e-10,
          absTol: 0,
          scale: Math.max(x, 1e-300),
          breakpoints: [x],
        }).value;
      }),
    sample: d.sample,
  };
}

/** The survey's exponential model: Y is exponential with mean X. */
export const exponentialPrediction: PredictionModel = densityPrediction({
  spec: 'exp',
  params: { model: 'exponential' },
  pdf: (y, x) => (x > 0 && y >= 0 ? Math.exp(-y / x) / x : 0),
  // p(y | x) = e^(-y/x) / x peaks in x at x = y.
  xPeak: (y) => y,
  sample: (x, rng) => rng.exponential(1 / x),
});

/** Y uniform on [(1 - alpha) x, (1 + alpha) x], 0 < alpha < 1. */
export function uniformPrediction(alpha: number): PredictionModel {
  if (!(alpha > 0 && alpha < 1)) throw new ConfigError(`--prediction uniform:ALPHA: alpha must lie in (0, 1), got '${alpha}'`);
  return densityPrediction({
    spec: `uniform:${alpha}`,
    params: { model: 'uniform', alpha },
    pdf: (y, x) => (x > 0 && y >= (1 - alpha) * x && y <= (1 + alpha) * x ? 1 / (2 * alpha * x) : 0),
    ySupport: (x) => [(1 - alpha) * x, (1 + alpha) * x],
    xSupport: (y) => [y / (1 + alpha), y / (1 - alpha)],
    sample: (x, rng) => rng.uniform((1 - alpha) * x, (1 + alpha) * x),
  });
}

type PredictionFactory = (arg: string | undefined) => PredictionModel;

function noArg(name: string, m: PredictionModel): PredictionFactory {
  return (arg) => {
    if (arg !== undefined) throw new ConfigError(`--prediction ${name} takes no parameter, got '${name}:${arg}'`);
    return m;
  };
}

/** `--prediction` names. */
export const predictions = new Registry<PredictionFactory>('prediction')
  .register('exact', noArg('exact', exactPrediction), 'predicted size = true size')
  .register('exp', noArg('exp', exponentialPrediction), 'predicted size exponential with mean the true size')
  .register(
    'uniform',
    (arg) => {
      const a = Number(arg);
      if (arg === undefined || arg.trim() === '' || !Number.isFinite(a)) {
        throw new ConfigError(`--prediction uniform:ALPHA needs a number ALPHA in (0, 1), got '${arg ?? ''}'`);
      }
      return uniformPrediction(a);
    },
    'uniform:ALPHA, predicted size uniform on [(1-ALPHA)x, (1+ALPHA)x]',
  );

export function parsePrediction(spec: string): PredictionModel {
  const { name, arg } = splitSpec(spec);
  if (!predictions.has(name)) {
    throw new ConfigError(`--prediction: unknown prediction model '${name}'; valid: ${predictions.names().join(', ')}`);
  }
  return predictions.get(name)(arg);
}
