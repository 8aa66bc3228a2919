import { ConfigError } from '../core/errors.js';
import type { Rng } from '../kernel/rng.js';
import type { OutputPredictor, PredictionFeatures } from './predictor.js';

function truth(name: string, f: PredictionFeatures): number {
  if (!Number.isFinite(f.oracleOutputTokens)) {
    throw new ConfigError(`predictor '${name}' needs the true output length, which only the simulator has`);
  }
  return f.oracleOutputTokens;
}

/** Perfect predictions. */
export function oraclePredictor(): OutputPredictor {
  return { name: 'oracle', predict: (f) => truth('oracle', f), observe: () => {}, refine: (f) => truth('oracle', f) };
}

/**
 * Controlled-error predictions: y_hat = y * (1 + b) * (1 + u), u ~ Uniform(-2e, 2e). Without bias
 * (b = 0), E|y_hat - y| / y = E|u| = e exactly, so the expected MAPE equals the error level e;
 * predictions stay positive for e < 0.5 (the largest level the GAPS paper uses is 0.4). The bias b
 * is systematic: E[y_hat / y] = 1 + b, so b = -0.2 under-estimates every size by 20% on average and
 * b = 0.2 over-estimates it (`noisy:0.3,bias=-0.2`).
 */
export function noisyOraclePredictor(e: number, rng: Rng, bias = 0): OutputPredictor {
  if (!(e >= 0 && e < 0.5)) throw new ConfigError(`predictor 'noisy:E': E must be in [0, 0.5), got ${e}`);
  if (!(bias > -1 && bias <= 10)) throw new ConfigError(`predictor 'noisy:E,bias=B': B must be in (-1, 10], got ${bias}`);
  const name = bias === 0 ? `noisy:${e}` : `noisy:${e},bias=${bias}`;
  return {
    name,
    predict: (f) => truth(name, f) * (1 + bias) * (1 + (2 * rng.next() - 1) * 2 * e),
    observe: () => {},
    // While decoding, the same relative error applies to what is left (Trail's refined predictions
    // grow more accurate as the output nears its end): g + (y - g) * (1 + u), u from the first prediction.
    refine: (f, initial, g) => {
      const y = truth(`noisy:${e}`, f);
      const u = initial / y - 1;
      return Math.max(g + 1, g + (y - g) * (1 + u));
    },
  };
}
