import { ConfigError } from '../core/errors.js';
import { getPath, numericPaths } from './keyPath.js';

/**
 * SLO expressions over a run's metrics: `ttft.p50<=0.5,tbt.p99<=0.1` holds when every clause
 * holds. A clause is KEY-PATH OP NUMBER with OP one of <=, <, >=, >; paths are read from the run
 * summary (so `sloAttainment>=0.9` or a field added later works the same way).
 */
export type SloOp = '<=' | '<' | '>=' | '>';

export interface SloClause {
  readonly path: string;
  readonly op: SloOp;
  readonly bound: number;
  /** The clause as written, normalised (no spaces). */
  readonly text: string;
}

export type Slo = readonly SloClause[];

const CLAUSE = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/;

export function parseSlo(expr: string, source = '--slo'): Slo {
  const parts = expr.split(',').map((p) => p.trim());
  const problems: string[] = [];
  const out: SloClause[] = [];
  parts.forEach((p, i) => {
    const m = CLAUSE.exec(p);
    if (!m) {
      problems.push(`clause ${i + 1} '${p}': expected KEY.PATH<=NUMBER (operators <=, <, >=, >), e.g. ttft.p50<=0.5`);
      return;
    }
    const [, path, op, num] = m as unknown as [string, string, SloOp, string];
    out.push({ path, op, bound: Number(num), text: `${path}${op}${num}` });
  });
  if (problems.length) throw new ConfigError(`${source}: ${problems.join('; ')}`);
  return out;
}

export function formatSlo(slo: Slo): string {
  return slo.map((c) => c.text).join(',');
}

export interface ClauseCheck {
  readonly clause: string;
  readonly value: number;
  readonly holds: boolean;
}

export interface SloCheck {
  readonly holds: boolean;
  readonly clauses: readonly ClauseCheck[];
}

/**
 * Judges metrics against an SLO. A path that leads to no number is a user error naming what
 * exists; a non-finite value (no completed request) does not meet any clause.
 */
export function checkSlo(slo: Slo, metrics: unknown): SloCheck {
  const clauses = slo.map((c) => {
    const v = getPath(metrics, c.path);
    if (typeof v !== 'number' && v !== null) {
      const known = numericPaths(metrics);
      const near = known.filter((k) => k.split('.')[0] === c.path.split('.')[0]);
      throw new ConfigError(
        `SLO clause '${c.text}': '${c.path}' is not a number in the run summary; ${near.length ? `under '${c.path.split('.')[0]}': ${near.join(', ')}` : `known: ${known.join(', ')}`}`,
      );
    }
    const value = typeof v === 'number' ? v : Number.NaN;
    const holds = Number.isFinite(value) && compare(value, c.op, c.bound);
    return { clause: c.text, value, holds };
  });
  return { holds: clauses.every((c) => c.holds), clauses };
}

function compare(v: number, op: SloOp, b: number): boolean {
  switch (op) {
    case '<=':
      return v <= b;
    case '<':
      return v < b;
    case '>=':
      return v >= b;
    case '>':
      return v > b;
  }
}
