import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestSpec, Workload } from '../model/request.js';

/**
 * Helpers for the workload tests only. The public data lives outside the repository, in
 * `<repo>/../shared/data`, or wherever GAPS_DATA_DIR points. The repository root is found by walking
 * up to the nearest package.json, so this works from src/ (tsx) and from dist/src/ (compiled).
 */
export function sharedDataDir(): string | undefined {
  const fromEnv = process.env['GAPS_DATA_DIR'];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  const data = resolve(dir, '..', 'shared', 'data');
  return existsSync(data) ? data : undefined;
}

/** Path of a public data file, or undefined (then tests skip with this reason). */
export function dataFile(...parts: string[]): string | undefined {
  const dir = sharedDataDir();
  if (dir === undefined) return undefined;
  const p = join(dir, ...parts);
  return existsSync(p) ? p : undefined;
}

export const NO_DATA = 'public data not found (set GAPS_DATA_DIR or place it at <repo>/../shared/data)';

/** Writes files into a fresh temp directory; returns their paths and a cleanup function. */
export function tempFiles(files: Record<string, string | Buffer>): { path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-workload-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return { path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Collects up to `max` requests (tests only: real consumers stream). */
export function take(w: Workload, max = Infinity): RequestSpec[] {
  const out: RequestSpec[] = [];
  while (out.length < max) {
    const r = w.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Mean and coefficient of variation of consecutive gaps. */
export function gapMoments(times: readonly number[]): { meanGap: number; cv: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 1; i < times.length; i++) {
    const g = times[i]! - times[i - 1]!;
    sum += g;
    sumSq += g * g;
  }
  const n = times.length - 1;
  const mean = sum / n;
  return { meanGap: mean, cv: Math.sqrt(sumSq / n - mean * mean) / mean };
}
