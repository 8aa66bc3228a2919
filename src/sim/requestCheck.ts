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
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new ConfigError(`workload request ${index}: field '${field}': expected ${expected}, got ${String(got)}`);
  };
  if (typeof r !== 'object' || r === null) bad('(request)', 'a RequestSpec object', r);
  const a = r.arrival;
  if (typeof a !== 'number' || !Number.isFinite(a) || a < 0) bad('arrival', 'a finite number of seconds >= 0', a);
  if (a < previousArrival) bad('arrival', `requests in non-decreasing arrival order (previous ${previousArrival})`, a);
  checkTokens(r.promptTokens, 'promptTokens', bad);
  checkTokens(r.outputTokens, 'outputTokens', bad);
  if (typeof r.type !== 'string') bad('type', 'a string', r.type);
  const h = r.prefixHashes;
  if (h !== undefined && !Array.isArray(h)) bad('prefixHashes', 'an array of integers', h);
  const slo = r.slo;
  if (slo !== undefined) {
    for (const k of ['ttftS', 'tpotS', 'e2eSlack'] as const) {
      const v = slo[k];
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) bad(`slo.${k}`, 'a finite number > 0', v);
    }
  }
}

function checkTokens(v: number, field: string, bad: (f: string, e: string, g: unknown) => never): void {
  if (!(Number.isInteger(v) && v >= 1 && v <= MAX_TOKENS)) bad(field, `an integer in [1, ${MAX_TOKENS}]`, v);
}
