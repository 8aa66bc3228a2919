import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ConfigError, InputError } from '../../core/errors.js';
import { Registry } from '../../core/registry.js';
import { AzureTraceReader } from '../azureTrace.js';
import { MooncakeTraceReader } from '../mooncakeTrace.js';
import type { TraceReader, TraceReadOptions } from '../traceReader.js';
import { MAPPING_HELP, parseColumnMap, splitCsvLine, timeUnitSeconds, type ColumnMap } from './columns.js';
import { CsvTableReader } from './csvTable.js';
import { JsonTableReader } from './jsonTable.js';
import { ShareGptReader } from './shareGpt.js';
import { VllmResultReader } from './vllmResult.js';

/** How to read a trace: format forced or detected, plus a column mapping for generic tables. */
export interface FormatOptions extends TraceReadOptions {
  /** Force a format by name (`--trace-format`); default: detected from the file's content. */
  readonly format?: string | undefined;
  /** `arrival=COL,prompt=COL,output=COL` for generic CSV/JSONL (`--trace-columns`). */
  readonly columns?: string | undefined;
  /** Unit of numeric arrival times in generic tables: s (default), ms, us, ns. */
  readonly timeUnit?: string | undefined;
}

/** The first bytes of a file, looked at once for detection. */
export interface Head {
  readonly text: string;
  readonly firstLine: string;
  /** The first line split as CSV, trimmed. */
  readonly header: readonly string[];
  /** The first line parsed as a JSON object, when it is one. */
  readonly firstObject: Record<string, unknown> | undefined;
}

export interface TraceFormatEntry {
  /** What the format looks like, for help and errors. */
  readonly layout: string;
  /** True when the head is this format's (absent: chosen only by name or by a mapping). */
  readonly sniff?: (h: Head) => boolean;
  readonly open: (path: string, o: FormatOptions) => TraceReader;
}

const has = (h: Head, ...cols: string[]): boolean => cols.every((c) => h.header.includes(c));

function mapped(o: FormatOptions, fallback?: ColumnMap): { columns: ColumnMap; unitSeconds: number } {
  const columns = o.columns !== undefined ? parseColumnMap(o.columns) : fallback;
  if (!columns) throw new ConfigError(`workload.traceColumns: this format needs a column mapping: ${MAPPING_HELP}`);
  return { columns, unitSeconds: timeUnitSeconds(o.timeUnit) };
}

export const BURSTGPT_COLUMNS: ColumnMap = { arrival: 'Timestamp', prompt: 'Request tokens', output: 'Response tokens' };
export const GAPS_REQUESTS_COLUMNS: ColumnMap = { arrival: 'arrival_s', prompt: 'prompt_tokens', output: 'output_tokens', type: 'type' };

