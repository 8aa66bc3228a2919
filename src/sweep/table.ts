import { ConfigError } from '../core/errors.js';
import type { GridPoint } from './grid.js';
import { formatAxisValue } from './grid.js';
import { canonicalJson, getPath, numericPaths } from './keyPath.js';
import type { PointOutcome } from './point.js';

/**
 * The tidy result table of a sweep: one row per grid point in grid order, the axis values, a status,
 * one column per metric (read by key path from the point's summary), the error of a failed point
 * and the config hash. Rows depend only on the points and their outcomes, never on which worker
 * ran what or when, so any runner gives the same bytes.
 */
export type Cell = string | number | boolean | null;

export interface SweepTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  readonly failed: number;
}

function cell(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return canonicalJson(v);
}

export function axisCell(v: unknown): Cell {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : formatAxisValue(v);
}

export function buildSweepTable(
  points: readonly GridPoint[],
  ids: readonly string[],
  outcomes: ReadonlyMap<string, PointOutcome>,
  metrics: readonly string[],
): SweepTable {
  const axes = points[0]?.values.map(([k]) => k) ?? [];
  const columns = ['point', ...axes, 'status', ...metrics, 'error', 'config_hash'];
  let failed = 0;
  const rows = points.map((p, i) => {
    const id = ids[i] as string;
    const o = outcomes.get(id);
    const axisCells = p.values.map(([, v]) => axisCell(v));
    if (o?.ok) return [p.index, ...axisCells, 'ok', ...metrics.map((m) => cell(getPath(o.metrics, m))), null, id];
    failed++;
    const error = o ? o.error : 'no result';
    return [p.index, ...axisCells, 'failed', ...metrics.map(() => null), error, id];
  });
  return { columns, rows, failed };
}

/** Metric paths that no successful point has (typos), with what exists instead; throws a ConfigError. */
export function checkMetricPaths(metrics: readonly string[], outcomes: Iterable<PointOutcome>): void {
  const ok = [...outcomes].filter((o): o is Extract<PointOutcome, { ok: true }> => o.ok);
  if (ok.length === 0) return;
  const missing = metrics.filter((m) => ok.every((o) => getPath(o.metrics, m) === undefined));
  if (missing.length) {
    const known = numericPaths(ok[0]?.metrics);
    throw new ConfigError(`metrics: ${missing.map((m) => `'${m}'`).join(', ')} not in the run summary; known numeric paths: ${known.join(', ')}`);
  }
}

function csvCell(c: Cell): string {
  if (c === null) return '';
  const s = String(c);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableToCsv(t: SweepTable): string {
  return `${[t.columns.map((c) => csvCell(c)), ...t.rows.map((r) => r.map(csvCell))].map((r) => r.join(',')).join('\n')}\n`;
}

/** The table as a JSON array of row objects (column → value), columns in table order. */
export function tableToJson(t: SweepTable): string {
  const objs = t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i] ?? null])));
  return `${JSON.stringify(objs, null, 1)}\n`;
}
