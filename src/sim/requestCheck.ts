import { ConfigError } from '../core/errors.js';
import { MAX_TOKENS } from '../core/limits.js';
import type { RequestSpec } from '../model/request.js';

/**
 * The checks a request passes where it enters the engine (the Simulation pulling its workload), so
 * a library caller's workload cannot hang the event loop (NaN or infinite arrivals), wrap a 32-bit
 * count, or "complete" a request of negative length. Trace readers and generators check their own
 * inputs earlier with file and line; this is the last line of defence for every other source.
 */
export function checkRequest(r: RequestSpec, index: number, previousArrival: number): void {
  // No closure per request: this runs once per arrival.
  if (typeof r !== 'object' || r === null) bad(index, '(request)', 'a RequestSpec object', r);
  const a = r.arrival;
  if (typeof a !== 'number' || !Number.isFinite(a) || a < 0) bad(index, 'arrival', 'a finite number of seconds >= 0', a);
  if (a < previousArrival) bad(index, 'arrival', `requests in non-decreasing arrival order (previous ${previousArrival})`, a);
  checkTokens(r.promptTokens, 'promptTokens', index);
  checkTokens(r.outputTokens, 'outputTokens', index);
  if (typeof r.type !== 'string') bad(index, 'type', 'a string', r.type);
  const h = r.prefixHashes;
  if (h !== undefined && !Array.isArray(h)) bad(index, 'prefixHashes', 'an array of integers', h);
  const slo = r.slo;
  if (slo !== undefined) {
    for (const k of ['ttftS', 'tpotS', 'e2eSlack'] as const) {
      const v = slo[k];
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) bad(index, `slo.${k}`, 'a finite number > 0', v);
    }
  }
}

function bad(index: number, field: string, expected: string, got: unknown): never {
  throw new ConfigError(`workload request ${index}: field '${field}': expected ${expected}, got ${String(got)}`);
}

function checkTokens(v: number, field: string, index: number): void {
  if (!(Number.isInteger(v) && v >= 1 && v <= MAX_TOKENS)) bad(index, field, `an integer in [1, ${MAX_TOKENS}]`, v);
}
