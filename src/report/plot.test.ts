import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, barChartSpec, hasSystemFonts, lineChart, lineChartSpec, svgToPng } from './plot.js';

const line = {
  title: 'Response time',
  xLabel: 'arrival rate',
  yLabel: 'mean response time',
  logY: true,
  series: [
    { name: 'FIFO', points: [{ x: 0.5, y: 2 }, { x: 0.9, y: 10, lo: 9, hi: 11 }] },
    { name: 'SRPT', points: [{ x: 0.5, y: 1.43 }, { x: 0.9, y: 3.55 }] },
  ],
};

test('line charts render to SVG with their title, labels and series, identically every time', async () => {
  const a = await lineChart(line);
  const b = await lineChart(line);
  assert.equal(a, b);
  assert.match(a, /^<svg/);
  for (const text of ['Response time', 'arrival rate', 'mean response time', 'FIFO', 'SRPT']) assert.ok(a.includes(text), text);
  // A changed point changes the picture.
  const c = await lineChart({ ...line, series: [line.series[0]!, { name: 'SRPT', points: [{ x: 0.5, y: 1.5 }, { x: 0.9, y: 3.55 }] }] });
  assert.notEqual(a, c);
});

test('error bars appear only when intervals are given; the y scale follows logY', () => {
  const withBars = lineChartSpec(line) as unknown as { layer: unknown[] };
  assert.equal(withBars.layer.length, 2);
  const plain = lineChartSpec({ ...line, logY: false, series: [{ name: 'A', points: [{ x: 1, y: 1 }] }] }) as unknown as {
    layer: { encoding: { y: { scale: { type?: string } } } }[];
  };
  assert.equal(plain.layer.length, 1);
  assert.equal(plain.layer[0]?.encoding.y.scale.type, undefined);
  assert.match(JSON.stringify(lineChartSpec(line)), /"type":"log"/);
});

test('grouped bar charts with error bars render', async () => {
  const o = {
    title: 'Bars',
    xLabel: 'policy',
    yLabel: 'E[T]',
    bars: [
      { category: 'fifo', group: 'exact', value: 5 },
      { category: 'fifo', group: 'sim', value: 5.1, lo: 4.8, hi: 5.4 },
      { category: 'srpt', group: 'exact', value: 2.35 },
      { category: 'srpt', group: 'sim', value: 2.3, lo: 2.2, hi: 2.4 },
    ],
  };
  const spec = JSON.stringify(barChartSpec(o));
  assert.match(spec, /xOffset/);
  assert.match(spec, /"rule"/);
  const svg = await barChart(o);
  assert.ok(svg.includes('fifo') && svg.includes('srpt') && svg.includes('Bars'));
});

test('PNG output is a PNG, and text is drawn when the machine has fonts', async () => {
  const svg = await lineChart(line);
  const png = await svgToPng(svg);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(await svgToPng(svg), png);
  const fonts = await hasSystemFonts();
  // Drawing text adds ink: the same chart with a much longer title must differ in its PNG.
  const longer = await svgToPng(await lineChart({ ...line, title: 'Response time of every policy at every load' }));
  if (fonts) assert.notDeepEqual(longer, png);
  else assert.ok(true, 'no system fonts: resvg cannot draw text here (documented in docs/QUEUEING.md)');
});

test('error bars stay inside the frame, rates are clamped to [0, 1], coinciding series are dodged and named', () => {
  const spec = lineChartSpec({
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    series: [
      { name: 'A', points: [{ x: 1, y: 5, lo: 1, hi: 20 }, { x: 2, y: 6 }] },
      { name: 'B', points: [{ x: 1, y: 5 }, { x: 2, y: 6 }] },
      { name: 'C', points: [{ x: 1, y: 5 }, { x: 2, y: 6 }] },
    ],
  }) as unknown as { data: { values: { series: string; x: number }[] }; layer: { encoding: { y: { scale: { domain: number[] } } } }[] };
  const [lo, hi] = spec.layer[0]!.encoding.y.scale.domain as [number, number];
  assert.ok(lo < 1 && hi > 20, `domain ${lo}..${hi} holds the interval 1..20`);
  const xs = (name: string): number[] => spec.data.values.filter((r) => r.series === name).map((r) => r.x);
  assert.deepEqual(xs('A'), [1, 2]);
  assert.ok(xs('B')[0]! > 1 && xs('C')[0]! > xs('B')[0]!, 'B and C repeat A\'s line: each shifted a little further');
  const none = lineChartSpec({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'A', points: [{ x: 1, y: 5 }] }, { name: 'B', points: [{ x: 1, y: 5.5 }] }] });
  assert.ok(JSON.stringify(none).includes('"series":"B","x":1,'), 'distinct series stay in place');
  const rate = JSON.stringify(barChartSpec({ title: 'r', xLabel: 'x', yLabel: 'rate', rate: true, bars: [{ category: 'a', value: 0.5, lo: -0.2, hi: 1.4 }] }));
  assert.match(rate, /"domain":\[0,1\]/);
  assert.match(rate, /"value":0.5,"lo":0,"hi":1\}/);
  assert.match(rate, /"format":".0%"/);
});
