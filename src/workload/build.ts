import type { WorkloadOptions } from './options.js';
import { basename } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { RandomStreams } from '../kernel/rng.js';
import type { Workload } from '../model/request.js';
import { ApiCallWorkload, type ApiCallModel } from './apiCalls.js';
import { replayTimeScale } from './arrivals.js';
import { independentOutput, type LengthDist } from './lengths.js';
import { DEFAULT_ONOFF_SHAPE, presets, type PresetComponent } from './presets.js';
import { parseArrivalSpec, type ArrivalShape } from './specs.js';
import { LimitedWorkload, MergedWorkload, OverriddenTrace, SyntheticWorkload, type TraceOverrides } from './synthetic.js';
import { RotatedTrace } from './rotate.js';
import { openTrace, summarizeTrace, type TraceSummary } from './traces.js';
import { checkOptions, checkRate, type CheckedOptions } from './validate.js';

export type { WorkloadOptions } from './options.js';

export interface WorkloadStats {
  meanPromptTokens: number;
  meanOutputTokens: number;
  meanRatePerS: number;
  types: readonly string[];
}

export interface WorkloadHandle {
  readonly description: string;
  /** Statistics of the workload before rate overrides (for traces: from one streaming pass). */
  readonly stats: WorkloadStats;
  /** A fresh stream of requests; `rate` overrides the mean arrival rate (req/s). Same seed => same stream. */
  make(rate?: number): Workload;
}

const DEFAULT_PRESET = 'azure-conversation';

/**
 * Validates the options (one ConfigError listing every problem) and returns a handle that makes
 * fresh, lazily generated streams. A trace is read once here for its statistics, so a malformed
 * trace fails now (InputError), not halfway through a simulation.
 */
export function buildWorkload(opts: WorkloadOptions, seed: number): WorkloadHandle {
  const checked = checkOptions(opts, seed);
  const streams = new RandomStreams(seed);
  const handle = opts.trace !== undefined ? traceHandle(opts, opts.trace, streams, checked) : presetHandle(opts, streams, checked);
  return checked.apiCalls ? withApiCalls(handle, checked.apiCalls, streams) : handle;
}

/** Adds API calls to every request, from their own random stream (arrivals and lengths unchanged). */
function withApiCalls(h: WorkloadHandle, model: ApiCallModel, streams: RandomStreams): WorkloadHandle {
  return {
    description: `${h.description}; API calls from profile ${model.spec} (types ${model.types.map((t) => t.kind).join(', ')}, one type per request, equal shares)`,
    stats: h.stats,
    make: (rate?: number) => new ApiCallWorkload(h.make(rate), model, streams.stream('workload:api-calls')),
  };
}

function limit(w: Workload, limits: CheckedOptions, defaultCount: number): Workload {
  const count = limits.numRequests ?? (limits.durationS === undefined ? defaultCount : Infinity);
  return count === Infinity && limits.durationS === undefined ? w : new LimitedWorkload(w, count, limits.durationS ?? Infinity);
}

function describeLimits(opts: WorkloadOptions, defaultCount: number): string {
  const parts: string[] = [];
  if (opts.rate !== undefined) parts.push(`mean rate set to ${opts.rate} req/s`);
  if (opts.numRequests !== undefined) parts.push(`stops after ${opts.numRequests} requests`);
  if (opts.durationS !== undefined) parts.push(`stops at the first arrival after ${opts.durationS} s`);
  if (opts.numRequests === undefined && opts.durationS === undefined && Number.isFinite(defaultCount)) {
    parts.push(`${defaultCount} requests`);
  }
  return parts.join('; ');
}

function presetHandle(opts: WorkloadOptions, streams: RandomStreams, checked: CheckedOptions): WorkloadHandle {
  const { prompt, output } = checked;
  const preset = presets.get(opts.preset ?? DEFAULT_PRESET)();
  const components: PresetComponent[] = preset.components.map((c) => ({
    ...c,
    arrival: opts.arrival === undefined ? c.arrival : parseArrivalSpec(opts.arrival, 'workload.arrival', c.onOffShape),
    prompt: prompt ?? c.prompt,
    output: output === undefined ? c.output : independentOutput(output),
  }));
  const total = components.reduce((s, c) => s + c.meanRatePerS, 0);
  const share = (c: PresetComponent): number => c.meanRatePerS / total;
  const stats: WorkloadStats = {
    meanRatePerS: total,
    meanPromptTokens: components.reduce((s, c) => s + share(c) * c.prompt.mean, 0),
    meanOutputTokens: components.reduce((s, c) => s + share(c) * c.output.meanGiven(c.prompt), 0),
    types: [...new Set(components.map((c) => c.type))],
  };
  const overrides = [
    opts.arrival && `arrivals overridden: ${components.map((c) => c.arrival.spec).join(' / ')}`,
    prompt && `prompt overridden: ${prompt.spec}${output ? '' : ' (output still follows the preset model)'}`,
    output && `output overridden: ${output.spec}`,
  ].filter(Boolean);
  const tail = [...overrides, describeLimits(opts, preset.defaultNumRequests)].filter(Boolean).join('; ');
  return {
    description: tail ? `${preset.description} [${tail}]` : preset.description,
    stats,
    make(rate?: number): Workload {
      checkRate(rate, 'rate');
      const factor = (rate ?? opts.rate ?? total) / total;
      const sources = components.map((c) => componentStream(c, c.meanRatePerS * factor, streams));
      const merged = sources.length === 1 ? sources[0]! : new MergedWorkload(sources);
      return limit(merged, checked, preset.defaultNumRequests);
    },
  };
}

