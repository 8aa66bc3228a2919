import { InputError } from '../../core/errors.js';

/**
 * A parsed CSV profile: plain comma-separated fields (the profile files never quote), header on
 * line 1. Line numbers are 1-based file lines, so errors point at the line an editor shows.
 */
export interface CsvTable {
  readonly file: string;
  readonly headerLine: number;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** File line of each row. */
  readonly lines: readonly number[];
}

/** Parses CSV text; a row with the wrong number of fields is an InputError naming line and field. */
export function parseCsv(text: string, file: string): CsvTable {
  const all = text.split(/\r?\n/);
  let h = 0;
  while (h < all.length && all[h]!.trim() === '') h++;
  if (h === all.length) throw new InputError(file, 1, '(header)', 'the file is empty');
  const header = all[h]!.split(',').map((s) => s.trim());
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = h + 1; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (fields.length !== header.length) {
      const field = fields.length < header.length ? (header[fields.length] ?? '(field)') : '(extra field)';
      throw new InputError(file, i + 1, field, `expected ${header.length} comma-separated fields, got ${fields.length}`);
    }
    rows.push(fields);
    lines.push(i + 1);
  }
  return { file, headerLine: h + 1, header, rows, lines };
}

/** Index of a required column; a missing one is an InputError on the header line. */
export function columnIndex(t: CsvTable, name: string): number {
  const i = t.header.indexOf(name);
  if (i < 0) throw new InputError(t.file, t.headerLine, name, `missing column (the header has: ${t.header.filter((c) => c !== '').slice(0, 12).join(', ')}${t.header.length > 12 ? ', ...' : ''})`);
  return i;
}

/** A numeric field; empty or non-numeric text is an InputError naming the line and field. */
export function numberField(t: CsvTable, row: number, col: number, opts: { integer?: boolean; min?: number } = {}): number {
  const raw = (t.rows[row]![col] ?? '').trim();
  const x = Number(raw);
  const field = t.header[col] ?? `column ${col + 1}`;
  const line = t.lines[row]!;
  if (raw === '' || !Number.isFinite(x)) throw new InputError(t.file, line, field, `expected a number, got '${raw}'`);
  if (opts.integer && !Number.isInteger(x)) throw new InputError(t.file, line, field, `expected an integer, got '${raw}'`);
  if (opts.min !== undefined && x < opts.min) throw new InputError(t.file, line, field, `expected a value >= ${opts.min}, got ${raw}`);
  return x;
}

export function textField(t: CsvTable, row: number, col: number): string {
  return (t.rows[row]![col] ?? '').trim();
}
