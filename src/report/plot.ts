import type { TopLevelSpec } from 'vega-lite';

/**
 * Charts for reports: a chart is a Vega-Lite spec built by a pure function (so callers can save or
 * tweak it), rendered headless to SVG by vega (`renderer: 'none'`, no canvas, no DOM), and
 * rasterised to PNG by resvg. The same input gives byte-identical SVG: data rows keep their given
 * order, no timestamps or random ids enter the spec, and the font family is fixed.
 *
 * vega, vega-lite and resvg are imported only when a chart is drawn (dynamic import): they take
 * about a second to load, and no command should pay that before it needs a chart.
 */

export interface Point {
  x: number;
  y: number;
  /** Optional interval (drawn as an error bar). */
  lo?: number;
  hi?: number;
}

export interface Series {
  name: string;
  points: readonly Point[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  logY?: boolean;
  /** The quantity is a rate: values and intervals are clamped to [0, 1] and the axis reads in percent. */
  rate?: boolean;
  width?: number;
  height?: number;
}

export interface Bar {
  /** Position on the x axis. */
  category: string;
  /** Bars of several groups stand side by side within a category. */
  group?: string;
  value: number;
  lo?: number;
  hi?: number;
}

export interface BarChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  bars: readonly Bar[];
  logY?: boolean;
  rate?: boolean;
  width?: number;
  height?: number;
}

/** One family everywhere: text renders the same in vega's layout and in resvg's rasteriser. */
export const FONT = 'DejaVu Sans';

const config = {
  font: FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0 },
};

/**
 * The y scale with an explicit domain that holds every value and interval end, so that error bars
 * are never clipped by the frame (a log axis keeps to the positive ones). A rate's domain is [0, 1].
 */
function yScale(logY: boolean | undefined, values: readonly (number | null)[], rate?: boolean, bars = false): Record<string, unknown> {
  if (rate) return { domain: [0, 1], clamp: true };
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v) && (!logY || v > 0));
  if (xs.length === 0) return logY ? { type: 'log', nice: false } : { zero: false };
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  // Log axes are not 'niced': rounding the domain out to powers of ten wastes most of the height.
  if (logY) return { type: 'log', nice: false, domain: [lo / 1.15, hi * 1.15] };
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.06;
  // Bars of non-negative values rise from 0.
  lo = bars && lo >= 0 ? 0 : lo - pad;
  hi += pad;
  return { zero: false, nice: false, domain: [lo, hi] };
}

function clamp01(v: number | null | undefined, rate: boolean | undefined): number | null {
  if (v === null || v === undefined) return null;
  return rate ? Math.min(1, Math.max(0, v)) : v;
}

/**
 * Series drawn on top of each other (the same points) would hide one another: each later copy is
 * shifted right by a small fraction of the x span (dodged) and named in `notes`.
 */
export function coincidentSeries(series: readonly Series[]): { shift: Map<string, number>; notes: string[] } {
  const shift = new Map<string, number>();
  const notes: string[] = [];
  const same = (a: Series, b: Series): boolean =>
    a.points.length === b.points.length &&
    a.points.every((p, i) => {
      const q = b.points[i] as Point;
      return p.x === q.x && Math.abs(p.y - q.y) <= 1e-9 * Math.max(1, Math.abs(p.y));
    });
  const groups: Series[][] = [];
  for (const s of series) {
    const g = groups.find((gr) => same(gr[0] as Series, s));
    if (g) g.push(s);
    else groups.push([s]);
  }
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const span = xs.length ? Math.max(...xs) - Math.min(...xs) || 1 : 1;
  for (const g of groups) {
    if (g.length < 2) continue;
    g.forEach((s, k) => shift.set(s.name, k * 0.012 * span));
    notes.push(`${g.map((s) => s.name).join(' and ')} coincide (identical values); drawn slightly shifted to the right so that each stays visible.`);
  }
  return { shift, notes };
}

/** Interactivity for the HTML report (ignored when rendered to SVG): zoom/pan, legend toggling, tooltips. */
const zoomParam = { name: 'zoom', select: 'interval', bind: 'scales' };
const legendParam = (field: string): Record<string, unknown> => ({ name: 'pick', select: { type: 'point', fields: [field] }, bind: 'legend' });
const picked = { condition: { param: 'pick', value: 1 }, value: 0.15 };

/** The Vega-Lite spec of a line chart: one coloured line (with points) per series, optional error bars. */
export function lineChartSpec(o: LineChartOptions): TopLevelSpec {
  const { shift } = coincidentSeries(o.series);
  const rows = o.series.flatMap((s) =>
    s.points.map((p) => ({ series: s.name, x: p.x + (shift.get(s.name) ?? 0), y: clamp01(p.y, o.rate), lo: clamp01(p.lo, o.rate), hi: clamp01(p.hi, o.rate) })),
  );
  const domain = yScale(o.logY, rows.flatMap((r) => [r.y, r.lo, r.hi]), o.rate);
  const yAxis = o.rate ? { axis: { format: '.0%' } } : {};
  const tooltip = [
    { field: 'series', type: 'nominal', title: 'series' },
    { field: 'x', type: 'quantitative', title: o.xLabel, format: '.4~g' },
    { field: 'y', type: 'quantitative', title: o.yLabel, format: o.rate ? '.1%' : '.4~g' },
  ];
  const order = o.series.map((s) => s.name);
  const color = { field: 'series', type: 'nominal', title: null, sort: order };
  const x = { field: 'x', type: 'quantitative', title: o.xLabel, scale: { zero: false } };
  const layers: unknown[] = [
    {
      params: [zoomParam, legendParam('series')],
      mark: { type: 'line', point: true },
      encoding: { x, y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: domain, ...yAxis }, color, opacity: picked, tooltip },
    },
  ];
  if (rows.some((r) => r.lo !== null && r.hi !== null)) {
    layers.push({
      transform: [{ filter: 'datum.lo != null && datum.hi != null' }],
      mark: { type: 'rule' },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color, opacity: picked },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width: o.width ?? 520,
    height: o.height ?? 340,
    data: { values: rows },
    layer: layers,
    config,
  } as TopLevelSpec;
}

