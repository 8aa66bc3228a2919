import { Registry } from '../core/registry.js';
import { GammaArrivals, OnOffArrivals, onOffWithRate, type OnOffShape } from './arrivals.js';
import { AZURE_CODE_FIT, AZURE_CONVERSATION_FIT } from './azurePresetData.js';
import { QUANTILE_PROBS, type ArrivalFit, type OutputFit, type PresetFit } from './presetFit.js';
import { binnedOutput, independentOutput, quantileTableLength, type LengthDist, type OutputModel } from './lengths.js';
import { alpacaPreset, sharegptPreset } from './publishedPresets.js';
import type { Preset, PresetComponent } from './presetTypes.js';
import type { ArrivalShape } from './specs.js';

/**
 * Synthetic workloads shaped like the Azure LLM inference traces of 2023 (Splitwise). Every
 * parameter is embedded (azurePresetData.ts, fitted by fitPresets.ts), so presets need no data file.
 * Lengths come from the traces' quantile tables, so samples stay within each trace's observed range.
 */

export type { Preset, PresetComponent } from './presetTypes.js';

function onOffShapeOf(a: ArrivalFit): OnOffShape | undefined {
  return a.kind === 'onoff' ? { meanOnS: a.meanOnS, meanOffS: a.meanOffS, offRatio: 0 } : undefined;
}

/** The code trace's bursts: the shape of a plain 'onoff' for anything fitted without one (and for traces). */
export const DEFAULT_ONOFF_SHAPE = onOffShapeOf(AZURE_CODE_FIT.arrival) as OnOffShape;

/**
 * The fitted arrival process. A rate override time-scales it, exactly as it time-scales a trace
 * replay: state durations shrink with the rate, so with the same seed make(r) is make() with every
 * arrival time multiplied by natural / r. (Gamma gaps scale the same way by construction.)
 */
function arrivalOf(a: ArrivalFit, naturalRate: number): ArrivalShape {
  if (a.kind === 'gamma') {
    return { spec: `gamma:${a.cv}`, create: (rate, rng) => new GammaArrivals(rate, a.cv, rng) };
  }
  const shape = onOffShapeOf(a) as OnOffShape;
  return {
    spec: `onoff:${shape.meanOnS},${shape.meanOffS},0 (time-scaled with the rate)`,
    create: (rate, rng) => {
      const f = naturalRate / rate;
      const scaled = { meanOnS: shape.meanOnS * f, meanOffS: shape.meanOffS * f, offRatio: 0 };
      return new OnOffArrivals(onOffWithRate(scaled, rate), rng);
    },
  };
}

function outputOf(o: OutputFit, name: string): OutputModel {
  if (o.kind === 'marginal') return independentOutput(quantileTableLength(QUANTILE_PROBS, o.quantiles, `${name}-output`));
  const dists = o.quantiles.map((q, i) => quantileTableLength(QUANTILE_PROBS, q, `${name}-output-bin${i}`));
  return binnedOutput(o.lowerEdges, dists, `${name}-output-by-prompt-bin(${o.lowerEdges.join(',')})`);
}

function componentOf(fit: PresetFit, name: string): PresetComponent {
  return {
    type: fit.type,
    meanRatePerS: fit.meanRatePerS,
    arrival: arrivalOf(fit.arrival, fit.meanRatePerS),
    onOffShape: onOffShapeOf(fit.arrival) ?? DEFAULT_ONOFF_SHAPE,
    prompt: quantileTableLength(QUANTILE_PROBS, fit.prompt, `${name}-prompt`),
    output: outputOf(fit.output, name),
  };
}

/**
 * `x.toLocaleString('en-US', { maximumFractionDigits: 2 })`. For finite x >= 0 below 2^53 it is
 * written out here, as ICU does it: the shortest decimal that reads back as x (`String(x)`) is
 * rounded to two decimals with ties up (so 1.005 gives 1.01, although the double is slightly below
 * 1.005), trailing fractional zeros are dropped and the integer digits grouped by threes (the test
 * compares with `toLocaleString` on thousands of values). Elsewhere (negatives, -0, NaN, infinities,
 * huge values) one `Intl.NumberFormat` of those options, made on first use, formats: creating it
 * costs tens of milliseconds in a fresh process, which every run building a preset would pay.
 */
