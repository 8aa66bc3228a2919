import { paired, pairedRatio, significant, type Cell, type Estimate } from './analysis.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * One or two sentences on why GAPS wins or loses against a comparison cell, computed from the
 * measured numbers (not a canned verdict): the paired P99 and violation differences, how much of
 * GAPS's routing actually used predictions, and how much it migrated.
 */
export function explainGaps(gaps: Cell, other: Cell): string {
  const r: Estimate = pairedRatio(gaps, other);
  const dv: Estimate = paired(gaps, other, 'violations');
  const p99 = significant(r) ? `${r.mean < 0 ? 'lower' : 'higher'} P99 (${pct(r.mean)} ± ${pct(r.half)})` : `the same P99 within noise (${pct(r.mean)} ± ${pct(r.half)})`;
  const viol = significant(dv) ? `${dv.mean < 0 ? 'fewer' : 'more'} violations (${(100 * dv.mean).toFixed(1)} ± ${(100 * dv.half).toFixed(1)} pp)` : 'the same violation rate within noise';
  const share = gaps.predictiveShare;
  let why: string;
  if (Number.isNaN(share)) why = '';
  else if (share < 0.1) why = ` Only ${pct(share)} of its assignments used predictions (its utilisation signal stayed below u_th), so it acted as shortest-queue routing plus ${gaps.migrations.mean.toFixed(0)} rebalancing moves per run.`;
  else why = ` ${pct(share)} of its assignments used predicted completion times and it made ${gaps.migrations.mean.toFixed(0)} moves per run against ${other.migrations.mean.toFixed(0)} for ${other.policy}.`;
  return `GAPS has ${p99} and ${viol} against ${other.policy} (${gaps.workload}, N = ${gaps.instances}, paired over ${r.n} segments).${why}`;
}