/** The Vega-Lite spec of a bar chart, grouped when bars carry a group, with optional error bars. */
export function barChartSpec(o: BarChartOptions): TopLevelSpec {
  const rows = o.bars.map((b) => ({ category: b.category, group: b.group ?? '', value: clamp01(b.value, o.rate), lo: clamp01(b.lo, o.rate), hi: clamp01(b.hi, o.rate) }));
  const domain = yScale(o.logY, rows.flatMap((r) => [r.value, r.lo, r.hi]), o.rate, true);
  const yAxis = o.rate ? { axis: { format: '.0%' } } : {};
  const tooltip = [
    { field: 'category', type: 'nominal', title: o.xLabel },
    ...(o.bars.some((b) => b.group !== undefined) ? [{ field: 'group', type: 'nominal', title: 'group' }] : []),
    { field: 'value', type: 'quantitative', title: o.yLabel, format: o.rate ? '.1%' : '.4~g' },
  ];
  const grouped = o.bars.some((b) => b.group !== undefined);
  const categories = [...new Set(o.bars.map((b) => b.category))];
  const groups = [...new Set(o.bars.map((b) => b.group ?? ''))];
  const x = { field: 'category', type: 'nominal', title: o.xLabel, sort: categories, axis: { labelAngle: 0 } };
  const offset = grouped ? { xOffset: { field: 'group', type: 'nominal', sort: groups } } : {};
  const color = grouped ? { color: { field: 'group', type: 'nominal', title: null, sort: groups } } : {};
  const layers: unknown[] = [
    {
      params: grouped ? [legendParam('group')] : [],
      mark: { type: 'bar' },
      encoding: { x, y: { field: 'value', type: 'quantitative', title: o.yLabel, scale: domain, ...yAxis }, ...offset, ...color, ...(grouped ? { opacity: picked } : {}), tooltip },
    },
  ];
  if (rows.some((r) => r.lo !== null && r.hi !== null)) {
    layers.push({
      transform: [{ filter: 'datum.lo != null && datum.hi != null' }],
      mark: { type: 'rule', color: 'black' },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, ...offset },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width: o.width ?? 520,
    height: o.height ?? 340,
    data: { values: rows },
    layer: layers,
    config,
  } as TopLevelSpec;
}

/** A drawn chart: the static SVG, the compiled Vega spec (the HTML report makes it interactive) and notes for its caption. */
export interface Figure {
  readonly svg: string;
  readonly vega: unknown;
  readonly notes: readonly string[];
}

/** Renders a Vega-Lite spec to an SVG string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  return (await renderFigure(spec, [])).svg;
}

async function renderFigure(spec: TopLevelSpec, notes: readonly string[]): Promise<Figure> {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vg = compile(spec).spec;
  const view = new View(parse(vg), { renderer: 'none' });
  try {
    return { svg: stableClipIds(await view.toSVG(), JSON.stringify(vg)), vega: vg, notes };
  } finally {
    view.finalize();
  }
}

/**
 * vega numbers clip paths from a process-wide counter (clip1, clip4, ...), so the same chart drawn
 * twice would differ, and two charts inlined in one page could share an id. Ids are renamed in order
 * of appearance under a prefix hashed from the spec: same spec, same bytes; different charts, distinct ids.
 */
function stableClipIds(svg: string, specText: string): string {
  let h = 2166136261;
  for (let i = 0; i < specText.length; i++) h = Math.imul(h ^ specText.charCodeAt(i), 16777619) >>> 0;
  const prefix = `c${h.toString(36)}`;
  const names = new Map<string, string>();
  return svg.replace(/\bclip(\d+)\b/g, (_m, n: string) => {
    let name = names.get(n);
    if (name === undefined) names.set(n, (name = `${prefix}-${names.size + 1}`));
    return name;
  });
}

export async function lineFigure(o: LineChartOptions): Promise<Figure> {
  return renderFigure(lineChartSpec(o), coincidentSeries(o.series).notes);
}

export async function barFigure(o: BarChartOptions): Promise<Figure> {
  return renderFigure(barChartSpec(o), []);
}

export async function lineChart(o: LineChartOptions): Promise<string> {
  return renderSvg(lineChartSpec(o));
}

export async function barChart(o: BarChartOptions): Promise<string> {
  return renderSvg(barChartSpec(o));
}

/**
 * Rasterises an SVG to PNG (2x scale for legibility). Text needs a font: resvg loads the system
 * fonts and falls back to FONT; on a machine without any, the PNG keeps its shapes but loses
 * its text, and `hasSystemFonts()` says so beforehand.
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const r = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: FONT },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return Buffer.from(r.render().asPng());
}

/** Whether resvg finds any system font (without one, text is not drawn in PNGs). */
export async function hasSystemFonts(): Promise<boolean> {
  const { Resvg } = await import('@resvg/resvg-js');
  const probe = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="0" y="15">Ag</text></svg>';
  const r = new Resvg(probe, { font: { loadSystemFonts: true, defaultFontFamily: FONT } });
  const img = r.render();
  const px = img.pixels;
  for (let i = 3; i < px.length; i += 4) if ((px[i] as number) > 0) return true;
  return false;
}
