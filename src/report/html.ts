/** A small, dependency-free builder for self-contained HTML reports (inline CSS, inline SVG). */

export type Block =
  | { kind: 'text'; html: string }
  | { kind: 'pre'; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'table'; head: string[]; rows: (string | number)[][]; classes?: (string | undefined)[]; highlight?: number }
  | { kind: 'svg'; svg: string; caption: string };

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr.holds td.v{background:#e3f6e3}tr.partly td.v{background:#fff4d6}tr.fails td.v{background:#fbe3e3}tr.unmeasured td.v{background:#eef0f4;color:#555;font-style:italic}
footer{margin-top:3em;color:#666;border-top:1px solid #ddd;padding-top:.5em}
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${blocks.map(block).join('\n')}
${footer ? `<footer><small>${escapeHtml(footer)}</small></footer>\n` : ''}</body></html>
`;
}