let numberFormat: Intl.NumberFormat | undefined;
export function fmt(x: number): string {
  if (!(x >= 0 && x < 2 ** 53) || Object.is(x, -0)) return (numberFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })).format(x);
  const shortest = String(x);
  // Below 1e-6 String() writes an exponent; such values round to 0.
  if (shortest.includes('e')) return '0';
  const dot = shortest.indexOf('.');
  let int = dot < 0 ? shortest : shortest.slice(0, dot);
  let frac = dot < 0 ? '' : shortest.slice(dot + 1);
  if (frac.length > 2) {
    const up = frac.charCodeAt(2) >= 53; // '5'
    frac = frac.slice(0, 2);
    if (up) {
      // Add one unit in the second decimal, carrying into the integer digits.
      const digits = (int + frac).split('');
      let i = digits.length - 1;
      while (i >= 0 && digits[i] === '9') digits[i--] = '0';
      if (i >= 0) digits[i] = String.fromCharCode(digits[i]!.charCodeAt(0) + 1);
      else digits.unshift('1');
      int = digits.slice(0, digits.length - 2).join('');
      frac = digits.slice(digits.length - 2).join('');
    }
  }
  frac = frac.replace(/0+$/, '');
  let grouped = int.slice(0, ((int.length - 1) % 3) + 1);
  for (let i = grouped.length; i < int.length; i += 3) grouped += `,${int.slice(i, i + 3)}`;
  return frac === '' ? grouped : `${grouped}.${frac}`;
}
const range = (q: readonly number[]): string => `${fmt(q[0]!)}..${fmt(q[q.length - 1]!)}`;
const median = (q: readonly number[]): string => fmt(q[QUANTILE_PROBS.indexOf(0.5)]!);

function describeArrival(fit: PresetFit): string {
  const a = fit.arrival;
  return a.kind === 'gamma'
    ? `Gamma-renewal arrivals at ${fmt(fit.meanRatePerS)} req/s with gap CV ${fmt(a.cv)} (near-Poisson)`
    : `on/off bursts at ${fmt(fit.meanRatePerS)} req/s on average (MMPP-2: ${fmt(a.rateOn)} req/s for ` +
        `${fmt(a.meanOnS)} s on average, then silent for ${fmt(a.meanOffS)} s)`;
}

function describeLengths(fit: PresetFit): string {
  const o = fit.output;
  const prompt = `prompt from the trace's quantiles (median ${median(fit.prompt)}, range ${range(fit.prompt)})`;
  if (o.kind === 'marginal') {
    return `${prompt}; output independent of it (median ${median(o.quantiles)}, range ${range(o.quantiles)})`;
  }
  const all = o.quantiles.flat();
  return `${prompt}; output drawn from the quantiles of its prompt-length bin (bins from ${o.lowerEdges.join(', ')} tokens; range ${fmt(Math.min(...all))}..${fmt(Math.max(...all))})`;
}

function singlePreset(name: string, fit: PresetFit): Preset {
  return {
    name,
    description:
      `${name}: shaped like Azure ${fit.source} (${fmt(fit.count)} requests in ${fmt(fit.durationS / 60)} min): ` +
      `${describeArrival(fit)}; ${describeLengths(fit)}. Lengths never exceed the trace's maxima; nothing else is truncated.`,
    components: [componentOf(fit, name)],
    defaultNumRequests: fit.count,
  };
}

export const presets = new Registry<() => Preset>('workload preset')
  .register('azure-code', () => singlePreset('azure-code', AZURE_CODE_FIT), 'Azure 2023 code trace: bursty, short outputs')
  .register(
    'azure-conversation',
    () => singlePreset('azure-conversation', AZURE_CONVERSATION_FIT),
    'Azure 2023 conversation trace: near-Poisson, output by prompt bin',
  )
  .register(
    'azure-mixed',
    () => {
      const code = singlePreset('azure-code', AZURE_CODE_FIT);
      const conv = singlePreset('azure-conversation', AZURE_CONVERSATION_FIT);
      return {
        name: 'azure-mixed',
        description: `azure-mixed: both Azure 2023 traces' shapes superposed, each request labelled with its type. ${code.description} ${conv.description}`,
        components: [...code.components, ...conv.components],
        defaultNumRequests: code.defaultNumRequests + conv.defaultNumRequests,
      };
    },
    'both superposed, each request labelled code or conversation',
  )
  .register('sharegpt', () => sharegptPreset(DEFAULT_ONOFF_SHAPE), 'ShareGPT-like conversations (openchat_sharegpt4 statistics; a generator, not the dataset)')
  .register('alpaca', () => alpacaPreset(DEFAULT_ONOFF_SHAPE), 'Alpaca-like short instructions (published means; a generator, not the dataset)');
