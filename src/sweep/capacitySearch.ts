import { ConfigError } from '../core/errors.js';
import { DEFAULT_LOAD, type SimulateInput } from '../run/config.js';
import { cloneJson, deletePath, getPath, setPath } from './keyPath.js';
import { runPoint, type PointOutcome } from './point.js';
import { checkSlo, formatSlo, parseSlo, type ClauseCheck, type Slo } from './sloExpr.js';

/**
 * Capacity: the highest arrival rate (or load) at which an SLO holds, by bisection. Every probe is
 * the same config (same seed, so the same requests in the same order) with only the rate changed.
 * From the first probe the search doubles (or halves) until the SLO fails (or holds), then bisects
 * the bracket until it is narrower than `tolerance` times its upper end. It assumes the SLO, once
 * broken, stays broken at higher rates; when a run is not monotone the result is a rate that held
 * with a higher one that did not, which the probes list shows.
 *
 * `CapacitySearch` is a state machine (`next` gives the config to run, `record` takes its outcome),
 * so many searches can share one runner and advance in rounds; `findCapacity` drives one search.
 */
export type CapacityAxis = 'rate' | 'load';

export interface CapacityOptions {
  readonly axis?: CapacityAxis;
  readonly start?: number;
  readonly tolerance?: number;
  readonly maxProbes?: number;
}

export interface CapacityProbe {
  /** Rate (req/s) or load, as the axis says. */
  readonly value: number;
  readonly holds: boolean;
  /** The offered rate in req/s (for a load probe: load × nominal capacity). */
  readonly offeredRps: number | null;
  readonly clauses: readonly ClauseCheck[];
  readonly error?: string;
}

export interface CapacityResult {
  readonly axis: CapacityAxis;
  readonly slo: string;
  /** Highest probed value at which the SLO held (null: it held at none). */
  readonly capacity: number | null;
  /** The offered rate at that probe, req/s. */
  readonly capacityRps: number | null;
  /** Highest value that held and lowest that failed (null where none was found). */
  readonly bracket: { readonly lo: number | null; readonly hi: number | null };
  /** Every probe, in the order made. */
  readonly probes: readonly CapacityProbe[];
  /** Whether the bracket closed to the tolerance within the probe budget. */
  readonly converged: boolean;
  readonly note: string;
}

export class CapacitySearch {
  readonly axis: CapacityAxis;
  private readonly start: number;
  private readonly tolerance: number;
  private readonly maxProbes: number;
  private readonly probes: CapacityProbe[] = [];
  private lo: CapacityProbe | undefined;
  private hi: CapacityProbe | undefined;
  private pending: number | undefined;
  private stopped: string | undefined;
  private converged = false;

  constructor(
    private readonly base: SimulateInput,
    private readonly slo: Slo,
    opts: CapacityOptions = {},
  ) {
    const rate = getPath(base, 'workload.rate');
    this.axis = opts.axis ?? (typeof rate === 'number' ? 'rate' : 'load');
    const given = getPath(base, `workload.${this.axis}`);
    const start = opts.start ?? (typeof given === 'number' ? given : this.axis === 'load' ? DEFAULT_LOAD : undefined);
    if (start === undefined || !(start > 0)) {
      throw new ConfigError(`capacity: searching the ${this.axis} needs a positive start: give --start or workload.${this.axis}`);
    }
    this.start = start;
    this.tolerance = opts.tolerance ?? 0.02;
    this.maxProbes = opts.maxProbes ?? 16;
    if (!(this.tolerance > 0 && this.tolerance < 1)) throw new ConfigError(`capacity: tolerance must be in (0, 1), got ${this.tolerance}`);
    if (!(Number.isInteger(this.maxProbes) && this.maxProbes >= 2)) throw new ConfigError(`capacity: maxProbes must be an integer >= 2, got ${this.maxProbes}`);
  }

  /** The config of the next probe, or undefined when the search is over. */
  next(): SimulateInput | undefined {
    if (this.pending !== undefined) throw new Error('CapacitySearch.next: the previous probe has no outcome yet');
    const v = this.nextValue();
    if (v === undefined) return undefined;
    this.pending = v;
    return this.configAt(v);
  }

