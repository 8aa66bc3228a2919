import { ConfigError } from '../core/errors.js';
import type { CapacitySpec, GridPoint } from './grid.js';
import { CapacitySearch, type CapacityResult } from './capacitySearch.js';
import { runSearches } from './capacityRounds.js';
import type { ResultStore, SweepRunner } from './runner.js';
import type { Slo } from './sloExpr.js';
import { axisCell, type Cell, type SweepTable } from './table.js';

/**
 * Capacity over a grid: one bisection per point, all advancing in rounds on one runner (each round
 * runs the next probe of every unfinished search, so a pool or a queue is kept busy), then the
 * cheapest configuration that meets the SLO. Cost is GPUs × price per GPU-hour (1 by default, so
 * cost counts GPUs). With a target rate the cheapest is the lowest cost per hour among the points
 * whose capacity reaches the target; without one it is the lowest cost per request at capacity.
 */
export interface CapacityRow {
  readonly point: GridPoint;
  readonly result: CapacityResult;
  readonly gpus: number | null;
  readonly gpu: string | null;
  readonly costPerHour: number | null;
  /** Cost of a million requests at the capacity rate. */
  readonly costPerMillion: number | null;
  readonly meetsTarget: boolean;
}

export interface CapacityGrid {
  readonly rows: readonly CapacityRow[];
  /** Index into rows of the cheapest configuration meeting the SLO (and the target), if any. */
  readonly cheapest: number | null;
  readonly probes: number;
  readonly reusedProbes: number;
}

export async function runCapacityGrid(
  points: readonly GridPoint[],
  slo: Slo,
  spec: Omit<CapacitySpec, 'slo'>,
  runner: SweepRunner,
  store: ResultStore,
  version: string,
  progress?: (probesDone: number, searchesDone: number, searches: number) => void,
): Promise<CapacityGrid> {
  const searches = points.map((p) => new CapacitySearch(p.config, slo, spec));
  const facts = points.map(() => ({ gpus: null as number | null, gpu: null as string | null }));
  const { probes, reusedProbes } = await runSearches(searches, runner, store, version, {
    ...(progress ? { progress } : {}),
    onOutcome: (i, o) => {
      if (!o.ok) return;
      const f = facts[i] as { gpus: number | null; gpu: string | null };
      f.gpus = typeof o.metrics.gpus === 'number' ? o.metrics.gpus : null;
      f.gpu = typeof o.metrics.gpu === 'string' ? o.metrics.gpu : null;
    },
  });
  const prices = spec.gpuCostPerHour;
  const priced = Object.keys(prices).length > 0;
  const rows = points.map((point, i): CapacityRow => {
    const result = (searches[i] as CapacitySearch).result();
    const { gpus, gpu } = facts[i] as { gpus: number | null; gpu: string | null };
    let perGpu = 1;
    if (priced && gpu !== null) {
      const p = prices[gpu];
      if (p === undefined) throw new ConfigError(`capacity.gpuCostPerHour: no price for GPU '${gpu}' (priced: ${Object.keys(prices).join(', ')})`);
      perGpu = p;
    }
    const costPerHour = gpus !== null ? gpus * perGpu : null;
    const rps = result.capacityRps;
    const costPerMillion = costPerHour !== null && rps !== null && rps > 0 ? (costPerHour / (rps * 3600)) * 1e6 : null;
    const meetsTarget = rps !== null && (spec.targetRps === undefined || rps >= spec.targetRps);
    return { point, result, gpus, gpu, costPerHour, costPerMillion, meetsTarget };
  });
  let cheapest: number | null = null;
  const key = (r: CapacityRow): number => (spec.targetRps !== undefined ? (r.costPerHour ?? Infinity) : (r.costPerMillion ?? Infinity));
  rows.forEach((r, i) => {
    if (!r.meetsTarget || !Number.isFinite(key(r))) return;
    if (cheapest === null || key(r) < key(rows[cheapest] as CapacityRow)) cheapest = i;
  });
  return { rows, cheapest, probes, reusedProbes };
}

/** The capacity grid as a tidy table (same CSV/JSON writers as a sweep). */
export function capacityTable(g: CapacityGrid): SweepTable {
  const axes = g.rows[0]?.point.values.map(([k]) => k) ?? [];
  const columns = [
    'point',
    ...axes,
    'status',
    'axis',
    'capacity',
    'capacity_rps',
    'bracket_lo',
    'bracket_hi',
    'probes',
    'converged',
    'gpus',
    'gpu',
    'cost_per_hour',
    'cost_per_million_requests',
    'meets_target',
    'cheapest',
    'note',
  ];
  let failed = 0;
  const rows = g.rows.map((r, i): Cell[] => {
    const err = r.result.probes.find((p) => p.error !== undefined);
    if (err) failed++;
    const status = err ? 'failed' : r.result.capacity === null ? 'none' : 'ok';
    const axisCells = r.point.values.map(([, v]) => axisCell(v));
    return [
      r.point.index,
      ...axisCells,
      status,
      r.result.axis,
      r.result.capacity,
      r.result.capacityRps,
      r.result.bracket.lo,
      r.result.bracket.hi,
      r.result.probes.length,
      r.result.converged,
      r.gpus,
      r.gpu,
      r.costPerHour,
      r.costPerMillion,
      r.meetsTarget,
      g.cheapest === i,
      err?.error ?? r.result.note,
    ];
  });
  return { columns, rows, failed };
}
