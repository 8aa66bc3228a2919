import type { SweepResult } from '../sweep.js';

/** Mean over segments with a 95% confidence half-width (Student t). */
export interface Estimate {
  mean: number;
  half: number;
  n: number;
}

const T975 = [Number.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

export function estimate(xs: readonly number[]): Estimate {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / Math.max(1, n);
  if (n < 2) return { mean, half: 0, n };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const t = T975[Math.min(n - 1, 10)] ?? 1.96;
  return { mean, half: (t * sd) / Math.sqrt(n), n };
}

/** One aggregated cell: a point of a figure over its segments, with the per-segment values kept for pairing. */
export interface Cell {
  figure: string;
  workload: string;
  instances: number;
  policy: string;
  error: number | undefined;
  bias: number | undefined;
  p99: Estimate;
  violations: Estimate;
  migrations: Estimate;
  meanE2e: Estimate;
  /** Per segment, by segment index. */
  seg: { p99: number[]; violations: number[]; segment: number[] };
  /** Mean share of predictive assignments (GAPS variants), NaN otherwise. */
  predictiveShare: number;
}

/** Groups sweep results by every label except the segment and aggregates each group. */
export function aggregate(results: readonly SweepResult[]): Cell[] {
  const groups = new Map<string, SweepResult[]>();
  for (const r of results) {
    const { segment: _segment, ...rest } = r.job.labels;
    const key = JSON.stringify(rest);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((g) => {
    g.sort((a, b) => Number(a.job.labels.segment) - Number(b.job.labels.segment));
    const l = (g[0] as SweepResult).job.labels;
    const share = g.map((r) => r.summary.policy.predictiveShare).filter((x): x is number => typeof x === 'number');
    return {
      figure: String(l.figure),
      workload: String(l.workload),
      instances: Number(l.instances),
      policy: String(l.policy),
      error: l.error === undefined ? undefined : Number(l.error),
      bias: l.bias === undefined ? undefined : Number(l.bias),
      p99: estimate(g.map((r) => r.summary.e2e.p99)),
      violations: estimate(g.map((r) => r.summary.sloViolationRate)),
      migrations: estimate(g.map((r) => r.summary.migrations)),
      meanE2e: estimate(g.map((r) => r.summary.e2e.mean)),
      seg: { p99: g.map((r) => r.summary.e2e.p99), violations: g.map((r) => r.summary.sloViolationRate), segment: g.map((r) => Number(r.job.labels.segment)) },
      predictiveShare: share.length ? share.reduce((s, x) => s + x, 0) / share.length : Number.NaN,
    };
  });
}

/**
 * Paired difference a - b of a metric over the segments both cells ran on, with its 95% interval:
 * the same segment removes the variation between segments, which is larger than the policies'.
 */
export function paired(a: Cell, b: Cell, metric: 'p99' | 'violations'): Estimate {
  const d: number[] = [];
  a.seg.segment.forEach((s, i) => {
    const j = b.seg.segment.indexOf(s);
    if (j >= 0) d.push((a.seg[metric][i] as number) - (b.seg[metric][j] as number));
  });
  return estimate(d);
}

/** Paired relative change of P99, a / b - 1 per segment. */
export function pairedRatio(a: Cell, b: Cell): Estimate {
  const d: number[] = [];
  a.seg.segment.forEach((s, i) => {
    const j = b.seg.segment.indexOf(s);
    if (j >= 0) d.push((a.seg.p99[i] as number) / (b.seg.p99[j] as number) - 1);
  });
  return estimate(d);
}

/** Whether an interval excludes zero. */
export const significant = (e: Estimate): boolean => e.n >= 2 && Math.abs(e.mean) > e.half;

export function find(cells: readonly Cell[], q: Partial<Pick<Cell, 'figure' | 'workload' | 'instances' | 'policy' | 'error' | 'bias'>>): Cell | undefined {
  return cells.find(
    (c) =>
      (q.figure === undefined || c.figure === q.figure) &&
      (q.workload === undefined || c.workload === q.workload) &&
      (q.instances === undefined || c.instances === q.instances) &&
      (q.policy === undefined || c.policy === q.policy) &&
      (q.error === undefined || c.error === q.error) &&
      (q.bias === undefined || c.bias === q.bias),
  );
}

export function toCsv(cells: readonly Cell[]): string {
  const head = 'figure,workload,instances,policy,error,bias,p99_e2e_s,p99_ci95,slo_violation_rate,violation_ci95,mean_e2e_s,migrations,predictive_share,segments';
  const rows = cells.map((c) =>
    [
      c.figure,
      c.workload,
      c.instances,
      c.policy,
      c.error ?? '',
      c.bias ?? '',
      c.p99.mean,
      c.p99.half,
      c.violations.mean,
      c.violations.half,
      c.meanE2e.mean,
      c.migrations.mean,
      Number.isNaN(c.predictiveShare) ? '' : c.predictiveShare,
      c.p99.n,
    ].join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}
