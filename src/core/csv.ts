/**
 * One CSV field as RFC 4180 writes it: as is when it holds no comma, quote or line break, otherwise
 * quoted with inner quotes doubled. Numbers pass through unchanged.
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV row of fields. */
export function csvRow(fields: readonly (string | number | boolean | null | undefined)[]): string {
  return fields.map(csvField).join(',');
}
