import { expandGrid, parseGrid, type Grid, type GridPoint } from './grid.js';
import type { PointTask } from './point.js';
import { pointId } from './pointId.js';
import { runWithStore, type ResultStore, type SweepRunner } from './runner.js';
import { buildSweepTable, checkMetricPaths, type SweepTable } from './table.js';

/** A grid expanded into points, each with its id (config hash + project version). */
export interface SweepPlan {
  readonly grid: Grid;
  readonly points: readonly GridPoint[];
  readonly ids: readonly string[];
  readonly tasks: readonly PointTask[];
  readonly version: string;
}

export function planSweep(input: unknown, version: string, file = 'grid'): SweepPlan {
  const grid = parseGrid(input, file);
  const points = expandGrid(grid, file);
  const ids = points.map((p) => pointId(p.config, version));
  const tasks = points.map((p, i) => ({ id: ids[i] as string, config: p.config }));
  return { grid, points, ids, tasks, version };
}

export interface SweepRun {
  readonly table: SweepTable;
  /** Points whose outcome came from the store (an earlier, interrupted run). */
  readonly reused: number;
  /** Distinct points (equal configs count once). */
  readonly distinct: number;
}

/** Runs a planned sweep (what the store lacks) and builds its table. */
export async function runSweepPlan(
  plan: SweepPlan,
  runner: SweepRunner,
  store: ResultStore,
  progress?: (done: number, total: number) => void,
): Promise<SweepRun> {
  const { outcomes, reused } = await runWithStore(plan.tasks, runner, store, progress);
  checkMetricPaths(plan.grid.metrics, outcomes.values());
  return { table: buildSweepTable(plan.points, plan.ids, outcomes, plan.grid.metrics), reused, distinct: outcomes.size };
}
