import type { PaperTable } from './paperTables.js';
import type { Cell, PairedCheck } from './reproduce.js';

/** Plain-text and CSV renderings of reproduced tables; pure functions, no I/O. */

const num = (v: number | undefined, d = 4): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
const signed = (v: number | undefined, d = 4): string =>
  v === undefined || !Number.isFinite(v) ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;

function pad(cols: string[], widths: number[]): string {
  return cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' ').trimEnd();
}

/** One table: a block of rows per column of the paper, lambda by lambda. */
export function formatTable(t: PaperTable, cells: readonly Cell[]): string[] {
  const widths = [22, 6, 10, 10, 12, 29, 10, 8];
  const head = ['column', 'lambda', 'paper', 'exact', 'exact-paper', 'simulated [95% CI]', 'sim-exact', 'T*'];
  const lines = [t.title, pad(head, widths), '-'.repeat(widths.reduce((a, b) => a + b + 1, 0))];
  for (const c of cells) {
    const sim = c.sim ? `${num(c.sim.mean)} [${num(c.sim.lo)}, ${num(c.sim.hi)}]` : '-';
    const diff = c.exact === undefined ? undefined : c.exact - c.paper;
    const simDiff = c.sim && c.exact !== undefined ? c.sim.mean - c.exact : undefined;
    lines.push(
      pad(
        [c.column, c.lambda.toFixed(2), num(c.paper), num(c.exact), signed(diff), sim, signed(simDiff), c.threshold === undefined ? '' : num(c.threshold, 3)],
        widths,
      ),
    );
  }
  return lines;
}

export function formatPaired(checks: readonly PairedCheck[]): string[] {
  const lines = [
    'Paired check of Table 1 (same random numbers; control variate with an exact mean):',
    'policy  control  lambda  jobs       paper     exact     simulated +- 95%     exact in CI  paper in CI',
  ];
  const inCi = (v: number, c: PairedCheck): string => (Math.abs(v - c.estimate) <= c.halfWidth ? 'yes' : 'no');
  for (const c of checks) {
    lines.push(
      `${c.policy.padEnd(7)} ${c.control.padEnd(8)} ${c.lambda.toFixed(2).padEnd(7)} ${String(c.jobs).padEnd(10)} ` +
        `${num(c.paper)}    ${num(c.exact)}    ${num(c.estimate)} +- ${num(c.halfWidth)}  ${inCi(c.exact, c).padEnd(12)} ${inCi(c.paper, c)}`,
    );
  }
  return lines;
}

/**
 * Observations drawn from the numbers themselves: Table 1 columns whose printed values do not
 * follow from the exact formulas (to 4 decimals), printed FIFO values that contradict the
 * Pollaczek-Khinchine formula (the paper computed FIFO, so a mismatch is a typo), and simulated
 * cells more than 1% away from the exact value.
 */
export function discrepancyNotes(cells: readonly Cell[]): string[] {
  const notes: string[] = [];
  const byColumn = new Map<string, Cell[]>();
  for (const c of cells) {
    const k = `${c.table}|${c.column}`;
    byColumn.set(k, [...(byColumn.get(k) ?? []), c]);
  }
  for (const [k, cs] of byColumn) {
    const [table, column] = k.split('|') as [string, string];
    const off = cs.filter((c) => c.exact !== undefined && Math.abs(c.exact - c.paper) > 0.5e-4 + 1e-9);
    if (table === 'table1') {
      if (off.length === 0) {
        notes.push(`${table} ${column}: all ${cs.length} printed values reproduced to 4 decimals by the exact formula.`);
      } else {
        const worst = off.reduce((a, b) => (Math.abs((b.exact as number) - b.paper) > Math.abs((a.exact as number) - a.paper) ? b : a));
        notes.push(
          `${table} ${column}: ${off.length} of ${cs.length} printed values differ from the exact formula ` +
            `(exact - paper from ${signed((off[0]?.exact as number) - (off[0]?.paper as number))} at lambda ${off[0]?.lambda} ` +
            `to ${signed((worst.exact as number) - worst.paper)} at lambda ${worst.lambda}); see the paired check.`,
        );
      }
      continue;
    }
    for (const c of cs) {
      if (c.exact === undefined) continue;
      const rel = Math.abs(c.paper - c.exact) / c.exact;
      if (c.policy === 'fifo' && Math.abs(c.paper - c.exact) > 0.01) {
        notes.push(`${table} FIFO at lambda ${c.lambda}: printed ${c.paper}, but Pollaczek-Khinchine gives ${num(c.exact)}: a typo.`);
      } else if (c.policy !== 'fifo' && rel > 0.01) {
        const inCi = c.sim ? (c.paper >= c.sim.lo && c.paper <= c.sim.hi ? 'inside' : 'outside') : 'n/a';
        notes.push(
          `${table} ${column} at lambda ${c.lambda}: printed ${c.paper} vs exact ${num(c.exact)} (${(100 * (c.paper / c.exact - 1)).toFixed(1)}%); ` +
            `the printed value (itself a simulation) is ${inCi} our 95% simulation interval.`,
        );
      }
    }
  }
  return notes;
}

export const CSV_HEADER =
  'table,column,policy,prediction,lambda,threshold,paper,exact,exact_minus_paper,sim_mean,sim_lo,sim_hi,sim_minus_exact,sim_jobs';

export function toCsvRows(cells: readonly Cell[]): string[] {
  const f = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '' : String(v));
  return cells.map((c) =>
    [
      c.table,
      `"${c.column}"`,
      c.policy,
      c.prediction,
      f(c.lambda),
      f(c.threshold),
      f(c.paper),
      f(c.exact),
      f(c.exact === undefined ? undefined : c.exact - c.paper),
      f(c.sim?.mean),
      f(c.sim?.lo),
      f(c.sim?.hi),
      f(c.sim && c.exact !== undefined ? c.sim.mean - c.exact : undefined),
      f(c.sim?.jobs),
    ].join(','),
  );
}
