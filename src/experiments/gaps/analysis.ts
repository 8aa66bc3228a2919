import type { SweepResult } from '../sweep.js';

/** Mean over seeds with a 95% confidence half-width (Student t). */
export interface Estimate {
  mean: number;
  half: number;
  n: number;
}

const T975 = [Number.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

export function estimate(xs: readonly number[]): Estimate {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { mean, half: 0, n };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const t = T975[Math.min(n - 1, 10)] ?? 1.96;
  return { mean, half: (t * sd) / Math.sqrt(n), n };
}

/** One aggregated cell: a point of a figure averaged over seeds. */
export interface Cell {
  figure: string;
  workload: string;
  instances: number;
  policy: string;
  error: number | undefined;
  p99: Estimate;
  violations: Estimate;
  migrations: Estimate;
  meanE2e: Estimate;
}

/** Groups sweep results by every label except the seed and aggregates each group. */
export function aggregate(results: readonly SweepResult[]): Cell[] {
  const groups = new Map<string, SweepResult[]>();
  for (const r of results) {
    const { seed: _seed, ...rest } = r.job.labels;
    const key = JSON.stringify(rest);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((g) => {
    const l = (g[0] as SweepResult).job.labels;
    return {
      figure: String(l.figure),
      workload: String(l.workload),
      instances: Number(l.instances),
      policy: String(l.policy),
      error: l.error === undefined ? undefined : Number(l.error),
      p99: estimate(g.map((r) => r.summary.e2e.p99)),
      violations: estimate(g.map((r) => r.summary.sloViolationRate)),
      migrations: estimate(g.map((r) => r.summary.migrations)),
      meanE2e: estimate(g.map((r) => r.summary.e2e.mean)),
    };
  });
}

export function find(cells: readonly Cell[], q: Partial<Pick<Cell, 'figure' | 'workload' | 'instances' | 'policy' | 'error'>>): Cell | undefined {
  return cells.find(
    (c) =>
      (q.figure === undefined || c.figure === q.figure) &&
      (q.workload === undefined || c.workload === q.workload) &&
      (q.instances === undefined || c.instances === q.instances) &&
      (q.policy === undefined || c.policy === q.policy) &&
      (q.error === undefined || c.error === q.error),
  );
}

export function toCsv(cells: readonly Cell[]): string {
  const head = 'figure,workload,instances,policy,error,p99_e2e_s,p99_ci95,slo_violation_rate,violation_ci95,mean_e2e_s,migrations,seeds';
  const rows = cells.map((c) =>
    [
      c.figure,
      c.workload,
      c.instances,
      c.policy,
      c.error ?? '',
      c.p99.mean,
      c.p99.half,
      c.violations.mean,
      c.violations.half,
      c.meanE2e.mean,
      c.migrations.mean,
      c.p99.n,
    ].join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}
