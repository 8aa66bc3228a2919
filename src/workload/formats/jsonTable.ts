import { TraceReader, typeFromFileName, type LineSource, type TraceReadOptions } from '../traceReader.js';
import { parseAzureTimestamp, type Instant } from '../azureTrace.js';
import { TypeLabels, type ColumnMap } from './columns.js';
import { clip } from './csvTable.js';

/**
 * JSON records read by key: one object per line (JSONL with `--trace-columns`), or the elements of
 * a JSON array streamed by `JsonArraySource`. Time values are numbers in `unitSeconds` (the first
 * record becomes time 0) or timestamp strings; counts are non-negative integers.
 */
export interface JsonTableOptions extends TraceReadOptions {
  readonly columns: ColumnMap;
  readonly unitSeconds: number;
  readonly formatName: string;
}

export class JsonTableReader extends TraceReader {
  protected readonly timeField: string;
  private origin = Number.NaN;
  private readonly labels = new TypeLabels();
  private originInstant: Instant | undefined;
  private readonly instant: Instant = { epochSeconds: 0, fraction: 0 };

  constructor(
    path: string,
    private readonly o: JsonTableOptions,
    source?: LineSource,
  ) {
    super(path, o.type ?? typeFromFileName(path, o.formatName), o, source);
    this.timeField = o.columns.arrival;
  }

  protected begin(): void {}

  protected parseRow(line: string): void {
    const obj = parseObject(line, (f, p) => this.fail(f, p));
    this.row.arrival = this.time(obj[this.o.columns.arrival]);
    this.row.promptTokens = this.count(obj[this.o.columns.prompt], this.o.columns.prompt);
    this.row.outputTokens = this.count(obj[this.o.columns.output], this.o.columns.output);
    this.row.prefixHashes = undefined;
    const typeKey = this.o.type === undefined ? this.o.columns.type : undefined;
    if (typeKey !== undefined) {
      const t = obj[typeKey];
      if (typeof t !== 'string' || t.trim() === '') this.fail(typeKey, `expected a workload type label, got ${show(t)}`);
      this.row.type = this.labels.check(t.trim(), (problem) => this.fail(typeKey, problem));
    }
  }

  private count(v: unknown, field: string): number {
    if (typeof v === 'string' && /^\s*\d{1,15}\s*$/.test(v)) return Number(v);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(field, `expected a non-negative integer, got ${show(v)}`);
    return v;
  }

  private time(v: unknown): number {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) {
      if (Number.isNaN(this.origin)) this.origin = v;
      return (v - this.origin) * this.o.unitSeconds;
    }
    if (typeof v === 'string' && parseAzureTimestamp(v, this.instant)) {
      this.originInstant ??= { ...this.instant };
      return this.instant.epochSeconds - this.originInstant.epochSeconds + (this.instant.fraction - this.originInstant.fraction);
    }
    return this.fail(this.timeField, `expected a time >= 0 (a number or 'YYYY-MM-DD HH:MM:SS[.f]'), got ${show(v)}`);
  }
}

/** Parses one JSON object; failures go to `fail(field, problem)`. */
export function parseObject(text: string, fail: (field: string, problem: string) => never): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    fail('(json)', `invalid JSON: ${clip((e as Error).message)}`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail('(json)', `expected a JSON object, got '${clip(text)}'`);
  return obj as Record<string, unknown>;
}

export function show(v: unknown): string {
  return v === undefined ? 'nothing (field missing)' : clip(JSON.stringify(v) ?? String(v));
}
