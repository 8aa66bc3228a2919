import { ConfigError } from '../core/errors.js';
import { Registry, splitSpec } from '../core/registry.js';
import type { Rng } from '../kernel/rng.js';
import type { ApiCall, RequestSpec, Workload } from '../model/request.js';

/**
 * API-augmented requests (the survey's §5.1): a workload option gives each request external calls
 * drawn from per-type distributions. One registry of profiles; a profile lists augmentation types,
 * each with the mean number of calls per request, the call duration and the tokens a call returns.
 * docs/WORKLOADS.md gives every number, where it comes from and what is assumed.
 */

/** One augmentation type: its call count, duration and returned-token distributions. */
export interface ApiTypeProfile {
  readonly kind: string;
  /** Mean calls per request (>= 1): N = 1 + Poisson(meanCalls - 1). */
  readonly meanCalls: number;
  /** Call duration: Gamma with this mean (seconds) and coefficient of variation. */
  readonly meanDurationS: number;
  readonly durationCv: number;
  /** Returned tokens: ceil(Gamma) with this mean and coefficient of variation. */
  readonly meanReturnTokens: number;
  readonly returnCv: number;
}

export interface ApiCallProfile {
  readonly name: string;
  /** Each augmented request is of one type, chosen uniformly (equal shares). */
  readonly types: readonly ApiTypeProfile[];
}

/**
 * INFERCEPT's six augmentations (Abhyankar et al., ICML 2024). Published: the six types; a mixture
 * with equal shares of each (the repository's combo_dataset.py samples the same number of requests
 * per augmentation); calls per request averaging from 3 up to 28 depending on the type; calculator
 * calls under a second; text-to-speech and image generation about 20 times longer. The per-type
 * values below are chosen within those published ranges and are assumptions (docs/WORKLOADS.md).
 */
const INFERCEPT: ApiCallProfile = {
  name: 'infercept',
  types: [
    { kind: 'math', meanCalls: 3.75, meanDurationS: 1e-4, durationCv: 0.5, meanReturnTokens: 4, returnCv: 0.5 },
    { kind: 'qa', meanCalls: 3, meanDurationS: 0.7, durationCv: 0.25, meanReturnTokens: 40, returnCv: 0.5 },
    { kind: 've', meanCalls: 28, meanDurationS: 0.1, durationCv: 0.15, meanReturnTokens: 16, returnCv: 0.5 },
    { kind: 'chatbot', meanCalls: 4.5, meanDurationS: 28, durationCv: 0.5, meanReturnTokens: 60, returnCv: 0.5 },
    { kind: 'image', meanCalls: 7, meanDurationS: 20, durationCv: 0.4, meanReturnTokens: 16, returnCv: 0.25 },
    { kind: 'tts', meanCalls: 7, meanDurationS: 17, durationCv: 0.4, meanReturnTokens: 16, returnCv: 0.25 },
  ],
};

export const apiCallProfiles = new Registry<ApiCallProfile>('API-call profile').register(
  'infercept',
  INFERCEPT,
  "INFERCEPT's six augmentations (math, qa, ve, chatbot, image, tts), equal shares; infercept:TYPE,TYPE for a subset",
);

/** A parsed `apiCalls` spec: draws the calls of one request. */
export interface ApiCallModel {
  readonly spec: string;
  readonly types: readonly ApiTypeProfile[];
  /** The calls of a request with `outputTokens` output tokens (undefined: none fit, outputTokens = 1). */
  sample(rng: Rng, outputTokens: number): readonly ApiCall[] | undefined;
}

/** Parses 'infercept' or 'infercept:math,qa'; `key` names the setting in errors. */
export function parseApiCallSpec(spec: string, key: string): ApiCallModel {
  const { name, arg } = splitSpec(spec.trim());
  if (!apiCallProfiles.has(name)) {
    throw new ConfigError(`${key}: unknown API-call profile '${name}'; valid: ${apiCallProfiles.names().join(', ')}`);
  }
  const profile = apiCallProfiles.get(name);
  let types = profile.types;
  if (arg !== undefined) {
    const kinds = arg.split(',').map((s) => s.trim());
    const valid = profile.types.map((t) => t.kind);
    const unknown = kinds.filter((k) => !valid.includes(k));
    if (kinds.some((k) => k === '')) throw new ConfigError(`${key}: '${spec}': empty type in the list; valid types: ${valid.join(', ')}`);
    if (unknown.length > 0) throw new ConfigError(`${key}: '${spec}': unknown type(s) ${unknown.map((k) => `'${k}'`).join(', ')}; valid types: ${valid.join(', ')}`);
    if (new Set(kinds).size !== kinds.length) throw new ConfigError(`${key}: '${spec}': a type is listed twice`);
    types = profile.types.filter((t) => kinds.includes(t.kind));
  }
  const canonical = arg === undefined ? name : `${name}:${types.map((t) => t.kind).join(',')}`;
  return { spec: canonical, types, sample: (rng, outputTokens) => sampleCalls(types, rng, outputTokens) };
}

