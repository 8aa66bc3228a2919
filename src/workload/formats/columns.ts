import { ConfigError } from '../../core/errors.js';

/** Which source column holds each field a request needs (generic CSV/JSONL, `--trace-columns`). */
export interface ColumnMap {
  readonly arrival: string;
  readonly prompt: string;
  readonly output: string;
  /** Optional: each row's workload type (`--trace-type` overrides it). */
  readonly type?: string;
}

export const MAPPING_HELP = "--trace-columns arrival=COLUMN,prompt=COLUMN,output=COLUMN[,type=COLUMN] (and --trace-time-unit s|ms|us|ns for numeric times)";

const FIELDS = ['arrival', 'prompt', 'output', 'type'] as const;
const REQUIRED = ['arrival', 'prompt', 'output'] as const;

/** `arrival=ts,prompt=in,output=out` to a ColumnMap; every problem named at once. */
export function parseColumnMap(spec: string, key = 'workload.traceColumns'): ColumnMap {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim();
    const column = part.slice(eq + 1).trim();
    if (eq < 0 || !(FIELDS as readonly string[]).includes(field) || column === '') {
      problems.push(`'${part}' is not FIELD=COLUMN with FIELD one of ${FIELDS.join(', ')}`);
    } else if (field in out) problems.push(`${field} is mapped twice`);
    else out[field] = column;
  }
  for (const f of REQUIRED) if (!(f in out)) problems.push(`${f}=COLUMN is missing`);
  if (problems.length) throw new ConfigError(`${key}: ${problems.join('; ')} (expected ${MAPPING_HELP.split(' (')[0]})`);
  return out as unknown as ColumnMap;
}

/** The simulator keeps at most this many workload types (RequestTable stores a type in one byte). */
export const MAX_TYPES = 256;

/** Remembers the type labels seen; names the field when a table has more than MAX_TYPES. */
export class TypeLabels {
  private readonly seen = new Set<string>();
  check(label: string, fail: (problem: string) => never): string {
    if (!this.seen.has(label)) {
      if (this.seen.size >= MAX_TYPES) fail(`more than ${MAX_TYPES} distinct workload types; map a coarser column, or give --trace-type for one label`);
      this.seen.add(label);
    }
    return label;
  }
}

/** Seconds per unit of a numeric time column. */
export const TIME_UNITS: Readonly<Record<string, number>> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };

export function timeUnitSeconds(unit: string | undefined, key = 'workload.traceTimeUnit'): number {
  const u = TIME_UNITS[unit ?? 's'];
  if (u === undefined) throw new ConfigError(`${key}: expected one of ${Object.keys(TIME_UNITS).join(', ')}, got '${unit}'`);
  return u;
}

/**
 * Splits one CSV line into fields (RFC 4180 quoting within the line: "a,b" and "" for a quote).
 * Returns undefined for an unterminated quote.
 */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        v += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      if (i >= line.length) return out;
      if (line.charCodeAt(i) !== 44) return undefined;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}