function componentStream(c: PresetComponent, rate: number, streams: RandomStreams): Workload {
  const name = `workload:${c.type}`;
  return new SyntheticWorkload({
    type: c.type,
    arrivals: c.arrival.create(rate, streams.stream(`${name}:arrival`)),
    prompt: c.prompt,
    output: c.output,
    promptRng: streams.stream(`${name}:prompt`),
    outputRng: streams.stream(`${name}:output`),
  });
}

function traceHandle(opts: WorkloadOptions, path: string, streams: RandomStreams, checked: CheckedOptions): WorkloadHandle {
  const { prompt, output } = checked;
  const summary = summarizeTrace(path, { type: opts.traceType });
  const arrivalSpec = opts.arrival?.trim() ?? 'trace';
  const shape = arrivalSpec === 'trace' ? undefined : parseArrivalSpec(arrivalSpec, 'workload.arrival', DEFAULT_ONOFF_SHAPE);
  const stats: WorkloadStats = {
    meanRatePerS: summary.meanRatePerS,
    meanPromptTokens: prompt?.mean ?? summary.meanPromptTokens,
    meanOutputTokens: output?.mean ?? summary.meanOutputTokens,
    types: [summary.type],
  };
  const description = describeTrace(summary, shape, prompt, output, describeLimits(opts, Infinity));
  return {
    description,
    stats,
    make(rate?: number): Workload {
      checkRate(rate, 'rate');
      const target = rate ?? opts.rate;
      const traceRate = Number.isFinite(summary.meanRatePerS) && summary.meanRatePerS > 0 ? summary.meanRatePerS : undefined;
      if (traceRate === undefined && (shape === undefined ? target !== undefined : target === undefined)) {
        throw new ConfigError(
          shape === undefined
            ? `workload.rate: the trace '${path}' spans no time (${summary.count} request(s)), so its replay cannot be rate-scaled`
            : `workload.rate: the trace '${path}' has no mean rate; give workload.rate for synthetic arrivals`,
        );
      }
      const timeScale = shape === undefined && target !== undefined ? replayTimeScale(traceRate!, target) : 1;
      const open = (): Workload => openTrace(path, { type: opts.traceType, timeScale });
      const f = opts.rotate ?? 0;
      if (!(f >= 0 && f < 1)) throw new ConfigError(`workload.rotate: expected a fraction in [0, 1), got ${f}`);
      const span = summary.durationS * timeScale;
      const reader = f > 0 && span > 0 ? new RotatedTrace(open, f * span, span, span / Math.max(1, summary.count - 1)) : open();
      if (shape === undefined && prompt === undefined && output === undefined) return limit(reader, checked, Infinity);
      const o: TraceOverrides = {
        arrivals: shape?.create((target ?? traceRate)!, streams.stream('workload:trace:arrival')),
        prompt: prompt && { dist: prompt, rng: streams.stream('workload:trace:prompt') },
        output: output && { model: independentOutput(output), rng: streams.stream('workload:trace:output') },
      };
      return limit(new OverriddenTrace(reader, o), checked, Infinity);
    },
  };
}

function describeTrace(
  s: TraceSummary,
  shape: ArrivalShape | undefined,
  prompt: LengthDist | undefined,
  output: LengthDist | undefined,
  limits: string,
): string {
  const parts = [
    `trace ${basename(s.path)} (${s.format}, ${s.count} '${s.type}' requests over ${s.durationS.toFixed(1)} s, ` +
      `${s.meanRatePerS.toPrecision(4)} req/s, mean prompt ${s.meanPromptTokens.toFixed(1)}, mean output ${s.meanOutputTokens.toFixed(1)})`,
    shape ? `synthetic arrivals ${shape.spec} at the trace's mean rate` : 'replayed; a rate override scales its timestamps',
  ];
  if (s.zeroPromptRows > 0) parts.push(`${s.zeroPromptRows} rows with 0 prompt tokens raised to 1`);
  if (s.zeroOutputRows > 0) parts.push(`${s.zeroOutputRows} rows with 0 output tokens raised to 1`);
  if (prompt) parts.push(`prompt overridden: ${prompt.spec}${s.rowsWithPrefixHashes > 0 ? ' (prefix hashes dropped)' : ''}`);
  if (output) parts.push(`output overridden: ${output.spec}`);
  if (limits) parts.push(limits);
  return parts.join('; ');
}
