import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { parseSimulateConfig, type SimulateInput } from '../run/config.js';
import { canonicalJson, cloneJson, setPath } from './keyPath.js';

/**
 * A sweep grid: a base config (the tree of `gaps simulate --config`), axes (a config key path →
 * the values it takes; `seed` is an axis like any other), optional zipped axes (varied together,
 * not crossed), exclusions, and the metrics to collect (key paths into the run summary).
 */
const positive = z.number().positive();

export const DEFAULT_METRICS: readonly string[] = [
  'ttft.p50',
  'ttft.p99',
  'tpot.p50',
  'tbt.p99',
  'e2e.p50',
  'e2e.p99',
  'sloAttainment',
  'goodputRps',
  'throughput.requestsPerS',
  'completed',
];

export const CapacitySpecSchema = z
  .object({
    /** SLO expression, e.g. 'ttft.p50<=0.5,tbt.p99<=0.1' (see sloExpr.ts). */
    slo: z.string().min(1),
    /** What is searched: the arrival rate (req/s) or the load (fraction of nominal capacity). */
    axis: z.enum(['rate', 'load']).optional(),
    /** First probe (default: the base config's rate or load). */
    start: positive.optional(),
    /** Stop when the bracket is narrower than this fraction of its upper end. */
    tolerance: z.number().gt(0).lt(1).default(0.02),
    maxProbes: z.number().int().min(2).max(200).default(16),
    /** The rate a configuration must sustain to count; without it the cheapest is by cost per request. */
    targetRps: positive.optional(),
    /** Price of one GPU-hour by GPU name (default 1 per GPU: cost counts GPUs). */
    gpuCostPerHour: z.record(z.string(), z.number().min(0)).default({}),
  })
  .strict();

export type CapacitySpec = z.output<typeof CapacitySpecSchema>;

export const GridSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    base: z.record(z.string(), z.unknown()).default({}),
    axes: z.record(z.string().min(1), z.array(z.unknown()).min(1)),
    zip: z.array(z.array(z.string()).min(2)).default([]),
    exclude: z.array(z.record(z.string(), z.unknown())).default([]),
    metrics: z.array(z.string().min(1)).min(1).default([...DEFAULT_METRICS]),
    capacity: CapacitySpecSchema.optional(),
  })
  .strict();

export type Grid = z.output<typeof GridSchema>;

/** One expanded point: its position in the grid, its axis values (in axis order) and its config. */
export interface GridPoint {
  readonly index: number;
  readonly values: readonly (readonly [string, unknown])[];
  readonly config: SimulateInput;
}

/** A zod issue path as a key path; keys that contain dots are quoted. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) {
    if (typeof k === 'number') s += `[${k}]`;
    else if (String(k).includes('.')) s += `["${String(k)}"]`;
    else s += s ? `.${String(k)}` : String(k);
  }
  return s || '(root)';
}

/** Reads a grid from JSON or YAML text (by file extension); syntax errors name the line. */
export function parseGridText(text: string, file: string): unknown {
  if (/\.ya?ml$/i.test(file)) {
    try {
      return parseYaml(text);
    } catch (e) {
      if (e instanceof YAMLParseError) {
        const pos = e.linePos?.[0];
        throw new ConfigError(`grid file '${file}'${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`);
      }
      throw e;
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`grid file '${file}' is not valid JSON: ${(e as Error).message}`);
  }
}

/** Validates a grid: every problem at once, each with its key path. */
export function parseGrid(input: unknown, file = 'grid'): Grid {
  const r = GridSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${formatIssuePath(i.path)}: ${i.message}`);
    throw new ConfigError(`invalid grid file '${file}':\n${lines.join('\n')}`);
  }
  const g = r.data;
  const problems: string[] = [];
  const axes = Object.keys(g.axes);
  for (const a of axes) {
    for (const b of axes) {
      if (a !== b && b.startsWith(`${a}.`)) problems.push(`  axes["${b}"]: overlaps axis '${a}' (one would overwrite the other)`);
    }
  }
  const zipped = new Set<string>();
  g.zip.forEach((group, i) => {
    const lengths = new Set<number>();
    group.forEach((name, j) => {
      if (!(name in g.axes)) problems.push(`  zip[${i}][${j}]: '${name}' is not an axis (axes: ${axes.join(', ')})`);
      else lengths.add((g.axes[name] as unknown[]).length);
      if (zipped.has(name)) problems.push(`  zip[${i}][${j}]: '${name}' is already in another zip group`);
      zipped.add(name);
    });
    if (lengths.size > 1) problems.push(`  zip[${i}]: zipped axes need equally many values, got ${group.map((n) => `${n}: ${(g.axes[n] ?? []).length}`).join(', ')}`);
  });
  g.exclude.forEach((ex, i) => {
    for (const k of Object.keys(ex)) {
      if (!(k in g.axes)) problems.push(`  exclude[${i}]["${k}"]: not an axis (axes: ${axes.join(', ')})`);
    }
  });
  if (problems.length) throw new ConfigError(`invalid grid file '${file}':\n${problems.join('\n')}`);
  return g;
}

/** A point's axis values as `key=value, ...`. */
export function pointLabel(values: readonly (readonly [string, unknown])[]): string {
  return values.map(([k, v]) => `${k}=${formatAxisValue(v)}`).join(', ');
}

export function formatAxisValue(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : canonicalJson(v);
}

/**
 * The grid's points: the cartesian product of the axes (a zip group counts as one axis, placed where
 * its first member stands; the last axis varies fastest), less the excluded combinations. Every
 * point's config is validated; problems name the point and the key.
 */
export function expandGrid(g: Grid, file = 'grid'): GridPoint[] {
  const axes = Object.keys(g.axes);
  const groupOf = new Map<string, readonly string[]>();
  for (const grp of g.zip) for (const n of grp) groupOf.set(n, grp);
  const units: (readonly string[])[] = [];
  for (const a of axes) {
    const grp = groupOf.get(a) ?? [a];
    if (!units.includes(grp)) units.push(grp);
  }
  const sizes = units.map((u) => (g.axes[u[0] as string] as unknown[]).length);
  const total = sizes.reduce((p, s) => p * s, 1);
  const points: GridPoint[] = [];
  const problems: string[] = [];
  const idx = new Array<number>(units.length).fill(0);
  for (let n = 0; n < total; n++) {
    let rem = n;
    for (let u = units.length - 1; u >= 0; u--) {
      idx[u] = rem % (sizes[u] as number);
      rem = Math.floor(rem / (sizes[u] as number));
    }
    const chosen = new Map<string, unknown>();
    units.forEach((u, ui) => {
      for (const a of u) chosen.set(a, (g.axes[a] as unknown[])[idx[ui] as number]);
    });
    const values = axes.map((a) => [a, chosen.get(a)] as const);
    const excluded = g.exclude.some((ex) => Object.entries(ex).every(([k, v]) => canonicalJson(chosen.get(k)) === canonicalJson(v)));
    if (excluded) continue;
    const config = cloneJson(g.base) as Record<string, unknown>;
    for (const [k, v] of values) setPath(config, k, cloneJson(v));
    try {
      parseSimulateConfig(config, `point ${points.length} (${pointLabel(values)})`);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (problems.length < 5) problems.push(e.message);
      else if (problems.length === 5) problems.push('(further points have problems too)');
    }
    points.push({ index: points.length, values, config: config as SimulateInput });
  }
  if (problems.length) throw new ConfigError(`grid file '${file}': ${problems.join('\n')}`);
  if (points.length === 0) throw new ConfigError(`grid file '${file}': every point is excluded; nothing to run`);
  return points;
}
