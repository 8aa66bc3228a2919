import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport } from '../src/report/html.js';
import { barFigure, lineFigure } from '../src/report/plot.js';
import { compareExperiment } from '../src/experiments/compare.js';

/**
 * The interactive report in a real browser: Debian's `chromium` (installed by .ci/run) driven by
 * puppeteer-core. Every chart must render, the page must make no network request (everything is
 * inlined; it is opened from file://) and log no error; hovering a point shows its values, a
 * legend click hides a series, and the wheel zooms the axes.
 */
/** The little of the DOM the page callbacks use (the project compiles without the DOM library). */
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null; textContent: string | null }> & Iterable<{ getAttribute(name: string): string | null; textContent: string | null }>;
  querySelector(selector: string): { style: { display: string } } | null;
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

test('the HTML report renders every chart offline, without errors, and responds to hover, legend clicks and zoom', { skip, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-browser-'));
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: join(dir, 'profile'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const line = await lineFigure({
      title: 'P99 latency',
      xLabel: 'instances',
      yLabel: 'P99 e2e (s)',
      series: [
        { name: 'gaps', points: [{ x: 2, y: 10, lo: 8, hi: 12 }, { x: 4, y: 6, lo: 5, hi: 7 }, { x: 8, y: 3, lo: 2.5, hi: 3.5 }] },
        { name: 'llumnix', points: [{ x: 2, y: 12 }, { x: 4, y: 8 }, { x: 8, y: 5 }] },
        { name: 'flashgen', points: [{ x: 2, y: 12 }, { x: 4, y: 8 }, { x: 8, y: 5 }] },
      ],
    });
    const bars = await barFigure({ title: 'Violations', xLabel: 'workload', yLabel: 'SLO violation rate', rate: true, bars: [{ category: 'code', group: 'gaps', value: 0.2, lo: 0.1, hi: 1.3 }, { category: 'code', group: 'nopred', value: 0.4 }] });
    const page = join(dir, 'report.html');
    writeFileSync(page, renderReport('Browser test', [{ kind: 'chart', figure: line, caption: 'Lines.' }, { kind: 'chart', figure: bars, caption: 'Bars.' }]));

    const tab = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
    await tab.waitForFunction(() => [...document.querySelectorAll('figure.chart')].every((f) => f.getAttribute('data-rendered') !== null), { timeout: 20_000 });
    const states = await tab.$$eval('figure.chart', (fs) => fs.map((f) => [f.getAttribute('data-rendered'), f.querySelectorAll('.chart-view svg .mark-symbol path, .chart-view svg .mark-rect path').length]));
    assert.equal(states.length, 2);
    for (const [state, marks] of states) {
      assert.equal(state, 'true');
      assert.ok((marks as number) > 0, 'the live view drew its marks');
    }

    // Hover a point: the tooltip shows its values.
    const point = await tab.$('figure.chart .chart-view svg .mark-symbol path');
    assert.ok(point);
    await point.hover();
    await tab.waitForFunction(() => document.querySelector('.chart-tip')?.style.display === 'block', { timeout: 5_000 });
    const tip = await tab.$eval('.chart-tip', (e) => e.textContent ?? '');
    assert.match(tip, /series: gaps/);
    assert.match(tip, /P99 e2e \(s\): 10/);

    // Click the legend entry of 'llumnix': its line fades.
    const opacityOf = (): Promise<string[]> => tab.$$eval('figure.chart:first-of-type .chart-view svg .mark-line path', (ps) => ps.map((p) => p.getAttribute('opacity') ?? p.getAttribute('stroke-opacity') ?? '1'));
    const before = await opacityOf();
    const legend = await tab.$$('figure.chart:first-of-type .chart-view svg .role-legend-label text');
    const llumnix = await (async () => {
      for (const l of legend) if ((await l.evaluate((e) => e.textContent)) === 'llumnix') return l;
      return undefined;
    })();
    assert.ok(llumnix, 'a legend entry per series');
    await llumnix.click();
    await tab.waitForFunction((b: string) => JSON.stringify([...document.querySelectorAll('figure.chart:first-of-type .chart-view svg .mark-line path')].map((p) => p.getAttribute('opacity') ?? p.getAttribute('stroke-opacity') ?? '1')) !== b, { timeout: 5_000 }, JSON.stringify(before));

    // Zoom with the wheel: the y axis' labels change.
    const labels = (): Promise<string> => tab.$$eval('figure.chart:first-of-type .chart-view svg .role-axis-label text', (ts) => ts.map((t) => t.textContent).join('|'));
    const axisBefore = await labels();
    const box = await (await tab.$('figure.chart:first-of-type .chart-view svg'))!.boundingBox();
    await tab.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await tab.mouse.wheel({ deltaY: -400 });
    await tab.waitForFunction((b: string) => [...document.querySelectorAll('figure.chart:first-of-type .chart-view svg .role-axis-label text')].map((t) => t.textContent).join('|') !== b, { timeout: 5_000 }, axisBefore);

    assert.deepEqual(requests, [], 'no network request');
    assert.deepEqual(errors, [], 'no console error');
    // The caption says which series coincide.
    assert.match(await tab.$eval('figure.chart figcaption', (e) => e.textContent ?? ''), /llumnix and flashgen coincide/);

    // A real report: the headline comparison, quick.
    const out = join(dir, 'headline');
    await compareExperiment.run({ outDir: out, dataDir: '', seed: 1, workers: 1, quick: true, log: () => {}, result: () => {} });
    await tab.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
    await tab.waitForFunction(() => [...document.querySelectorAll('figure.chart')].every((f) => f.getAttribute('data-rendered') !== null), { timeout: 20_000 });
    const real = await tab.$$eval('figure.chart', (fs) => fs.map((f) => [f.getAttribute('data-rendered'), f.querySelectorAll('.chart-view svg .mark-rect path').length]));
    assert.ok(real.length >= 2);
    for (const [state, marks] of real) assert.ok(state === 'true' && (marks as number) > 0, JSON.stringify(real));
    assert.deepEqual(requests, [], 'no network request');
    assert.deepEqual(errors, [], 'no console error');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