/** Every trace format, in detection order. */
export const traceFormats = new Registry<TraceFormatEntry>('trace format')
  .register('azure', {
    layout: 'Azure LLM inference CSV: TIMESTAMP,ContextTokens,GeneratedTokens',
    sniff: (h) => has(h, 'TIMESTAMP', 'ContextTokens', 'GeneratedTokens'),
    open: (p, o) => new AzureTraceReader(p, o),
  })
  .register('burstgpt', {
    layout: 'BurstGPT CSV: Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type (seconds)',
    sniff: (h) => has(h, BURSTGPT_COLUMNS.arrival, BURSTGPT_COLUMNS.prompt, BURSTGPT_COLUMNS.output),
    open: (p, o) => new CsvTableReader(p, { ...o, ...mapped({ ...o, columns: undefined }, BURSTGPT_COLUMNS), formatName: 'burstgpt' }),
  })
  .register('gaps-requests', {
    layout: "gaps' own requests.csv (--out): id,arrival_s,prompt_tokens,output_tokens,...",
    sniff: (h) => has(h, GAPS_REQUESTS_COLUMNS.arrival, GAPS_REQUESTS_COLUMNS.prompt, GAPS_REQUESTS_COLUMNS.output),
    open: (p, o) => new CsvTableReader(p, { ...o, ...mapped({ ...o, columns: undefined }, GAPS_REQUESTS_COLUMNS), formatName: 'requests' }),
  })
  .register('mooncake', {
    layout: 'Mooncake JSONL: {"timestamp": ms, "input_length": n, "output_length": n, "hash_ids": [...]}',
    sniff: (h) => h.firstObject !== undefined && ['timestamp', 'input_length', 'output_length'].every((k) => k in h.firstObject!),
    open: (p, o) => new MooncakeTraceReader(p, o),
  })
  .register('vllm-result', {
    layout: 'vllm bench serve --save-result JSON: {"input_lens": [...], "output_lens": [...], ...}',
    sniff: (h) => h.text.trimStart().startsWith('{') && h.text.includes('"input_lens"') && !(h.firstObject && !('input_lens' in h.firstObject)),
    open: (p, o) => new VllmResultReader(p, o),
  })
  .register('sharegpt', {
    layout: 'ShareGPT JSON: [{"conversations": [{"from": "human", "value": TEXT}, {"from": "gpt", "value": TEXT}]}, ...]',
    sniff: (h) => h.text.replace(/^\uFEFF/, '').trimStart().startsWith('[') && /"conversations?"\s*:/.test(h.text),
    open: (p, o) => new ShareGptReader(p, o),
  })
  .register('csv', {
    layout: `any CSV with a header, with ${MAPPING_HELP}`,
    open: (p, o) => new CsvTableReader(p, { ...o, ...mapped(o), formatName: 'csv' }),
  })
  .register('jsonl', {
    layout: `any JSON Lines file of objects, with ${MAPPING_HELP}`,
    open: (p, o) => new JsonTableReader(p, { ...o, ...mapped(o), formatName: 'jsonl' }),
  });

const HEAD_BYTES = 64 * 1024;

export function readHead(path: string, key = 'workload.trace'): Head {
  let fd: number;
  try {
    if (!statSync(path).isFile()) throw new ConfigError(`${key}: not a regular file: '${path}'`);
    fd = openSync(path, 'r');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `${key}: file not found: '${path}'` : `${key}: cannot read '${path}': ${code ?? (e as Error).message}`);
  }
  const buf = Buffer.alloc(HEAD_BYTES);
  let n: number;
  try {
    n = readSync(fd, buf, 0, HEAD_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  const nl = text.indexOf('\n');
  const firstLine = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  let firstObject: Record<string, unknown> | undefined;
  if (firstLine.trimStart().startsWith('{')) {
    try {
      const v: unknown = JSON.parse(firstLine);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) firstObject = v as Record<string, unknown>;
    } catch {
      // not a one-line object (a multi-line JSON document, or a broken line: the reader will say)
    }
  }
  return { text, firstLine, header: (splitCsvLine(firstLine) ?? []).map((c) => c.trim()), firstObject };
}

/** The format of the trace: forced by `format`, implied by a mapping, or detected from the content. */
export function detectTraceFormat(path: string, o: FormatOptions = {}, key = 'workload.trace'): string {
  if (o.format !== undefined) {
    traceFormats.get(o.format); // unknown names list the valid ones
    return o.format;
  }
  const head = readHead(path, key);
  // An empty file is not an unknown format: it is a trace without requests.
  if (head.text.trim() === '') throw new InputError(path, 1, '(file)', 'the trace has no requests (the file is empty)');
  if (o.columns !== undefined) return head.firstObject ? 'jsonl' : 'csv';
  for (const name of traceFormats.names()) if (traceFormats.get(name).sniff?.(head)) return name;
  const shown = head.firstLine.length > 80 ? `${head.firstLine.slice(0, 77)}...` : head.firstLine;
  const list = traceFormats.names().map((n) => `  ${n}: ${traceFormats.get(n).layout}`);
  throw new ConfigError(
    `${key}: cannot tell the format of '${path}' from its first line '${shown}'. Known formats (force one with --trace-format NAME):\n${list.join('\n')}\n` +
      `For another table, map its columns: ${MAPPING_HELP}, e.g. --trace-columns arrival=ts,prompt=in,output=out --trace-time-unit ms`,
  );
}

/** A streaming reader for the trace, in its detected (or forced) format. */
export function openTraceFormat(path: string, o: FormatOptions = {}): { format: string; reader: TraceReader } {
  const format = detectTraceFormat(path, o);
  return { format, reader: traceFormats.get(format).open(path, o) };
}
