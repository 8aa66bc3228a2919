import { ConfigError, InputError } from '../core/errors.js';
import { AzureTraceReader } from './azureTrace.js';
import { MooncakeTraceReader } from './mooncakeTrace.js';
import type { TraceReader, TraceReadOptions } from './traceReader.js';

/** Trace formats by file extension: `.csv` is an Azure LLM trace, `.jsonl` a Mooncake trace. */
const FORMATS = {
  azure: { extension: '.csv', open: (path: string, o: TraceReadOptions) => new AzureTraceReader(path, o) },
  mooncake: { extension: '.jsonl', open: (path: string, o: TraceReadOptions) => new MooncakeTraceReader(path, o) },
} as const;

export type TraceFormat = keyof typeof FORMATS;

export function traceFormatOf(path: string, key = 'workload.trace'): TraceFormat {
  const lower = path.toLowerCase();
  for (const [format, f] of Object.entries(FORMATS)) if (lower.endsWith(f.extension)) return format as TraceFormat;
  const valid = Object.entries(FORMATS).map(([n, f]) => `${f.extension} (${n})`);
  throw new ConfigError(`${key}: cannot tell the trace format of '${path}'; expected a file ending in ${valid.join(' or ')}`);
}

/** A streaming reader for the trace at `path`, chosen by its extension. */
export function openTrace(path: string, options: TraceReadOptions = {}): TraceReader {
  return FORMATS[traceFormatOf(path)].open(path, options);
}

/** What one streaming pass over a trace learns (constant memory, any file size). */
export interface TraceSummary {
  readonly path: string;
  readonly format: TraceFormat;
  readonly type: string;
  readonly count: number;
  /** Last arrival minus first, seconds. */
  readonly durationS: number;
  /** (count - 1) / durationS: the inverse of the mean gap; Infinity if all arrivals coincide. */
  readonly meanRatePerS: number;
  readonly meanPromptTokens: number;
  readonly meanOutputTokens: number;
  /** Rows whose 0 token count was raised to 1. */
  readonly zeroPromptRows: number;
  readonly zeroOutputRows: number;
  /** Rows that carry prefix hashes (Mooncake). */
  readonly rowsWithPrefixHashes: number;
}

/** Reads the whole trace once, validating every row. An empty trace is an InputError. */
export function summarizeTrace(path: string, options: TraceReadOptions = {}): TraceSummary {
  const reader = openTrace(path, { type: options.type });
  let last = 0;
  let prompt = 0;
  let output = 0;
  let hashed = 0;
  for (let r = reader.next(); !r.done; r = reader.next()) {
    last = r.value.arrival;
    prompt += r.value.promptTokens;
    output += r.value.outputTokens;
    if (r.value.prefixHashes !== undefined) hashed++;
  }
  const count = reader.rows;
  if (count === 0) throw new InputError(path, Math.max(1, reader.lineNumber), '(file)', 'the trace has no requests');
  return {
    path,
    format: traceFormatOf(path),
    type: reader.type,
    count,
    durationS: last,
    meanRatePerS: count > 1 ? (count - 1) / last : Number.NaN,
    meanPromptTokens: prompt / count,
    meanOutputTokens: output / count,
    zeroPromptRows: reader.zeroPromptRows,
    zeroOutputRows: reader.zeroOutputRows,
    rowsWithPrefixHashes: hashed,
  };
}
