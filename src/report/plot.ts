import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Charts as Vega-Lite specs rendered to SVG (vega, no browser) and PNG (resvg). Deterministic output. */
export interface Point {
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
  logX?: boolean;
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  /** One bar per (group, name): value with an optional interval. */
  bars: { group: string; name: string; value: number; lo?: number; hi?: number }[];
}

async function render(spec: vl.TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Line chart with one coloured line per series and optional error bars (lo, hi). */
export async function lineChart(c: LineChartSpec): Promise<string> {
  const values = c.series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y, lo: p.lo ?? p.y, hi: p.hi ?? p.y })));
  const x = { field: 'x', type: 'quantitative' as const, title: c.xLabel, scale: { type: c.logX ? ('log' as const) : ('linear' as const), zero: false } };
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: c.title,
    width: 420,
    height: 260,
    background: 'white',
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: c.yLabel, scale: { type: c.logY ? 'log' : 'linear', zero: false } },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      {
        mark: { type: 'errorbar' },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: c.yLabel },
          y2: { field: 'hi' },
          color: { field: 'series', type: 'nominal' },
        },
      },
    ],
  };
  return render(spec);
}

/** Grouped bar chart with error bars. */
export async function barChart(c: BarChartSpec): Promise<string> {
  const values = c.bars.map((b) => ({ ...b, lo: b.lo ?? b.value, hi: b.hi ?? b.value }));
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: c.title,
    background: 'white',
    data: { values },
    facet: { column: { field: 'group', type: 'nominal', title: null } },
    spec: {
      width: 180,
      height: 240,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'name', type: 'nominal', title: null },
            y: { field: 'value', type: 'quantitative', title: c.yLabel },
            color: { field: 'name', type: 'nominal', legend: null },
          },
        },
        { mark: 'errorbar', encoding: { x: { field: 'name', type: 'nominal' }, y: { field: 'lo', type: 'quantitative', title: c.yLabel }, y2: { field: 'hi' } } },
      ],
    },
  };
  return render(spec);
}

/** Rasterises an SVG at 2x with the system fonts. */
export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true }, background: 'white' });
  return r.render().asPng();
}
