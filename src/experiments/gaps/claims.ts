import { BASELINES, ERRORS, STUDY_SIZE, WORKLOADS } from './design.js';
import { find, type Cell } from './analysis.js';

export type Verdict = 'holds' | 'partly holds' | 'does not hold' | 'not measured';

export interface ClaimResult {
  id: string;
  figure: string;
  claim: string;
  measured: string;
  verdict: Verdict;
  why: string;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const pp = (x: number): string => `${(100 * x).toFixed(1)} pp`;

interface Ctx {
  cells: readonly Cell[];
  /** Cluster size of the ablation and robustness studies in this run. */
  study: number;
}

function bestBaseline(c: Ctx, workload: string, n: number): Cell | undefined {
  let best: Cell | undefined;
  for (const b of BASELINES) {
    const cell = find(c.cells, { figure: 'fig3', workload, instances: n, policy: b });
    if (cell && (!best || cell.p99.mean < best.p99.mean)) best = cell;
  }
  return best;
}

function p99Reduction(c: Ctx, workload: string, n: number): number | undefined {
  const g = find(c.cells, { figure: 'fig3', workload, instances: n, policy: 'gaps' });
  const b = bestBaseline(c, workload, n);
  return g && b ? 1 - g.p99.mean / b.p99.mean : undefined;
}

function grade(x: number, low: number): Verdict {
  return x >= low ? 'holds' : x > 0 ? 'partly holds' : 'does not hold';
}

type Rule = (c: Ctx) => Omit<ClaimResult, 'id' | 'figure' | 'claim'>;

const missing = { measured: '-', verdict: 'not measured' as Verdict, why: 'the cells this claim needs were not run' };

const RULES: { id: string; figure: string; claim: string; rule: Rule }[] = [
  {
    id: 'C1',
    figure: 'Fig. 3',
    claim: 'Code workload, N = 8, 16: GAPS cuts P99 latency by 15-20% against the best baseline.',
    rule: (c) => {
      const r = [8, 16].map((n) => p99Reduction(c, 'code', n));
      if (r.some((x) => x === undefined)) return missing;
      const xs = r as number[];
      return {
        measured: `N=8: ${pct(xs[0] as number)}, N=16: ${pct(xs[1] as number)}`,
        verdict: grade(Math.min(...xs), 0.15),
        why: 'reduction of the seed-mean P99 against the baseline with the lowest P99 at the same size',
      };
    },
  },
  {
    id: 'C2',
    figure: 'Fig. 3',
    claim: 'Conversation workload: the improvement is larger than for code (N = 8, 16).',
    rule: (c) => {
      const code = [8, 16].map((n) => p99Reduction(c, 'code', n));
      const conv = [8, 16].map((n) => p99Reduction(c, 'conversation', n));
      if ([...code, ...conv].some((x) => x === undefined)) return missing;
      const mc = ((code[0] as number) + (code[1] as number)) / 2;
      const mv = ((conv[0] as number) + (conv[1] as number)) / 2;
      return {
        measured: `mean reduction conversation ${pct(mv)} vs code ${pct(mc)}`,
        verdict: mv > mc && mv > 0 ? 'holds' : 'does not hold',
        why: 'average over N = 8 and 16 of the P99 reduction against the best baseline',
      };
    },
  },
  {
    id: 'C3',
    figure: 'Fig. 3',
    claim: 'SLO violation rate 10-15 percentage points lower than the baselines (N = 8, 16).',
    rule: (c) => {
      const diffs: number[] = [];
      for (const w of WORKLOADS) {
        for (const n of [8, 16]) {
          const g = find(c.cells, { figure: 'fig3', workload: w, instances: n, policy: 'gaps' });
          const bs = BASELINES.map((b) => find(c.cells, { figure: 'fig3', workload: w, instances: n, policy: b }));
          if (!g || bs.some((b) => !b)) return missing;
          const best = Math.min(...bs.map((b) => (b as Cell).violations.mean));
          diffs.push(best - g.violations.mean);
        }
      }
      return {
        measured: `against the best baseline: ${diffs.map(pp).join(', ')} (code N=8, 16; conversation N=8, 16)`,
        verdict: grade(Math.min(...diffs), 0.1),
        why: 'difference of seed-mean violation rates; absolute levels depend on the SLO definition (e2e <= 5x unloaded latency)',
      };
    },
  },
  {
    id: 'C4',
    figure: 'Fig. 3',
    claim: 'Up to 25% lower P99 latency at N = 32.',
    rule: (c) => {
      const r = WORKLOADS.map((w) => p99Reduction(c, w, 32));
      if (r.some((x) => x === undefined)) return missing;
      const best = Math.max(...(r as number[]));
      return {
        measured: `code ${pct(r[0] as number)}, conversation ${pct(r[1] as number)}`,
        verdict: grade(best, 0.2),
        why: 'largest reduction against the best baseline at N = 32 (holds from 20%)',
      };
    },
  },
  {
    id: 'C5',
    figure: 'Fig. 3',
    claim: 'GAPS keeps a stable downward trend in P99 as N grows from 4 to 32.',
    rule: (c) => {
      const series = WORKLOADS.map((w) => [4, 8, 16, 32].map((n) => find(c.cells, { figure: 'fig3', workload: w, instances: n, policy: 'gaps' })?.p99.mean));
      if (series.flat().some((x) => x === undefined)) return missing;
      const mono = series.every((s) => s.every((x, i) => i === 0 || (x as number) <= (s[i - 1] as number) * 1.02));
      return {
        measured: series.map((s, i) => `${WORKLOADS[i]}: ${s.map((x) => (x as number).toFixed(2)).join(' > ')} s`).join('; '),
        verdict: mono ? 'holds' : 'does not hold',
        why: 'P99 non-increasing (2% tolerance) over N = 4, 8, 16, 32 at the same per-instance load',
      };
    },
  },
  {
    id: 'C6',
    figure: 'Fig. 3',
    claim: 'Code: GAPS violations fall from above 50% at N = 4 to below 25% at N = 32; baselines stay around 35-40%.',
    rule: (c) => {
      const g4 = find(c.cells, { figure: 'fig3', workload: 'code', instances: 4, policy: 'gaps' });
      const g32 = find(c.cells, { figure: 'fig3', workload: 'code', instances: 32, policy: 'gaps' });
      const bs = BASELINES.map((b) => find(c.cells, { figure: 'fig3', workload: 'code', instances: 32, policy: b }));
      if (!g4 || !g32 || bs.some((b) => !b)) return missing;
      const ok = g4.violations.mean > 0.5 && g32.violations.mean < 0.25;
      return {
        measured: `GAPS ${pct(g4.violations.mean)} at N=4, ${pct(g32.violations.mean)} at N=32; baselines at N=32: ${bs.map((b) => pct((b as Cell).violations.mean)).join(', ')}`,
        verdict: ok ? 'holds' : g32.violations.mean < g4.violations.mean ? 'partly holds' : 'does not hold',
        why: 'absolute violation levels depend on the SLO, which the paper does not define; the trend is the comparable part',
      };
    },
  },
  {
    id: 'C7',
    figure: 'Fig. 4',
    claim: 'NoPred: P99 latency more than 30% higher than GAPS.',
    rule: (c) => {
      const r = WORKLOADS.map((w) => {
        const g = find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: 'gaps' });
        const np = find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: 'gaps-nopred' });
        return g && np ? np.p99.mean / g.p99.mean - 1 : undefined;
      });
      if (r.some((x) => x === undefined)) return missing;
      return {
        measured: `code +${pct(r[0] as number)}, conversation +${pct(r[1] as number)}`,
        verdict: grade(Math.min(...(r as number[])), 0.3),
        why: `P99 of NoPred over GAPS at N = ${c.study}`,
      };
    },
  },
  {
    id: 'C8',
    figure: 'Fig. 4',
    claim: 'NoPred violation rates exceed 45% (code) and nearly 60% (conversation).',
    rule: (c) => {
      const v = WORKLOADS.map((w) => find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: 'gaps-nopred' })?.violations.mean);
      if (v.some((x) => x === undefined)) return missing;
      const ok = (v[0] as number) > 0.45 && (v[1] as number) > 0.55;
      return {
        measured: `code ${pct(v[0] as number)}, conversation ${pct(v[1] as number)}`,
        verdict: ok ? 'holds' : 'does not hold',
        why: 'absolute levels depend on the SLO definition and the load, which the paper does not give',
      };
    },
  },
  {
    id: 'C9',
    figure: 'Fig. 4',
    claim: 'NoRebal: violation rates 8-10 percentage points higher than GAPS.',
    rule: (c) => {
      const d = WORKLOADS.map((w) => {
        const g = find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: 'gaps' });
        const nr = find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: 'gaps-norebal' });
        return g && nr ? nr.violations.mean - g.violations.mean : undefined;
      });
      if (d.some((x) => x === undefined)) return missing;
      return {
        measured: `code ${pp(d[0] as number)}, conversation ${pp(d[1] as number)}`,
        verdict: grade(Math.min(...(d as number[])), 0.08),
        why: `difference of violation rates NoRebal - GAPS at N = ${c.study}`,
      };
    },
  },
  {
    id: 'C10',
    figure: 'Fig. 4',
    claim: 'NoGlobal performs worst among the ablations (latency and violations).',
    rule: (c) => {
      const worst = WORKLOADS.map((w) => {
        const cells = ['gaps-nopred', 'gaps-norebal', 'gaps-noglobal'].map((p) => find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: p }));
        if (cells.some((x) => !x)) return undefined;
        const byP99 = [...(cells as Cell[])].sort((a, b) => b.p99.mean - a.p99.mean)[0]?.policy;
        const byV = [...(cells as Cell[])].sort((a, b) => b.violations.mean - a.violations.mean)[0]?.policy;
        return `${w}: worst P99 ${byP99}, worst violations ${byV}`;
      });
      if (worst.some((x) => x === undefined)) return missing;
      const ok = worst.every((s) => (s as string).match(/gaps-noglobal.*gaps-noglobal/));
      return { measured: worst.join('; '), verdict: ok ? 'holds' : 'does not hold', why: 'ranking of seed means' };
    },
  },
  {
    id: 'C11',
    figure: 'Fig. 4',
    claim: 'Full GAPS outperforms every ablation.',
    rule: (c) => {
      const rows = WORKLOADS.map((w) => {
        const g = find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: 'gaps' });
        const others = ['gaps-nopred', 'gaps-norebal', 'gaps-noglobal'].map((p) => find(c.cells, { figure: 'fig4', workload: w, instances: c.study, policy: p }));
        if (!g || others.some((x) => !x)) return undefined;
        return (others as Cell[]).filter((o) => o.p99.mean <= g.p99.mean).map((o) => `${o.policy} (${w})`);
      });
      if (rows.some((x) => x === undefined)) return missing;
      const beaten = (rows as string[][]).flat();
      return {
        measured: beaten.length ? `ablations with P99 <= GAPS: ${beaten.join(', ')}` : 'GAPS has the lowest P99 in both workloads',
        verdict: beaten.length === 0 ? 'holds' : 'does not hold',
        why: 'comparison of seed-mean P99',
      };
    },
  },
  {
    id: 'C12',
    figure: 'Fig. 5',
    claim: 'GAPS keeps P99 low at 0-20% prediction error and degrades gracefully at 30-40%.',
    rule: (c) => {
      const r = WORKLOADS.map((w) => ERRORS.map((e) => find(c.cells, { figure: 'fig5', workload: w, policy: 'gaps', error: e })?.p99.mean));
      if (r.flat().some((x) => x === undefined)) return missing;
      const ok = r.every((s) => (s[2] as number) <= 1.1 * (s[0] as number) && (s[4] as number) <= 1.25 * (s[0] as number));
      return {
        measured: r.map((s, i) => `${WORKLOADS[i]}: ${s.map((x) => (x as number).toFixed(2)).join(', ')} s at 0..40%`).join('; '),
        verdict: ok ? 'holds' : 'does not hold',
        why: 'holds when P99 at 20% is within 10% of error-free and at 40% within 25%',
      };
    },
  },
  {
    id: 'C13',
    figure: 'Fig. 5',
    claim: 'GAPS has lower violation rates than NoPred at every error level, and the gap widens at 30-40%.',
    rule: (c) => {
      const gaps = WORKLOADS.map((w) =>
        ERRORS.map((e) => {
          const g = find(c.cells, { figure: 'fig5', workload: w, policy: 'gaps', error: e });
          const n = find(c.cells, { figure: 'fig5', workload: w, policy: 'gaps-nopred', error: e });
          return g && n ? n.violations.mean - g.violations.mean : undefined;
        }),
      );
      if (gaps.flat().some((x) => x === undefined)) return missing;
      const lower = gaps.every((s) => s.every((d) => (d as number) > 0));
      const widens = gaps.every((s) => ((s[3] as number) + (s[4] as number)) / 2 > ((s[0] as number) + (s[1] as number)) / 2);
      return {
        measured: gaps.map((s, i) => `${WORKLOADS[i]}: NoPred - GAPS = ${s.map((d) => pp(d as number)).join(', ')}`).join('; '),
        verdict: lower && widens ? 'holds' : lower ? 'partly holds' : 'does not hold',
        why: 'differences of seed-mean violation rates at 0, 10, 20, 30, 40% error',
      };
    },
  },
];

export function evaluateClaims(cells: readonly Cell[], study = STUDY_SIZE): ClaimResult[] {
  const ctx: Ctx = { cells, study };
  return RULES.map((r) => ({ id: r.id, figure: r.figure, claim: r.claim, ...r.rule(ctx) }));
}
