import { ConfigError } from '../core/errors.js';
import { Registry, splitSpec } from '../core/registry.js';
import type { Rng } from '../kernel/rng.js';
import { integrate, type QuadOptions } from './quadrature.js';
import { gamma } from './special.js';

/** A job-size (service-time) distribution of an M/G/1 queue. */
export interface ServiceDist {
  /** The spec it was built from, e.g. `weibull:0.5`. */
  readonly spec: string;
  /** Its parameters, echoed in results. */
  readonly params: Readonly<Record<string, number | string>>;
  pdf(x: number): number;
  readonly mean: number;
  readonly secondMoment: number;
  /** Upper end of the support (Infinity when unbounded). */
  readonly upper: number;
  sample(rng: Rng): number;
}

/** E[h(X)] by adaptive quadrature over the support; breakpoints mark kinks of h. */
export function expectService(s: ServiceDist, h: (x: number) => number, opts: QuadOptions = {}): number {
  const f = (x: number): number => {
    const p = s.pdf(x);
    return p === 0 ? 0 : h(x) * p;
  };
  return integrate(f, 0, s.upper, { scale: s.mean, relTol: 1e-10, absTol: 0, map: 'square', ...opts }).value;
}

function positive(option: string, name: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0)) throw new ConfigError(`${option}: ${name} must be a positive number, got '${v}'`);
  return v;
}

export function exponentialService(mean = 1): ServiceDist {
  positive('--service', 'exp mean', mean);
  const rate = 1 / mean;
  return {
    spec: mean === 1 ? 'exp' : `exp:${mean}`,
    params: { family: 'exponential', mean },
    pdf: (x) => (x < 0 ? 0 : rate * Math.exp(-rate * x)),
    mean,
    secondMoment: 2 * mean * mean,
    upper: Number.POSITIVE_INFINITY,
    sample: (rng) => rng.exponential(rate),
  };
}

/**
 * Weibull with shape k and scale s: F(x) = 1 - exp(-(x / s)^k). The survey's heavy-tailed example,
 * F(x) = 1 - exp(-sqrt(2x)), is k = 1/2, s = 1/2 (mean 1, E[X^2] = 6).
 */
export function weibullService(shape: number, scale: number, spec = `weibull:${shape}`): ServiceDist {
  positive('--service', 'weibull shape', shape);
  positive('--service', 'weibull scale', scale);
  return {
    spec,
    params: { family: 'weibull', shape, scale },
    pdf: (x) => {
      if (x <= 0) return 0;
      const z = x / scale;
      return (shape / scale) * Math.pow(z, shape - 1) * Math.exp(-Math.pow(z, shape));
    },
    mean: scale * gamma(1 + 1 / shape),
    secondMoment: scale * scale * gamma(1 + 2 / shape),
    upper: Number.POSITIVE_INFINITY,
    sample: (rng) => rng.weibull(shape, scale),
  };
}

export interface CustomServiceSpec {
  pdf(x: number): number;
  sample(rng: Rng): number;
  upper?: number;
  name?: string;
}

/** A user-supplied density; its moments are computed by quadrature (and must be finite). */
export function customService(c: CustomServiceSpec): ServiceDist {
  const upper = c.upper ?? Number.POSITIVE_INFINITY;
  const q = (k: number): number =>
    integrate((x) => Math.pow(x, k) * c.pdf(x), 0, upper, { relTol: 1e-11, absTol: 0 }).value;
  const mass = q(0);
  if (Math.abs(mass - 1) > 1e-6) throw new ConfigError(`--service: custom density integrates to ${mass}, not 1`);
  const mean = q(1);
  const secondMoment = q(2);
  if (!Number.isFinite(secondMoment)) throw new ConfigError('--service: custom density needs a finite second moment');
  return { spec: c.name ?? 'custom', params: { family: 'custom' }, pdf: c.pdf, mean, secondMoment, upper, sample: c.sample };
}

type ServiceFactory = (arg: string | undefined) => ServiceDist;

function parseNumber(option: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new ConfigError(`${option}: expected a number, got '${text}'`);
  return v;
}

/** `--service` names. Every mean defaults to 1 so that lambda is the load. */
export const services = new Registry<ServiceFactory>('service')
  .register('exp', (arg) => exponentialService(arg === undefined ? 1 : parseNumber('--service exp:MEAN', arg)), 'exponential; exp:MEAN (default mean 1)')
  .register(
    'weibull',
    (arg) => {
      if (arg === undefined) return weibullService(0.5, 0.5, 'weibull');
      const k = positive('--service', 'weibull shape', parseNumber('--service weibull:K', arg));
      return weibullService(k, 1 / gamma(1 + 1 / k), `weibull:${k}`);
    },
    "weibull:K has shape K and mean 1; plain 'weibull' is the survey's F(x) = 1 - exp(-sqrt(2x))",
  );

/** Builds a service distribution from `name` or `name:arg`. */
export function parseService(spec: string): ServiceDist {
  const { name, arg } = splitSpec(spec);
  if (!services.has(name)) throw new ConfigError(`--service: unknown service '${name}'; valid: ${services.names().join(', ')}`);
  return services.get(name)(arg);
}
