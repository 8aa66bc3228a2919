import type { SimulateInput } from '../run/config.js';
import { CapacitySearch, type CapacityOptions, type CapacityResult } from './capacitySearch.js';
import { LocalRunner } from './localRunner.js';
import type { PointOutcome } from './point.js';
import { pointId } from './pointId.js';
import { MemoryStore, runWithStore, type ResultStore, type SweepRunner } from './runner.js';
import { parseSlo, type Slo } from './sloExpr.js';

/**
 * Advances many capacity searches together: each round runs the next probe of every unfinished
 * search as one batch on the runner (so a pool or a queue stays busy while each bisection stays
 * sequential), until every search is done. Probes are points like any other (ids by config hash
 * and version), so the store makes an interrupted run resume.
 */
export async function runSearches(
  searches: readonly CapacitySearch[],
  runner: SweepRunner,
  store: ResultStore,
  version: string,
  hooks: {
    progress?: (probesDone: number, searchesDone: number, searches: number) => void;
    onOutcome?: (search: number, outcome: PointOutcome) => void;
  } = {},
): Promise<{ probes: number; reusedProbes: number }> {
  let probes = 0;
  let reusedProbes = 0;
  for (;;) {
    const tasks = searches.flatMap((s, i) => {
      const c = s.next();
      return c ? [{ i, id: pointId(c, version), config: c }] : [];
    });
    if (tasks.length === 0) break;
    const { outcomes, reused } = await runWithStore(tasks, runner, store);
    reusedProbes += reused;
    for (const t of tasks) {
      const o = outcomes.get(t.id) ?? { ok: false, error: 'no result' };
      (searches[t.i] as CapacitySearch).record(o);
      hooks.onOutcome?.(t.i, o);
      probes++;
    }
    hooks.progress?.(probes, searches.filter((s) => s.done).length, searches.length);
  }
  return { probes, reusedProbes };
}

/**
 * The capacity of several configs under one SLO, their probes run side by side (default: worker
 * threads on `workers` cores, results independent of the count). For experiments comparing
 * policies by capacity.
 */
export async function findCapacities(
  configs: readonly SimulateInput[],
  slo: Slo | string,
  opts: CapacityOptions & { runner?: SweepRunner; workers?: number; store?: ResultStore; version?: string } = {},
): Promise<CapacityResult[]> {
  const parsed = typeof slo === 'string' ? parseSlo(slo) : slo;
  const searches = configs.map((c) => new CapacitySearch(c, parsed, opts));
  const runner = opts.runner ?? new LocalRunner(opts.workers ?? 1);
  try {
    await runSearches(searches, runner, opts.store ?? new MemoryStore(), opts.version ?? 'in-process');
  } finally {
    if (!opts.runner) await runner.close();
  }
  return searches.map((s) => s.result());
}
