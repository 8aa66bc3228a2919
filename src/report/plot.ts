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

function yScale(logY: boolean | undefined): Record<string, unknown> {
  // Log axes are not 'niced': rounding the domain out to powers of ten wastes most of the height.
  return logY ? { type: 'log', nice: false } : { zero: false };
}

/** The Vega-Lite spec of a line chart: one coloured line (with points) per series, optional error bars. */
export function lineChartSpec(o: LineChartOptions): TopLevelSpec {
  const rows = o.series.flatMap((s) =>
    s.points.map((p) => ({ series: s.name, x: p.x, y: p.y, lo: p.lo ?? null, hi: p.hi ?? null })),
  );
  const order = o.series.map((s) => s.name);
  const color = { field: 'series', type: 'nominal', title: null, sort: order };
  const x = { field: 'x', type: 'quantitative', title: o.xLabel, scale: { zero: false } };
  const layers: unknown[] = [
    {
      mark: { type: 'line', point: true },
      encoding: { x, y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: yScale(o.logY) }, color },
    },
  ];
  if (rows.some((r) => r.lo !== null && r.hi !== null)) {
    layers.push({
      transform: [{ filter: 'datum.lo != null && datum.hi != null' }],
      mark: { type: 'rule' },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
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
  const rows = o.bars.map((b) => ({ category: b.category, group: b.group ?? '', value: b.value, lo: b.lo ?? null, hi: b.hi ?? null }));
  const grouped = o.bars.some((b) => b.group !== undefined);
  const categories = [...new Set(o.bars.map((b) => b.category))];
  const groups = [...new Set(o.bars.map((b) => b.group ?? ''))];
  const x = { field: 'category', type: 'nominal', title: o.xLabel, sort: categories, axis: { labelAngle: 0 } };
  const offset = grouped ? { xOffset: { field: 'group', type: 'nominal', sort: groups } } : {};
  const color = grouped ? { color: { field: 'group', type: 'nominal', title: null, sort: groups } } : {};
  const layers: unknown[] = [
    {
      mark: { type: 'bar' },
      encoding: { x, y: { field: 'value', type: 'quantitative', title: o.yLabel, scale: yScale(o.logY) }, ...offset, ...color },
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

/** Renders a Vega-Lite spec to an SVG string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vg = compile(spec).spec;
  const view = new View(parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
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
