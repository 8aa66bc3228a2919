import type { OnOffShape } from './arrivals.js';
import { PoissonArrivals } from './arrivals.js';
import { independentOutput, lognormalByMedian, lognormalLength, type LengthDist } from './lengths.js';
import type { Preset } from './presetTypes.js';
import type { ArrivalShape } from './specs.js';

/**
 * Generators built from published summary statistics of datasets we do not have. They are not the
 * datasets: lengths are lognormal laws whose parameters are solved from the numbers a paper prints
 * (docs/WORKLOADS.md lists every number, its source and what we assumed). Prompt and output are
 * drawn independently, because no source publishes their joint law. Arrivals are Poisson, as in the
 * papers that used these datasets (neither dataset has timestamps).
 */

/** The standard normal quantile at 0.9 (lognormal sigma from a median and a P90). */
const Z90 = 1.2815515655446004;

/** ceil(lognormal) through a published median and 90th percentile: sigma = ln(P90 / median) / z_0.9. */
export function lognormalFromMedianP90(median: number, p90: number): LengthDist {
  if (!(median >= 1 && p90 > median)) throw new RangeError(`lognormalFromMedianP90: need 1 <= median < p90, got ${median}, ${p90}`);
  return lognormalByMedian(median, Math.log(p90 / median) / Z90);
}

/**
 * ceil(lognormal) with a published mean and an assumed log-sd: ceil adds 0.5 on average, so the
 * continuous law's mean is set to mean - 0.5 and the token mean is the published one.
 */
export function lognormalFromMean(mean: number, sigma: number): LengthDist {
  if (!(mean > 1 && sigma > 0)) throw new RangeError(`lognormalFromMean: need mean > 1 and sigma > 0, got ${mean}, ${sigma}`);
  const mu = Math.log(mean - 0.5) - (sigma * sigma) / 2;
  return lognormalLength(mu, sigma, `lognormal-mu:${mu.toPrecision(6)},${sigma} (mean ${mean})`);
}

const poisson: ArrivalShape = { spec: 'poisson', create: (rate, rng) => new PoissonArrivals(rate, rng) };

/** The published numbers each preset is built from (echoed in docs and descriptions). */
export const SHAREGPT_STATS = {
  source: 'openchat_sharegpt4 as used by Sarathi-Serve (Agrawal et al., OSDI 2024, Table 2) and SLAI',
  prompt: { median: 1730, p90: 5696 },
  output: { median: 415, p90: 834 },
} as const;

export const ALPACA_STATS = {
  source: 'Alpaca as tokenized by vLLM (Kwon et al., SOSP 2023, Fig. 11)',
  prompt: { mean: 19.31, sigma: 0.6 },
  output: { mean: 58.45, sigma: 0.9 },
} as const;

/** Mean rates when neither rate nor load is given: our defaults, not published (use --rate or --load). */
const SHAREGPT_DEFAULT_RATE = 1;
const ALPACA_DEFAULT_RATE = 8;
const DEFAULT_REQUESTS = 10_000;

export function sharegptPreset(onOffShape: OnOffShape): Preset {
  const s = SHAREGPT_STATS;
  const prompt = lognormalFromMedianP90(s.prompt.median, s.prompt.p90);
  const output = lognormalFromMedianP90(s.output.median, s.output.p90);
  return {
    name: 'sharegpt',
    description:
      `sharegpt: a generator from published statistics of ${s.source}, not the dataset: ` +
      `prompt ${prompt.spec} (median ${s.prompt.median}, P90 ${s.prompt.p90}), output ${output.spec} ` +
      `(median ${s.output.median}, P90 ${s.output.p90}), drawn independently; Poisson arrivals ` +
      `(${SHAREGPT_DEFAULT_RATE} req/s unless a rate or load is given). Lognormal tails beyond P90 are extrapolated, not data.`,
    components: [{ type: 'conversation', meanRatePerS: SHAREGPT_DEFAULT_RATE, arrival: poisson, onOffShape, prompt, output: independentOutput(output) }],
    defaultNumRequests: DEFAULT_REQUESTS,
  };
}

export function alpacaPreset(onOffShape: OnOffShape): Preset {
  const s = ALPACA_STATS;
  const prompt = lognormalFromMean(s.prompt.mean, s.prompt.sigma);
  const output = lognormalFromMean(s.output.mean, s.output.sigma);
  return {
    name: 'alpaca',
    description:
      `alpaca: a generator from published statistics of ${s.source}, not the dataset: short instructions, ` +
      `prompt mean ${s.prompt.mean} tokens, output mean ${s.output.mean} tokens (published), lognormal with ` +
      `log-sd ${s.prompt.sigma} / ${s.output.sigma} (assumed: no dispersion is published), drawn independently; ` +
      `Poisson arrivals (${ALPACA_DEFAULT_RATE} req/s unless a rate or load is given).`,
    components: [{ type: 'instruction', meanRatePerS: ALPACA_DEFAULT_RATE, arrival: poisson, onOffShape, prompt, output: independentOutput(output) }],
    defaultNumRequests: DEFAULT_REQUESTS,
  };
}
