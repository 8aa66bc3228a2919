import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Figure } from './plot.js';

/**
 * A small builder for self-contained HTML reports: inline CSS, inline SVG, and for interactive
 * charts the Vega runtime inlined once per page, so a report works offline from a file:// URL and
 * makes no network request. Each chart's static SVG stays in the page (it is what prints, and what
 * shows without JavaScript); the script swaps in a live view with tooltips (hover a point),
 * legend toggling (click a legend entry; shift-click for several) and zoom/pan (wheel and drag;
 * double-click resets).
 */

export type Block =
  | { kind: 'text'; html: string }
  | { kind: 'pre'; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'table'; head: string[]; rows: (string | number)[][]; classes?: (string | undefined)[]; highlight?: number }
  | { kind: 'svg'; svg: string; caption: string }
  /** An interactive chart: the static SVG, replaced in the browser by a live Vega view of the same spec. */
  | { kind: 'chart'; figure: Figure; caption: string };

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr.holds td.v{background:#e3f6e3}tr.partly td.v{background:#fff4d6}tr.fails td.v{background:#fbe3e3}tr.unmeasured td.v{background:#eef0f4;color:#555;font-style:italic}
.chart-tip{position:absolute;display:none;background:#fff;border:1px solid #999;padding:.3em .5em;font-size:.85em;pointer-events:none;box-shadow:0 1px 4px rgba(0,0,0,.2)}
.hint{font-size:.9em;color:#555}footer{margin-top:3em;color:#666;border-top:1px solid #ddd;padding-top:.5em}
figure{margin:1.5em 0}figcaption{font-size:.9em;color:#555}code{background:#f5f5f5;padding:0 .2em}
`;

function block(b: Block): string {
  switch (b.kind) {
    case 'text':
      return `<p>${b.html}</p>`;
    case 'pre':
      return `<pre>${escapeHtml(b.text)}</pre>`;
    case 'heading':
      return `<h2>${escapeHtml(b.text)}</h2>`;
    case 'svg':
      return `<figure>${b.svg}<figcaption>${escapeHtml(b.caption)}</figcaption></figure>`;
    case 'chart': {
      const caption = [b.caption, ...b.figure.notes].join(' ');
      // '<' escaped so that no text inside the JSON can close the script element.
      const spec = JSON.stringify(b.figure.vega).replace(/</g, '\\u003c');
      return `<figure class="chart"><div class="chart-view">${b.figure.svg}</div><script type="application/json" class="chart-spec">${spec}</script><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
    }
    case 'table': {
      const head = `<tr>${b.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
      const rows = b.rows
        .map((r, i) => {
          const cls = b.classes?.[i];
          const cells = r.map((c, j) => `<td${j === b.highlight ? ' class="v"' : ''}>${escapeHtml(String(c))}</td>`).join('');
          return `<tr${cls ? ` class="${cls}"` : ''}>${cells}</tr>`;
        })
        .join('\n');
      return `<table>${head}\n${rows}</table>`;
    }
  }
}

/** A self-contained page; `footer` (e.g. the run's provenance) closes it in small print. */
export function renderReport(title: string, blocks: readonly Block[], footer?: string): string {
  const interactive = blocks.some((b) => b.kind === 'chart');
  const scripts = interactive ? `<script>${vegaRuntime()}</script>\n<script>${ACTIVATE}</script>\n` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${interactive ? '<p class="hint">Charts: hover a point for its values, click a legend entry to show or hide a series (shift-click for several), drag or scroll to pan and zoom, double-click to reset.</p>\n' : ''}${blocks.map(block).join('\n')}
${footer ? `<footer><small>${escapeHtml(footer)}</small></footer>\n` : ''}${scripts}</body></html>
`;
}

let runtime: string | undefined;
/** vega's browser build, read from its package once (only when a report has charts). */
function vegaRuntime(): string {
  // vega's exports map hides build/vega.min.js; it sits beside the module entry point.
  const entry = createRequire(import.meta.url).resolve('vega');
  runtime ??= readFileSync(join(dirname(entry), 'vega.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  return runtime;
}

/** Replaces each chart's static SVG with a live view; tooltips are a small div of our own. */
const ACTIVATE = `(function(){
  if (typeof vega === 'undefined') return;
  var tip = document.createElement('div');
  tip.className = 'chart-tip';
  document.body.appendChild(tip);
  function show(handler, event, item, value) {
    if (value == null || value === '' || typeof value !== 'object') { tip.style.display = 'none'; return; }
    tip.innerHTML = '';
    Object.keys(value).forEach(function (k) {
      var row = document.createElement('div');
      var b = document.createElement('b');
      b.textContent = k + ': ';
      row.appendChild(b);
      row.appendChild(document.createTextNode(String(value[k])));
      tip.appendChild(row);
    });
    tip.style.display = 'block';
    tip.style.left = (event.pageX + 12) + 'px';
    tip.style.top = (event.pageY + 12) + 'px';
  }
  document.querySelectorAll('figure.chart').forEach(function (fig) {
    var el = fig.querySelector('.chart-view');
    var spec = JSON.parse(fig.querySelector('.chart-spec').textContent);
    el.innerHTML = '';
    var view = new vega.View(vega.parse(spec), { renderer: 'svg', container: el, hover: true });
    view.tooltip(show);
    view.runAsync().then(function () { fig.setAttribute('data-rendered', 'true'); })
      .catch(function (e) { fig.setAttribute('data-rendered', 'error'); console.error(e); });
  });
})();`;
