import { ConfigError } from '../core/errors.js';
import type { RequestSpec, Workload } from '../model/request.js';
import type { WorkloadHandle, WorkloadStats } from './build.js';

/**
 * A workload handed over in memory (library use: `runSimulation(config, { requests })`). Each
 * request is checked as it is pulled (finite, non-decreasing arrival; positive integer token
 * counts), with the error naming its index. An array gives exact mean lengths for the capacity
 * estimate; any other iterable is consumed once, lazily, and its means are unknown (NaN), so
 * `workload.load` cannot be used with it.
 */
export function inMemoryWorkload(requests: Iterable<RequestSpec>): WorkloadHandle {
  const isArray = Array.isArray(requests);
  const list = requests as readonly RequestSpec[];
  const stats: WorkloadStats = isArray ? arrayStats(list) : { meanPromptTokens: NaN, meanOutputTokens: NaN, meanRatePerS: NaN, types: [] };
  let made = false;
  return {
    description: isArray ? `${list.length} in-memory requests` : 'in-memory requests (an iterable)',
    stats,
    make(rate?: number): Workload {
      if (rate !== undefined) throw new ConfigError('workload.rate/load: in-memory requests keep their own arrival times');
      if (made && !isArray) throw new ConfigError('runSimulation: an in-memory iterable (not an array) can be run once only');
      made = true;
      return checked(requests[Symbol.iterator]());
    },
  };
}

function arrayStats(list: readonly RequestSpec[]): WorkloadStats {
  let p = 0;
  let o = 0;
  for (const r of list) {
    p += r.promptTokens;
    o += r.outputTokens;
  }
  const n = list.length;
  const span = n > 1 ? (list[n - 1] as RequestSpec).arrival - (list[0] as RequestSpec).arrival : 0;
  return {
    meanPromptTokens: n ? p / n : NaN,
    meanOutputTokens: n ? o / n : NaN,
    meanRatePerS: span > 0 ? (n - 1) / span : NaN,
    types: [...new Set(list.map((r) => r.type))],
  };
}

function* checked(it: Iterator<RequestSpec>): Generator<RequestSpec, void, undefined> {
  let last = -Infinity;
  let i = 0;
  for (let r = it.next(); !r.done; r = it.next(), i++) {
    const q = r.value;
    const bad = (field: string, why: string): never => {
      throw new ConfigError(`requests[${i}].${field}: ${why}`);
    };
    if (typeof q.arrival !== 'number' || !Number.isFinite(q.arrival) || q.arrival < 0) bad('arrival', `expected a finite time >= 0 s, got ${String(q.arrival)}`);
    if (q.arrival < last) bad('arrival', `requests must be in arrival order (${q.arrival} < previous ${last})`);
    for (const k of ['promptTokens', 'outputTokens'] as const) {
      const v = q[k];
      if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) bad(k, `expected an integer in [1, 2^31), got ${String(v)}`);
    }
    if (typeof q.type !== 'string') bad('type', `expected a string, got ${typeof q.type}`);
    last = q.arrival;
    yield q;
  }
}
