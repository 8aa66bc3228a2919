import { escapeHtml, renderReport, type Block } from '../report/html.js';
import { barChart, lineChart, type Bar, type Series } from '../report/plot.js';
import type { CapacityGrid } from './capacityGrid.js';
import { formatAxisValue, pointLabel } from './grid.js';
import type { SweepTable } from './table.js';

/**
 * The HTML report of a sweep, with plots chosen by the axes: a `seed` axis is averaged over (the
 * bars or error bars span its min and max); when a numeric axis remains, each metric is a line
 * chart over the last numeric axis with one line per combination of the other axes; otherwise a
 * bar chart over the first axis, grouped by the others. Failed points are left out of the plots
 * and marked in the table.
 */
export interface Chart {
  readonly name: string;
  readonly svg: string;
}

interface Row {
  readonly axes: ReadonlyMap<string, unknown>;
  readonly metrics: ReadonlyMap<string, number>;
}

function okRows(t: SweepTable, axes: readonly string[], metrics: readonly string[]): Row[] {
  const col = (c: string): number => t.columns.indexOf(c);
  const status = col('status');
  return t.rows
    .filter((r) => r[status] === 'ok')
    .map((r) => ({
      axes: new Map(axes.map((a) => [a, r[col(a)]])),
      metrics: new Map(metrics.flatMap((m) => (typeof r[col(m)] === 'number' ? [[m, r[col(m)] as number] as const] : []))),
    }));
}

/** Mean, min and max of each group's values, groups in first-seen order. */
function aggregate<K>(items: readonly { key: K; label: string; v: number }[]): { key: K; label: string; mean: number; lo: number; hi: number }[] {
  const groups = new Map<string, { key: K; vs: number[] }>();
  for (const it of items) {
    const g = groups.get(it.label) ?? { key: it.key, vs: [] };
    g.vs.push(it.v);
    groups.set(it.label, g);
  }
  return [...groups].map(([label, g]) => ({
    key: g.key,
    label,
    mean: g.vs.reduce((s, x) => s + x, 0) / g.vs.length,
    lo: Math.min(...g.vs),
    hi: Math.max(...g.vs),
  }));
}

export async function sweepCharts(t: SweepTable, axes: readonly string[], metrics: readonly string[], maxCharts = 8): Promise<Chart[]> {
  const rows = okRows(t, axes, metrics);
  if (rows.length === 0) return [];
  const varying = axes.filter((a) => a !== 'seed');
  const replicated = axes.includes('seed');
  const numeric = varying.filter((a) => rows.every((r) => typeof r.axes.get(a) === 'number') && new Set(rows.map((r) => r.axes.get(a))).size > 1);
  const charts: Chart[] = [];
  const label = (r: Row, keys: readonly string[]): string => (keys.length ? pointLabel(keys.map((k) => [k, r.axes.get(k)] as const)) : 'all');
  for (const m of metrics.filter((mm) => rows.some((r) => r.metrics.has(mm))).slice(0, maxCharts)) {
    const have = rows.filter((r) => r.metrics.has(m));
    const yLabel = replicated ? `${m} (mean over seeds; bars: min-max)` : m;
    if (numeric.length > 0) {
      const x = numeric[numeric.length - 1] as string;
      const rest = varying.filter((a) => a !== x);
      const bySeries = new Map<string, { x: number; label: string; v: number }[]>();
      for (const r of have) {
        const s = label(r, rest);
        const list = bySeries.get(s) ?? [];
        list.push({ x: r.axes.get(x) as number, label: String(r.axes.get(x)), v: r.metrics.get(m) as number });
        bySeries.set(s, list);
      }
      const series: Series[] = [...bySeries].map(([name, items]) => ({
        name,
        points: aggregate(items.map((it) => ({ key: it.x, label: it.label, v: it.v }))).map((g) => ({
          x: g.key,
          y: g.mean,
          ...(replicated ? { lo: g.lo, hi: g.hi } : {}),
        })),
      }));
      charts.push({ name: m, svg: await lineChart({ title: m, xLabel: x, yLabel, series }) });
    } else {
      const cat = varying[0];
      const rest = varying.slice(1);
      const bars: Bar[] = aggregate(
        have.map((r) => {
          const c = cat === undefined ? 'all' : formatAxisValue(r.axes.get(cat));
          const g = rest.length ? label(r, rest) : undefined;
          return { key: { c, g }, label: `${c}\u0000${g ?? ''}`, v: r.metrics.get(m) as number };
        }),
      ).map((a) => ({ category: a.key.c, ...(a.key.g !== undefined ? { group: a.key.g } : {}), value: a.mean, ...(replicated ? { lo: a.lo, hi: a.hi } : {}) }));
      charts.push({ name: m, svg: await barChart({ title: m, xLabel: cat ?? '', yLabel, bars }) });
    }
  }
  return charts;
}

