import { InputError } from '../core/errors.js';
import { echo } from '../core/limits.js';
import { TraceReader, typeFromFileName, type TraceReadOptions } from './traceReader.js';

/**
 * Loader for the Azure LLM inference traces (AzurePublicDataset): CSV with the header
 * `TIMESTAMP,ContextTokens,GeneratedTokens`. 2023 timestamps look like `2023-11-16 18:17:03.9799600`
 * (7 fractional digits, no zone); 2024 ones like `2024-05-10 00:00:00.009930+00:00`. Timestamps are
 * parsed here, not with `Date`, so no local time zone applies (no zone = UTC) and the full
 * sub-microsecond resolution is kept. Arrival = seconds since the first row.
 */

export const AZURE_COLUMNS = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;

/** A UTC instant split so that nothing is lost to rounding: whole seconds since 1970 plus [0, 1). */
export interface Instant {
  epochSeconds: number;
  fraction: number;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Parses `YYYY-MM-DD HH:MM:SS[.f{1,9}][Z|±HH:MM]` (a 'T' may replace the space) in s[from, to) into
 * `out`. No zone means UTC. Returns false for anything else, including impossible dates.
 */
export function parseAzureTimestamp(s: string, out: Instant, from = 0, to = s.length): boolean {
  while (from < to && s.charCodeAt(from) === 32) from++;
  while (to > from && s.charCodeAt(to - 1) === 32) to--;
  if (to - from < 19) return false;
  const sep = s[from + 10];
  if (s[from + 4] !== '-' || s[from + 7] !== '-' || (sep !== ' ' && sep !== 'T')) return false;
  if (s[from + 13] !== ':' || s[from + 16] !== ':') return false;
  const year = digits(s, from, 4);
  const month = digits(s, from + 5, 2);
  const day = digits(s, from + 8, 2);
  const hour = digits(s, from + 11, 2);
  const minute = digits(s, from + 14, 2);
  const second = digits(s, from + 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > (DAYS_IN_MONTH[month - 1] as number)) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let i = from + 19;
  let fraction = 0;
  if (s[i] === '.') {
    let scale = 1;
    let n = 0;
    for (i++; i < to && scale < 1e9; i++, scale *= 10) {
      const d = s.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      n = n * 10 + d;
    }
    if (scale === 1) return false;
    fraction = n / scale;
  }
  const offset = zoneOffsetSeconds(s, i, to);
  if (Number.isNaN(offset)) return false;
  out.epochSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  out.fraction = fraction;
  return true;
}

/** Seconds east of UTC for '', 'Z', '+HH:MM' or '-HH:MM' in s[i, to); NaN for anything else. */
function zoneOffsetSeconds(s: string, i: number, to: number): number {
  if (i === to) return 0;
  if (s[i] === 'Z' && i + 1 === to) return 0;
  const sign = s[i] === '+' ? 1 : s[i] === '-' ? -1 : 0;
  if (sign === 0 || to - i !== 6 || s[i + 3] !== ':') return Number.NaN;
  const h = digits(s, i + 1, 2);
  const m = digits(s, i + 4, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59) return Number.NaN;
  return sign * (h * 3600 + m * 60);
}

/** 'code' or 'conversation' from an Azure file name (`..._code...`, `..._conv...`), else 'azure'. */
export function azureTypeFromFileName(path: string): string {
  return typeFromFileName(path, 'azure');
}

/** Streams an Azure trace as requests; validates the header and every field of every row. */
export class AzureTraceReader extends TraceReader {
  protected readonly timeField = 'TIMESTAMP';
  private readonly columnOf = new Int32Array(AZURE_COLUMNS.length);
  private columnCount = 0;
  private columnNames: readonly string[] = [];
  /** Start index of each field of the current line, plus one past the end (reused). */
  private fieldStart = new Int32Array(8);
  private readonly instant: Instant = { epochSeconds: 0, fraction: 0 };
  private origin: Instant | undefined;

  constructor(path: string, options: TraceReadOptions = {}) {
    super(path, options.type ?? azureTypeFromFileName(path), options);
  }

  protected begin(): void {
    const header = this.lines.next();
    const expected = AZURE_COLUMNS.join(',');
    if (header === undefined) throw new InputError(this.path, 1, 'header', `expected '${expected}', got an empty file`);
    const names = header.split(',').map((c) => c.trim());
    for (let k = 0; k < AZURE_COLUMNS.length; k++) {
      const at = names.indexOf(AZURE_COLUMNS[k] as string);
      if (at < 0) this.fail('header', `expected columns '${expected}', got '${echo(header, 120)}'`);
      this.columnOf[k] = at;
    }
    this.columnNames = names;
    this.columnCount = names.length;
    if (this.fieldStart.length < names.length + 1) this.fieldStart = new Int32Array(names.length + 1);
  }

  protected parseRow(line: string): void {
    this.splitFields(line);
    const from = this.fieldFrom(0);
    const to = this.fieldTo(0);
    if (!parseAzureTimestamp(line, this.instant, from, to)) {
      this.fail('TIMESTAMP', `expected 'YYYY-MM-DD HH:MM:SS[.fffffff][+HH:MM]', got '${echo(line.slice(from, to))}'`);
    }
    this.origin ??= { ...this.instant };
    this.row.arrival =
      this.instant.epochSeconds - this.origin.epochSeconds + (this.instant.fraction - this.origin.fraction);
    this.row.promptTokens = this.tokenField(line, 1);
    this.row.outputTokens = this.tokenField(line, 2);
  }

  private tokenField(line: string, k: number): number {
    return this.tokenCount(line.slice(this.fieldFrom(k), this.fieldTo(k)), AZURE_COLUMNS[k] as string);
  }

  /** Start of logical column k (TIMESTAMP, ContextTokens, GeneratedTokens) in the current line. */
  private fieldFrom(k: number): number {
    return this.fieldStart[this.columnOf[k] as number] as number;
  }

  private fieldTo(k: number): number {
    return (this.fieldStart[(this.columnOf[k] as number) + 1] as number) - 1;
  }

  /** Records where each comma-separated field starts; a wrong field count names the first missing one. */
  private splitFields(line: string): void {
    let count = 0;
    let start = 0;
    for (;;) {
      if (count < this.fieldStart.length) this.fieldStart[count] = start;
      count++;
      const comma = line.indexOf(',', start);
      if (comma < 0) break;
      start = comma + 1;
    }
    if (count < this.columnCount) {
      this.fail(this.columnNames[count] as string, `missing (the row has ${count} of ${this.columnCount} fields)`);
    }
    if (count > this.columnCount) this.fail('(row)', `expected ${this.columnCount} comma-separated fields, got ${count}`);
    this.fieldStart[count] = line.length + 1;
  }
}
