import { InputError } from '../core/errors.js';
import type { TraceReader } from './traceReader.js';
import { detectTraceFormat, openTraceFormat, type FormatOptions } from './formats/registry.js';

/** A format name of `formats/registry.ts` (azure, burstgpt, mooncake, sharegpt, vllm-result, ...). */
export type TraceFormat = string;

/** The trace's format: forced, implied by a column mapping, or detected from its content. */
export function traceFormatOf(path: string, key = 'workload.trace', options: FormatOptions = {}): TraceFormat {
  return detectTraceFormat(path, options, key);
}

/** A streaming reader for the trace at `path`, in its detected (or forced) format. */
export function openTrace(path: string, options: FormatOptions = {}): TraceReader {
  return openTraceFormat(path, options).reader;
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
export function summarizeTrace(path: string, options: FormatOptions = {}): TraceSummary {
  const { format, reader } = openTraceFormat(path, { ...options, timeScale: 1 });
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
    format,
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
