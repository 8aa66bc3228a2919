import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import type { WorkloadOptions } from './options.js';
import { parseApiCallSpec, type ApiCallModel } from './apiCalls.js';
import type { LengthDist } from './lengths.js';
import { DEFAULT_ONOFF_SHAPE, presets } from './presets.js';
import { parseArrivalSpec, parseLengthSpec } from './specs.js';
import { traceFormatOf } from './traces.js';

export interface CheckedOptions {
  readonly numRequests: number | undefined;
  readonly durationS: number | undefined;
  readonly prompt: LengthDist | undefined;
  readonly output: LengthDist | undefined;
  readonly apiCalls: ApiCallModel | undefined;
}

/**
 * Checks every option and throws one ConfigError that lists every problem (one line each, naming
 * the key, what was expected and what was received), so a user fixes them all in one go.
 */
export function checkOptions(opts: WorkloadOptions, seed: number): CheckedOptions {
  const problems: string[] = [];
  const attempt = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(e.message);
      return undefined;
    }
  };
  const fail = (message: string): void => void problems.push(message);

  if (!Number.isFinite(seed)) fail(`seed: expected a finite number, got ${seed}`);
  attempt(() => checkRate(opts.rate, 'workload.rate'));
  const n = opts.numRequests;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) fail(`workload.numRequests: expected an integer >= 1, got ${n}`);
  const d = opts.durationS;
  if (d !== undefined && !(Number.isFinite(d) && d > 0)) fail(`workload.durationS: expected a number > 0, got ${d}`);
  const prompt = opts.prompt === undefined ? undefined : attempt(() => parseLengthSpec(opts.prompt!, 'workload.prompt'));
  const output = opts.output === undefined ? undefined : attempt(() => parseLengthSpec(opts.output!, 'workload.output'));
  const apiCalls = opts.apiCalls === undefined ? undefined : attempt(() => parseApiCallSpec(opts.apiCalls!, 'workload.apiCalls'));
  checkSource(opts, fail, attempt);

  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return { numRequests: n, durationS: d, prompt, output, apiCalls };
}

export function checkRate(rate: number | undefined, key: string): void {
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new ConfigError(`${key}: expected a rate > 0 req/s, got ${rate}`);
}

/** Preset or trace, and the arrival spec that fits the chosen one. */
function checkSource(opts: WorkloadOptions, fail: (m: string) => void, attempt: (f: () => unknown) => unknown): void {
  const arrival = opts.arrival?.trim();
  if (opts.trace !== undefined) {
    if (opts.preset !== undefined) fail('workload.preset and workload.trace are exclusive; give one');
    attempt(() => checkTraceFile(opts.trace!));
  } else {
    if (opts.preset !== undefined && !presets.has(opts.preset)) {
      fail(`workload.preset: unknown preset '${opts.preset}'; valid: ${presets.names().join(', ')}`);
    }
    if (opts.traceType !== undefined) fail('workload.traceType: applies only with workload.trace');
    if (arrival === 'trace') {
      fail("workload.arrival: 'trace' replays a trace file and needs workload.trace; a preset takes poisson, gamma:CV or onoff");
    }
  }
  if (opts.traceType !== undefined && opts.traceType.trim() === '') fail("workload.traceType: expected a non-empty label, got ''");
  if (arrival !== undefined && arrival !== 'trace') attempt(() => parseArrivalSpec(arrival, 'workload.arrival', DEFAULT_ONOFF_SHAPE));
}

function checkTraceFile(path: string): void {
  traceFormatOf(path);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new ConfigError(`workload.trace: file not found: '${path}'`);
  }
  if (!isFile) throw new ConfigError(`workload.trace: not a regular file: '${path}'`);
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new ConfigError(`workload.trace: cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
