import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './cliSupport.js';

/**
 * Dependencies point one way (docs/ARCHITECTURE.md): a module may import only from its own layer or
 * lower ones, and the import graph has no cycles. Checked on the TypeScript sources.
 */
const LAYERS: Record<string, number> = {
  core: 0,
  kernel: 1,
  stats: 1,
  model: 2,
  perf: 3,
  workload: 3,
  queueing: 3,
  predictors: 3,
  policies: 4,
  sim: 5,
  metrics: 6,
  run: 7,
  report: 8,
  sweep: 8.5,
  experiments: 9,
  live: 9,
  cli: 10,
};


function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

test('imports respect the layer order and form no cycle', () => {
  const src = join(repoRoot(), 'src');
  const graph = new Map<string, string[]>();
  const problems: string[] = [];
  for (const f of files(src)) {
    const rel = relative(src, f);
    const top = rel.split('/')[0] as string;
    const layer = rel.includes('/') ? LAYERS[top] : 11; // src/index.ts re-exports everything
    if (layer === undefined) problems.push(`${rel}: folder '${top}' has no layer in test/layers.test.ts`);
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(src, resolve(dirname(f), (m[1] as string).replace(/\.js$/, '.ts')));
      deps.push(target);
      const ttop = target.split('/')[0] as string;
      const tl = LAYERS[ttop] ?? 0;
      if (layer !== undefined && tl > layer) problems.push(`${rel} (layer ${top}) imports ${target} (layer ${ttop})`);
    }
    graph.set(rel, deps);
  }
  const state = new Map<string, number>();
  const visit = (n: string, path: string[]): void => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      problems.push(`cycle: ${[...path.slice(path.indexOf(n)), n].join(' -> ')}`);
      return;
    }
    state.set(n, 1);
    for (const d of graph.get(n) ?? []) visit(d, [...path, n]);
    state.set(n, 2);
  };
  for (const n of graph.keys()) visit(n, []);
  assert.deepEqual(problems, []);
});

test('no Math.random or Date.now below the edges', () => {
  const src = join(repoRoot(), 'src');
  const bad = files(src).filter((f) => {
    const rel = relative(src, f);
    if (/^(cli|live)\//.test(rel)) return false;
    return /Math\.random\(|Date\.now\(/.test(readFileSync(f, 'utf8'));
  });
  assert.deepEqual(bad.map((f) => relative(src, f)), []);
});
