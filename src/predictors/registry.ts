import { ConfigError } from '../core/errors.js';
import { Registry, splitSpec } from '../core/registry.js';
import type { Rng } from '../kernel/rng.js';
import { mlpPredictor } from './mlp.js';
import { linearPredictor, meanPredictor } from './online.js';
import { noisyOraclePredictor, oraclePredictor } from './oracle.js';
import type { OutputPredictor } from './predictor.js';

export type PredictorFactory = (arg: string | undefined, rng: Rng) => OutputPredictor;

function noArg(name: string, arg: string | undefined): void {
  if (arg !== undefined) throw new ConfigError(`predictor '${name}' takes no argument, got '${arg}'`);
}

/** Predictors by CLI name (`--predictor oracle | noisy:E | mean | linear | mlp`). */
export const predictors = new Registry<PredictorFactory>('predictor')
  .register('oracle', (a) => (noArg('oracle', a), oraclePredictor()), 'the true output length (simulator only)')
  .register(
    'noisy',
    (a, rng) => {
      const [level, ...opts] = (a ?? '').split(',');
      const e = Number(level);
      if (a === undefined || (level ?? '').trim() === '' || !Number.isFinite(e)) {
        throw new ConfigError(`predictor 'noisy:E' needs an error level E, e.g. noisy:0.2 or noisy:0.3,bias=-0.2; got '${a ?? ''}'`);
      }
      let bias = 0;
      for (const o of opts) {
        const [k, v] = o.split('=');
        const x = Number(v);
        if (k !== 'bias' || v === undefined || v.trim() === '' || !Number.isFinite(x)) {
          throw new ConfigError(`predictor 'noisy:E,bias=B': unknown or bad option '${o}' (only bias=B, a number)`);
        }
        bias = x;
      }
      return noisyOraclePredictor(e, rng, bias);
    },
    'truth with multiplicative uniform noise of mean absolute percentage error E and systematic bias B (noisy:0.2, noisy:0.3,bias=-0.2)',
  )
  .register('mean', (a) => (noArg('mean', a), meanPredictor()), 'running mean per workload type')
  .register('linear', (a) => (noArg('linear', a), linearPredictor()), 'online least squares on prompt length per type')
  .register('mlp', (a, rng) => (noArg('mlp', a), mlpPredictor(rng)), 'small online MLP on prompt length and type');

export function createPredictor(spec: string, rng: Rng): OutputPredictor {
  const { name, arg } = splitSpec(spec);
  return predictors.get(name)(arg, rng);
}