function sampleCalls(types: readonly ApiTypeProfile[], rng: Rng, outputTokens: number): readonly ApiCall[] | undefined {
  const t = types[rng.int(types.length)] as ApiTypeProfile;
  // A call needs a generated token before it and one after it: at most outputTokens - 1 calls.
  const n = Math.min(1 + poisson(rng, t.meanCalls - 1), outputTokens - 1);
  if (n <= 0) return undefined;
  const positions = distinctSorted(rng, n, outputTokens - 1);
  const calls: ApiCall[] = [];
  for (const afterTokens of positions) {
    calls.push({
      afterTokens,
      durationS: gammaByMean(rng, t.meanDurationS, t.durationCv),
      returnTokens: Math.max(1, Math.ceil(gammaByMean(rng, t.meanReturnTokens - 0.5, t.returnCv))),
      kind: t.kind,
    });
  }
  return calls;
}

/** Poisson by inversion (means here are below 30, so exp(-mean) does not underflow). */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  const u = rng.next();
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  while (u >= cdf && k < 10_000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

/** Gamma with the given mean and coefficient of variation (shape 1/cv^2). */
function gammaByMean(rng: Rng, mean: number, cv: number): number {
  const shape = 1 / (cv * cv);
  return rng.gamma(shape, mean / shape);
}

/** n distinct integers drawn uniformly from 1..m, ascending (Floyd's algorithm). */
function distinctSorted(rng: Rng, n: number, m: number): number[] {
  const chosen = new Set<number>();
  for (let j = m - n + 1; j <= m; j++) {
    const v = 1 + rng.int(j);
    chosen.add(chosen.has(v) ? j : v);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * What is wrong with a request's calls, or undefined: the shape RequestSpec.apiCalls promises
 * (1 <= afterTokens < outputTokens, strictly increasing, durations >= 0, integer returnTokens >= 1,
 * a non-empty kind). For trace readers and the instance model's checks.
 */
export function apiCallProblem(r: RequestSpec): string | undefined {
  const calls = r.apiCalls;
  if (calls === undefined) return undefined;
  let prev = 0;
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i] as ApiCall;
    const at = `apiCalls[${i}]`;
    if (!(Number.isInteger(c.afterTokens) && c.afterTokens >= 1 && c.afterTokens < r.outputTokens)) {
      return `${at}.afterTokens must be an integer in [1, outputTokens - 1 = ${r.outputTokens - 1}], got ${c.afterTokens}`;
    }
    if (!(c.afterTokens > prev)) return `${at}.afterTokens must exceed the previous call's (${prev}), got ${c.afterTokens}`;
    if (!(Number.isFinite(c.durationS) && c.durationS >= 0)) return `${at}.durationS must be a finite number >= 0, got ${c.durationS}`;
    if (!(Number.isInteger(c.returnTokens) && c.returnTokens >= 1)) return `${at}.returnTokens must be an integer >= 1, got ${c.returnTokens}`;
    if (typeof c.kind !== 'string' || c.kind === '') return `${at}.kind must be a non-empty string`;
    prev = c.afterTokens;
  }
  return undefined;
}

/**
 * A stream whose requests gain API calls from `model`, drawn from their own random stream, so the
 * arrivals and lengths are those of the source with the same seed. The IteratorResult is reused.
 */
export class ApiCallWorkload implements IterableIterator<RequestSpec> {
  private readonly result: { done: boolean; value: RequestSpec } = { done: false, value: undefined as never };

  constructor(
    private readonly source: Workload,
    private readonly model: ApiCallModel,
    private readonly rng: Rng,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<RequestSpec> {
    const r = this.source.next();
    if (r.done) {
      this.result.done = true;
      this.result.value = undefined as never;
      return this.result;
    }
    const calls = this.model.sample(this.rng, r.value.outputTokens);
    this.result.value = calls === undefined ? r.value : { ...r.value, apiCalls: calls };
    return this.result;
  }

  return(): IteratorResult<RequestSpec> {
    this.source.return?.();
    this.result.done = true;
    this.result.value = undefined as never;
    return this.result;
  }
}
