import { ConfigError } from '../core/errors.js';
import { MAX_TOKENS } from '../core/limits.js';
import { Registry, splitSpec } from '../core/registry.js';
import type { Rng } from '../kernel/rng.js';
import { GammaArrivals, OnOffArrivals, onOffWithRate, PoissonArrivals, type ArrivalProcess, type OnOffShape } from './arrivals.js';
import { fixedLength, lognormalByMedian, lognormalLength, paretoLength, type LengthDist } from './lengths.js';

/**
 * Text specs for length distributions and arrival processes ('lognormal:1469,1.2', 'gamma:2'),
 * one registry each: a name maps to a factory that validates its own parameters. Errors name the
 * setting key, what was expected and what was received.
 */

/** An arrival process without its rate: the rate comes from the preset, the trace or `rate`. */
export interface ArrivalShape {
  readonly spec: string;
  create(rate: number, rng: Rng): ArrivalProcess;
}

interface Param {
  readonly name: string;
  readonly check: (x: number) => boolean;
  readonly expected: string;
  readonly optional?: boolean;
}

const positive = (name: string): Param => ({ name, check: (x) => x > 0, expected: '> 0' });

type LengthFactory = (args: number[]) => LengthDist;
interface LengthEntry {
  readonly params: readonly Param[];
  readonly make: LengthFactory;
}

export const lengthDistributions = new Registry<LengthEntry>('length distribution')
  .register(
    'fixed',
    { params: [{ name: 'N', check: (x) => Number.isInteger(x) && x >= 1, expected: 'an integer >= 1' }], make: ([n]) => fixedLength(n!) },
    'fixed:N, every request has N tokens',
  )
  .register(
    'lognormal',
    { params: [positive('MEDIAN'), positive('SIGMA')], make: ([m, s]) => lognormalByMedian(m!, s!) },
    'lognormal:MEDIAN,SIGMA, ceil of a lognormal with that median and log-sd',
  )
  .register(
    'lognormal-mu',
    { params: [{ name: 'MU', check: Number.isFinite, expected: 'a finite number' }, positive('SIGMA')], make: ([m, s]) => lognormalLength(m!, s!) },
    'lognormal-mu:MU,SIGMA, ceil of exp(MU + SIGMA Z)',
  )
  .register(
    'pareto',
    { params: [positive('XM'), { name: 'ALPHA', check: (x) => x > 1, expected: '> 1 (a finite mean)' }], make: ([xm, a]) => paretoLength(xm!, a!) },
    'pareto:XM,ALPHA, ceil of a Pareto with minimum XM and tail index ALPHA',
  );

/** Parses a length spec such as 'fixed:512'; `key` names the setting in errors (e.g. 'workload.prompt'). */
export function parseLengthSpec(spec: string, key: string): LengthDist {
  const { name, arg } = splitSpec(spec.trim());
  if (!lengthDistributions.has(name)) {
    throw new ConfigError(`${key}: unknown length distribution '${name}'; valid: ${lengthDistributions.names().join(', ')}`);
  }
  const entry = lengthDistributions.get(name);
  const dist = entry.make(parseParams(spec, arg, entry.params, key));
  if (!(dist.mean <= MAX_TOKENS)) {
    throw new ConfigError(`${key}: '${spec}' has a mean of ${dist.mean} tokens; at most ${MAX_TOKENS} tokens per request are supported`);
  }
  return dist;
}

type ArrivalFactory = (args: number[], defaultOnOff: OnOffShape) => ArrivalShape;
interface ArrivalEntry {
  readonly params: readonly Param[];
  readonly make: ArrivalFactory;
}

const arrivalRegistry = new Registry<ArrivalEntry>('arrival process')
  .register(
    'poisson',
    { params: [], make: () => ({ spec: 'poisson', create: (rate, rng) => new PoissonArrivals(rate, rng) }) },
    'poisson, exponential gaps',
  )
  .register(
    'gamma',
    {
      params: [positive('CV')],
      make: ([cv]) => ({ spec: `gamma:${cv}`, create: (rate, rng) => new GammaArrivals(rate, cv!, rng) }),
    },
    'gamma:CV, renewal process with Gamma gaps of that coefficient of variation (1 = Poisson)',
  )
  .register(
    'onoff',
    {
      params: [
        { ...positive('MEAN_ON_S'), optional: true },
        { ...positive('MEAN_OFF_S'), optional: true },
        { name: 'OFF_RATIO', check: (x) => x >= 0 && x < 1, expected: 'in [0, 1)', optional: true },
      ],
      make: (args, defaultOnOff) => onOffShape(args, defaultOnOff),
    },
    'onoff[:MEAN_ON_S,MEAN_OFF_S[,OFF_RATIO]], 2-state MMPP; without arguments the preset\'s fitted bursts',
  );

/** Names accepted by `arrival`, including 'trace' (replay), which build.ts handles itself. */
export const ARRIVAL_NAMES: readonly string[] = [...arrivalRegistry.names(), 'trace'];

function onOffShape(args: number[], fallback: OnOffShape): ArrivalShape {
  if (args.length === 1) throw new ConfigError('onoff needs both MEAN_ON_S and MEAN_OFF_S, or neither');
  const shape: OnOffShape =
    args.length === 0 ? fallback : { meanOnS: args[0]!, meanOffS: args[1]!, offRatio: args[2] ?? 0 };
  const spec = `onoff:${shape.meanOnS},${shape.meanOffS},${shape.offRatio}`;
  return { spec, create: (rate, rng) => new OnOffArrivals(onOffWithRate(shape, rate), rng) };
}

/** Parses 'poisson' | 'gamma:CV' | 'onoff[:...]'; 'trace' is not an arrival shape (see build.ts). */
export function parseArrivalSpec(spec: string, key: string, defaultOnOff: OnOffShape): ArrivalShape {
  const { name, arg } = splitSpec(spec.trim());
  if (!arrivalRegistry.has(name)) {
    throw new ConfigError(`${key}: unknown arrival process '${name}'; valid: ${ARRIVAL_NAMES.join(', ')}`);
  }
  const entry = arrivalRegistry.get(name);
  try {
    return entry.make(parseParams(spec, arg, entry.params, key), defaultOnOff);
  } catch (e) {
    if (e instanceof ConfigError && !e.message.startsWith(key)) throw new ConfigError(`${key}: '${spec}': ${e.message}`);
    throw e;
  }
}

function parseParams(spec: string, arg: string | undefined, params: readonly Param[], key: string): number[] {
  const texts = arg === undefined || arg.trim() === '' ? [] : arg.split(',');
  const required = params.filter((p) => !p.optional).length;
  const usage = params.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(',');
  if (texts.length < required || texts.length > params.length) {
    throw new ConfigError(`${key}: '${spec}': expected ${params.length ? usage : 'no parameters'}, got ${texts.length} value(s)`);
  }
  return texts.map((text, i) => {
    const p = params[i]!;
    const x = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(x) || !p.check(x)) {
      throw new ConfigError(`${key}: '${spec}': ${p.name} must be ${p.expected}, got '${text.trim()}'`);
    }
    return x;
  });
}
