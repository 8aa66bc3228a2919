import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport, type Block } from './html.js';

/**
 * The report of a reproduction that wrote none of its own: what it printed, the files it wrote,
 * and its SVG figures inlined. Every `gaps reproduce` thus leaves a report.html. Returns its path,
 * or undefined when the experiment wrote its own.
 */
export function ensureReport(outDir: string, title: string, printed: readonly string[], footer: string): string | undefined {
  const path = join(outDir, 'report.html');
  if (existsSync(path)) return undefined;
  const files = existsSync(outDir) ? readdirSync(outDir).sort() : [];
  const blocks: Block[] = [
    { kind: 'heading', text: 'Results' },
    { kind: 'pre', text: printed.join('\n') || '(nothing printed)' },
    { kind: 'heading', text: 'Files' },
    { kind: 'table', head: ['file'], rows: files.map((f) => [f]) },
    ...files.filter((f) => f.endsWith('.svg')).map((f): Block => ({ kind: 'svg', svg: readFileSync(join(outDir, f), 'utf8'), caption: f })),
  ];
  writeFileSync(path, renderReport(title, blocks, footer));
  return path;
}