function tableBlock(t: SweepTable): Block {
  const status = t.columns.indexOf('status');
  return {
    kind: 'table',
    head: [...t.columns],
    rows: t.rows.map((r) => r.map((c) => (c === null ? '' : typeof c === 'number' ? Number(c.toPrecision(6)) : String(c)))),
    classes: t.rows.map((r) => (r[status] === 'failed' ? 'fails' : undefined)),
    highlight: status,
  };
}

export function sweepReport(title: string, intro: string, t: SweepTable, charts: readonly Chart[]): string {
  const blocks: Block[] = [{ kind: 'text', html: escapeHtml(intro) }];
  if (t.failed) blocks.push({ kind: 'text', html: `<strong>${t.failed} point(s) failed</strong>; their rows are marked and their errors listed in the table.` });
  for (const c of charts) blocks.push({ kind: 'svg', svg: c.svg, caption: `${c.name} (${c.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.svg)` });
  blocks.push({ kind: 'heading', text: 'All points' }, tableBlock(t));
  return renderReport(title, blocks);
}

export async function capacityCharts(g: CapacityGrid): Promise<Chart[]> {
  const rows = g.rows.filter((r) => r.result.capacityRps !== null);
  if (rows.length === 0) return [];
  // Bars over the first axis, grouped by the others (long combined labels would overlap).
  const first = rows[0]?.point.values[0]?.[0];
  const place = (r: (typeof rows)[number]): { category: string; group?: string } => {
    const [head, ...rest] = r.point.values;
    return { category: head ? formatAxisValue(head[1]) : 'base', ...(rest.length ? { group: pointLabel(rest) } : {}) };
  };
  const capacity = await barChart({
    title: 'Capacity under the SLO',
    xLabel: first ?? 'configuration',
    yLabel: 'highest rate meeting the SLO (req/s)',
    bars: rows.map((r) => ({ ...place(r), value: r.result.capacityRps as number })),
  });
  const out: Chart[] = [{ name: 'capacity', svg: capacity }];
  const costed = rows.filter((r) => r.costPerMillion !== null);
  if (costed.length) {
    out.push({
      name: 'cost',
      svg: await barChart({
        title: 'Cost of a million requests at capacity',
        xLabel: first ?? 'configuration',
        yLabel: 'cost per million requests',
        bars: costed.map((r) => ({ ...place(r), value: r.costPerMillion as number })),
      }),
    });
  }
  return out;
}

export function capacityReport(title: string, intro: string, g: CapacityGrid, t: SweepTable, charts: readonly Chart[]): string {
  const blocks: Block[] = [{ kind: 'text', html: escapeHtml(intro) }];
  const best = g.cheapest !== null ? g.rows[g.cheapest] : undefined;
  blocks.push({
    kind: 'text',
    html: best
      ? `<strong>Cheapest configuration meeting the SLO:</strong> ${escapeHtml(pointLabel(best.point.values) || 'base')}: capacity ${best.result.capacityRps?.toFixed(3)} req/s on ${best.gpus} GPU(s), cost ${best.costPerHour} per hour.`
      : '<strong>No configuration meets the SLO</strong>' + (g.rows.some((r) => r.result.capacity !== null) ? ' at the target rate.' : '.'),
  });
  for (const c of charts) blocks.push({ kind: 'svg', svg: c.svg, caption: `${c.name}.svg` });
  blocks.push({ kind: 'heading', text: 'All configurations' }, tableBlock(t));
  blocks.push({ kind: 'heading', text: 'Probes' });
  blocks.push({
    kind: 'table',
    head: ['point', 'probe', 'value', 'offered req/s', 'holds', 'clauses'],
    rows: g.rows.flatMap((r) =>
      r.result.probes.map((p, i) => [
        r.point.index,
        i,
        p.value,
        p.offeredRps === null ? '' : Number(p.offeredRps.toPrecision(6)),
        p.holds ? 'yes' : 'no',
        p.error ?? p.clauses.map((c) => `${c.clause}: ${Number(c.value.toPrecision(4))} ${c.holds ? 'ok' : 'fails'}`).join('; '),
      ]),
    ),
  });
  return renderReport(title, blocks);
}
