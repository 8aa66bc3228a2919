import type { Rng } from '../kernel/rng.js';
import type { OutputPredictor, PredictionFeatures } from './predictor.js';

const TYPES = 4; // one-hot slots for workload types; later types share the last slot
const INPUTS = 2 + TYPES; // log prompt, log prompt squared, type one-hot
const HIDDEN = 16;

/**
 * A small online multi-layer perceptron: inputs log(1 + prompt) (scaled), its square and the
 * workload type one-hot; one hidden layer of 16 tanh units; output log(1 + output tokens), trained
 * by plain SGD on each completed request (squared error in log space, so it estimates a geometric
 * mean rather than the arithmetic mean). Written here rather than taken from a library because it is
 * forty lines, must be deterministic under our seeded streams, and is updated one sample at a time
 * in the simulator's hot path, which general-purpose ML libraries are not built for.
 */
export function mlpPredictor(rng: Rng, learningRate = 0.01): OutputPredictor {
  const w1 = new Float64Array(HIDDEN * INPUTS).map(() => (rng.next() * 2 - 1) * Math.sqrt(1 / INPUTS));
  const b1 = new Float64Array(HIDDEN);
  const w2 = new Float64Array(HIDDEN).map(() => (rng.next() * 2 - 1) * Math.sqrt(1 / HIDDEN));
  let b2 = Math.log1p(100); // start near a typical output length
  const x = new Float64Array(INPUTS);
  const h = new Float64Array(HIDDEN);

  const forward = (f: PredictionFeatures): number => {
    const lp = Math.log1p(f.promptTokens) / 10;
    x.fill(0);
    x[0] = lp;
    x[1] = lp * lp;
    x[2 + Math.min(f.type, TYPES - 1)] = 1;
    let out = b2;
    for (let j = 0; j < HIDDEN; j++) {
      let s = b1[j] as number;
      for (let i = 0; i < INPUTS; i++) s += (w1[j * INPUTS + i] as number) * (x[i] as number);
      const a = Math.tanh(s);
      h[j] = a;
      out += (w2[j] as number) * a;
    }
    return out;
  };

  return {
    name: 'mlp',
    predict: (f) => Math.max(1, Math.expm1(forward(f))),
    observe(f, y) {
      const out = forward(f);
      const g = out - Math.log1p(y); // d(0.5 err^2)/d out
      for (let j = 0; j < HIDDEN; j++) {
        const a = h[j] as number;
        const gh = g * (w2[j] as number) * (1 - a * a);
        w2[j] = (w2[j] as number) - learningRate * g * a;
        b1[j] = (b1[j] as number) - learningRate * gh;
        for (let i = 0; i < INPUTS; i++) w1[j * INPUTS + i] = (w1[j * INPUTS + i] as number) - learningRate * gh * (x[i] as number);
      }
      b2 -= learningRate * g;
    },
  };
}
