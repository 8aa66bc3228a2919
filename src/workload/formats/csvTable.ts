import { InputError } from '../../core/errors.js';
import { parseAzureTimestamp, type Instant } from '../azureTrace.js';
import { TraceReader, typeFromFileName, type TraceReadOptions } from '../traceReader.js';
import { splitCsvLine, TypeLabels, type ColumnMap } from './columns.js';

/**
 * A CSV trace with a header, read by column name: BurstGPT, our own requests.csv, or any table
 * with a `--trace-columns` mapping. The arrival column holds numbers in `unitSeconds` (absolute or
 * relative: the first row becomes time 0) or timestamps `YYYY-MM-DD HH:MM:SS[.f][zone]`; prompt and
 * output columns hold non-negative integers; other columns are ignored.
 */
export interface CsvTableOptions extends TraceReadOptions {
  readonly columns: ColumnMap;
  readonly unitSeconds: number;
  /** Label of the format in messages. */
  readonly formatName: string;
}

export class CsvTableReader extends TraceReader {
  protected readonly timeField: string;
  private idx = { arrival: -1, prompt: -1, output: -1, type: -1 };
  private readonly labels = new TypeLabels();
  private width = 0;
  private origin = Number.NaN;
  private originInstant: Instant | undefined;
  private readonly instant: Instant = { epochSeconds: 0, fraction: 0 };

  constructor(
    path: string,
    private readonly o: CsvTableOptions,
  ) {
    super(path, o.type ?? typeFromFileName(path, o.formatName), o);
    this.timeField = o.columns.arrival;
  }

  protected begin(): void {
    const header = this.lines.next();
    if (header === undefined) throw new InputError(this.path, 1, 'header', `expected a ${this.o.formatName} header line, got an empty file`);
    const names = (splitCsvLine(header.replace(/^\uFEFF/, '')) ?? []).map((c) => c.trim());
    const missing: string[] = [];
    for (const f of ['arrival', 'prompt', 'output'] as const) {
      this.idx[f] = names.indexOf(this.o.columns[f]);
      if (this.idx[f] < 0) missing.push(`${f}=${this.o.columns[f]}`);
    }
    const typeColumn = this.o.type === undefined ? this.o.columns.type : undefined;
    if (typeColumn !== undefined) {
      this.idx.type = names.indexOf(typeColumn);
      if (this.idx.type < 0) missing.push(`type=${typeColumn}`);
    }
    if (missing.length) {
      this.fail('header', `no column for ${missing.join(', ')}; the header has: ${names.map((n) => `'${n}'`).join(', ')}`);
    }
    this.width = names.length;
  }

  protected parseRow(line: string): void {
    const f = splitCsvLine(line);
    if (f === undefined) this.fail('(row)', 'unterminated quoted field');
    if (f.length !== this.width) this.fail('(row)', `expected ${this.width} comma-separated fields as in the header, got ${f.length}`);
    this.row.arrival = this.time(f[this.idx.arrival] as string);
    this.row.promptTokens = this.tokenCount(f[this.idx.prompt] as string, this.o.columns.prompt);
    this.row.outputTokens = this.tokenCount(f[this.idx.output] as string, this.o.columns.output);
    this.row.prefixHashes = undefined;
    if (this.idx.type >= 0) {
      const t = (f[this.idx.type] as string).trim();
      if (t === '') this.fail(this.o.columns.type as string, 'expected a workload type label, got an empty field');
      this.row.type = this.labels.check(t, (problem) => this.fail(this.o.columns.type as string, problem));
    }
  }

  private time(text: string): number {
    const t = text.trim();
    const x = t === '' ? Number.NaN : Number(t);
    if (Number.isFinite(x)) {
      if (x < 0) this.fail(this.timeField, `expected a time >= 0, got '${clip(t)}'`);
      if (Number.isNaN(this.origin)) this.origin = x;
      return (x - this.origin) * this.o.unitSeconds;
    }
    if (!parseAzureTimestamp(t, this.instant)) {
      this.fail(this.timeField, `expected a number (in ${unitName(this.o.unitSeconds)}) or a timestamp 'YYYY-MM-DD HH:MM:SS[.f]', got '${clip(t)}'`);
    }
    this.originInstant ??= { ...this.instant };
    return this.instant.epochSeconds - this.originInstant.epochSeconds + (this.instant.fraction - this.originInstant.fraction);
  }
}

function unitName(s: number): string {
  return s === 1 ? 'seconds' : s === 1e-3 ? 'milliseconds' : s === 1e-6 ? 'microseconds' : 'nanoseconds';
}

export function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
