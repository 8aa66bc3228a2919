import type { SweepResult } from './sweep.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** Policies whose every reported metric matches: identical decisions on this workload. */
export function identicalGroups(results: readonly SweepResult[]): string[][] {
  const key = (r: SweepResult): string => JSON.stringify([r.summary.e2e, r.summary.ttft, r.summary.sloViolationRate, r.summary.migrations]);
  const groups = new Map<string, string[]>();
  for (const r of results) {
    const k = key(r);
    groups.set(k, [...(groups.get(k) ?? []), String(r.job.labels.policy)]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/**
 * One or two sentences on why GAPS wins or loses on the headline run, from its numbers: its P99 and
 * violations against the best other policy, how much of its routing used predictions, how much it
 * migrated, and how much requests queue at all under least-outstanding routing.
 */
export function explainHeadline(results: readonly SweepResult[]): string {
  const g = results.find((r) => r.job.labels.policy === 'gaps');
  const others = results.filter((r) => r.job.labels.policy !== 'gaps');
  if (!g || others.length === 0) return '';
  const best = [...others].sort((a, b) => a.summary.e2e.p99 - b.summary.e2e.p99)[0] as SweepResult;
  const lo = results.find((r) => r.job.labels.policy === 'least-outstanding') ?? best;
  const d = g.summary.e2e.p99 / best.summary.e2e.p99 - 1;
  const dv = g.summary.sloViolationRate - best.summary.sloViolationRate;
  const share = g.summary.policy.predictiveShare ?? 0;
  const queueing = lo.summary.queueingDelay.mean / Math.max(1e-9, lo.summary.e2e.mean);
  const verdict = Math.abs(d) < 0.02 ? `GAPS ties the best other policy, ${best.job.labels.policy}` : d < 0 ? `GAPS beats the best other policy, ${best.job.labels.policy}` : `GAPS loses to ${best.job.labels.policy}`;
  const why =
    share < 0.1
      ? `only ${pct(share)} of its assignments used predictions (its utilisation signal stayed below u_th), so it routed as shortest-queue plus ${g.summary.migrations} rebalancing moves`
      : `${pct(share)} of its assignments used predicted completion times and it made ${g.summary.migrations} moves`;
  return `${verdict} (P99 ${d >= 0 ? '+' : ''}${pct(d)}, violations ${dv >= 0 ? '+' : ''}${(100 * dv).toFixed(1)} pp): ${why}; requests spend ${pct(queueing)} of their latency queued under least-outstanding, so ${queueing < 0.1 ? 'there is little waiting work for prediction to redirect' : 'there is waiting work that prediction can redirect'}.`;
}