  /** The config this search runs at `value` (the base with only the searched key changed). */
  configAt(value: number): SimulateInput {
    const c = cloneJson(this.base) as Record<string, unknown>;
    deletePath(c, this.axis === 'rate' ? 'workload.load' : 'workload.rate');
    setPath(c, `workload.${this.axis}`, value);
    return c as SimulateInput;
  }

  record(outcome: PointOutcome): void {
    const value = this.pending;
    if (value === undefined) throw new Error('CapacitySearch.record: no probe is pending');
    this.pending = undefined;
    if (!outcome.ok) {
      this.probes.push({ value, holds: false, offeredRps: null, clauses: [], error: outcome.error });
      this.stopped = `the probe at ${this.axis} ${value} failed: ${outcome.error}`;
      return;
    }
    const check = checkSlo(this.slo, outcome.metrics);
    const offered = outcome.metrics.offeredRps;
    const p: CapacityProbe = { value, holds: check.holds, offeredRps: typeof offered === 'number' ? offered : null, clauses: check.clauses };
    this.probes.push(p);
    // A metric with no value (null: not measured for this config, or nothing completed) would send
    // the search down to zero; stop and say which.
    const blank = check.clauses.filter((c) => !Number.isFinite(c.value));
    if (blank.length) {
      this.stopped = `${blank.map((c) => `'${c.clause}'`).join(', ')} had no value at ${this.axis} ${value} (null in the run summary: is it measured for this config?)`;
      return;
    }
    if (p.holds && (this.lo === undefined || value > this.lo.value)) this.lo = p;
    if (!p.holds && (this.hi === undefined || value < this.hi.value)) this.hi = p;
  }

  get done(): boolean {
    return this.pending === undefined && this.nextValue() === undefined;
  }

  private nextValue(): number | undefined {
    if (this.stopped !== undefined) return undefined;
    const lo = this.lo?.value;
    const hi = this.hi?.value;
    if (lo !== undefined && hi !== undefined && hi - lo <= this.tolerance * hi) {
      this.converged = true;
      return undefined;
    }
    if (this.probes.length >= this.maxProbes) {
      this.stopped = `stopped after ${this.maxProbes} probes`;
      return undefined;
    }
    if (lo === undefined && hi === undefined) return this.start;
    if (hi === undefined) return (lo as number) * 2;
    if (lo === undefined) return hi / 2;
    return (lo + hi) / 2;
  }

  result(): CapacityResult {
    const lo = this.lo;
    const hi = this.hi;
    let note: string;
    if (this.converged) note = `bracket closed to ${(this.tolerance * 100).toFixed(3).replace(/\.?0+$/, '')}% of its upper end`;
    else if (!lo) note = `the SLO held at no probed ${this.axis}${this.stopped ? ` (${this.stopped})` : ''}`;
    else if (!hi) note = `the SLO held at every probed ${this.axis}, up to ${lo.value}${this.stopped ? ` (${this.stopped})` : ''}`;
    else note = this.stopped ?? 'not finished';
    return {
      axis: this.axis,
      slo: formatSlo(this.slo),
      capacity: lo?.value ?? null,
      capacityRps: lo?.offeredRps ?? null,
      bracket: { lo: lo?.value ?? null, hi: hi?.value ?? null },
      probes: [...this.probes],
      converged: this.converged,
      note,
    };
  }
}

/**
 * The capacity of one config under an SLO. `run` executes a probe (default: in this thread);
 * pass a pool's or a queue's runner to put probes elsewhere.
 */
export async function findCapacity(
  config: SimulateInput,
  slo: Slo | string,
  opts: CapacityOptions & { run?: (config: SimulateInput) => PointOutcome | Promise<PointOutcome> } = {},
): Promise<CapacityResult> {
  const search = new CapacitySearch(config, typeof slo === 'string' ? parseSlo(slo) : slo, opts);
  const run = opts.run ?? runPoint;
  for (let c = search.next(); c !== undefined; c = search.next()) search.record(await run(c));
  return search.result();
}
