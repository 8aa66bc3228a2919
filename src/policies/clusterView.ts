import type { InstanceRole } from '../model/instance.js';

/**
 * What a router may see of one instance. Report fields come from the instance's last monitor
 * report (stale by up to the report interval); the router's own fields (outstanding, sinceReport)
 * are live, because requests and their completions flow through the router. The simulator and the
 * live router fill the same shape, so one routing module serves both.
 */
export interface InstanceView {
  readonly id: number;
  readonly role: InstanceRole;
  /** False when the instance is down or draining: never route there. */
  readonly available: boolean;
  /** Time of the report the fields below come from. */
  readonly reportTime: number;
  readonly waiting: number;
  readonly running: number;
  readonly kvUsedBlocks: number;
  readonly kvTotalBlocks: number;
  /** Tokens per KV block. */
  readonly kvBlockSize: number;
  /**
   * Most sequences the instance batches at once (vLLM max_num_seqs; a live backend reports it with
   * its config). A request that finds this many running waits for one of them to finish.
   */
  readonly maxNumSeqs: number;
  /** kvUsedBlocks / kvTotalBlocks. */
  readonly kvUsage: number;
  /** Prompt tokens waiting for prefill. */
  readonly waitingPromptTokens: number;
  /** Busy fraction over the last report interval. */
  readonly utilization: number;
  /** Fraction of requests completed in the last report interval that missed an SLO. */
  readonly recentSloViolationRate: number;
  /** Requests this router sent to the instance that have not completed (live). */
  readonly outstanding: number;
  /** Requests this router sent since the instance's last report (live). */
  readonly sinceReport: number;
}

/**
 * The fields of `InstanceView` that monitor reports publish (`sinceReport` is the router's own count,
 * reset by each report). The others are static (`id`, `kvTotalBlocks`, `kvBlockSize`, `maxNumSeqs`),
 * the instance's state (`role`, `available`) or the router's live `outstanding`.
 */
export type ReportField =
  | 'reportTime'
  | 'waiting'
  | 'running'
  | 'kvUsedBlocks'
  | 'kvUsage'
  | 'waitingPromptTokens'
  | 'utilization'
  | 'recentSloViolationRate'
  | 'sinceReport';

/** Every report field (what a host keeps current for a policy that declares nothing). */
export const REPORT_FIELDS: readonly ReportField[] = [
  'reportTime',
  'waiting',
  'running',
  'kvUsedBlocks',
  'kvUsage',
  'waitingPromptTokens',
  'utilization',
  'recentSloViolationRate',
  'sinceReport',
];

export interface ClusterView {
  /** Current time from the injected clock (simulated or wall). */
  readonly now: number;
  readonly instances: readonly InstanceView[];
  /**
   * Optional, from a host that keeps it incrementally (the simulator): the available instance with
   * the fewest outstanding requests, ties to the lowest id, -1 when none is available: exactly what
   * `argminAvailable(view, (v) => v.outstanding)` returns, without the scan. Absent: scan.
   */
  readonly leastOutstanding?: () => number;
  /**
   * Optional, from a host that keeps them (the simulator): which views changed since a policy last
   * read them, so a policy that derives per-instance terms can re-read only those. They cover every
   * field but `outstanding` (see `ViewStamps`). Absent: any view may have changed at any time.
   */
  readonly stamps?: ViewStamps;
}

/**
 * Change stamps of a cluster's views: the host calls `touch(i)` (or `touchAll()`) at every change of
 * any field of view i but `outstanding`, so `at[i]` is the value `clock` had at view i's latest
 * change of a covered field. A reader that remembers the clock it last read re-reads exactly the
 * views with a larger stamp. `outstanding` is not covered: it changes at every completion, which
 * changes nothing else a policy sees, and it is a live count a reader reads directly (or through
 * `ClusterView.leastOutstanding`); a term derived from it must not be cached by stamps. The recent
 * `touch` calls are also kept in order (`log`), so a reader that is only a few touches behind can
 * visit the changed views without scanning every stamp (see `loggedSince`).
 */
export class ViewStamps {
  clock = 0;
  readonly at: Float64Array;
  /** The clock of the latest `touchAll` (0: none). */
  allAt = 0;
  /** `log[c & logMask]` is the view `touch` stamped with clock c, for the latest `log.length` clocks. */
  readonly log: Int32Array;
  readonly logMask: number;

  constructor(n: number) {
    this.at = new Float64Array(n);
    let size = 64;
    while (size < 2 * n) size *= 2;
    this.log = new Int32Array(size);
    this.logMask = size - 1;
  }

  touch(i: number): void {
    const c = ++this.clock;
    this.at[i] = c;
    this.log[c & this.logMask] = i;
  }

  touchAll(): void {
    this.at.fill(++this.clock);
    this.allAt = this.clock;
  }

  /**
   * Whether every change after clock `since` is in the log: no `touchAll` since, and no more touches
   * than the log holds. Then the views changed since are `log[c & logMask]` for c in (since, clock],
   * of which those with `at[i] === c` are each view's latest change (visit those, and each changed
   * view is visited once).
   */
  loggedSince(since: number): boolean {
    return this.allAt <= since && this.clock - since <= this.log.length;
  }
}

/**
 * The request as a router sees it: no true output length (that would be an oracle). Callers (the
 * simulator, the live router) reuse one object for every request they route: a policy that keeps
 * anything must copy the fields, never the object.
 */
export interface RoutedRequest {
  readonly id: number;
  readonly arrival: number;
  readonly promptTokens: number;
  readonly type: string;
  readonly sessionId: number | undefined;
  /** Predicted output tokens when a predictor ran before routing; NaN otherwise. */
  readonly predictedOutputTokens: number;
  /** Hashes of the prompt's KV blocks, when known (a live router can hash the prompt itself). */
  readonly prefixHashes?: readonly number[] | undefined;
  /** The request's absolute deadline when the run judges one (SLO mode `deadline: gaps`); absent otherwise. */
  readonly deadline?: number | undefined;
}

/**
 * What a router learns when a request it routed finishes (a live router reads it off the response).
 * Callers may reuse one object for every completion (the simulator does): a policy that keeps
 * anything must copy the fields, never the object.
 */
export interface CompletionInfo {
  readonly id: number;
  readonly instance: number;
  readonly now: number;
  readonly arrival: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly predictedOutputTokens: number;
  readonly firstTokenTime: number;
  /** Whether the request missed an SLO it was judged on. */
  readonly sloViolated: boolean;
  readonly rejected: boolean;
}



/**
 * An instance view with every count at zero; fields given in `over` replace the defaults.
 *
 * One object literal with the overrides stored into it, not a spread (`{ ...defaults, ...over }`): V8
 * gives every property of a literal a slot in the object and keeps a field that takes fractional
 * values (`kvUsage`, `reportTime`, `utilization`, ...) as a double updated in place, whereas a spread
 * copy kept 12 of the 16 fields outside the object in generic form, where every store of a fractional
 * value allocates a new heap number (the simulator's monitor writes four of them per instance per
 * report). Same fields, same values, same order either way.
 */
export function blankInstanceView(id: number, over: Partial<InstanceView> = {}): InstanceView {
  // The fields that take fractional values start as NaN and are then set to 0: a literal 0 would make
  // them small-integer fields, and the first fractional store (the first SLO violation can come late
  // in a run) would change every view's hidden class at once, deoptimising every function that reads
  // views. NaN starts them as doubles; the values are the same.
  const v: { -readonly [K in keyof InstanceView]: InstanceView[K] } = {
    id,
    role: 'mixed',
    available: true,
    reportTime: Number.NaN,
    waiting: 0,
    running: 0,
    kvUsedBlocks: 0,
    kvTotalBlocks: 1000,
    kvBlockSize: 16,
    maxNumSeqs: 256,
    kvUsage: Number.NaN,
    waitingPromptTokens: 0,
    utilization: Number.NaN,
    recentSloViolationRate: Number.NaN,
    outstanding: 0,
    sinceReport: 0,
  };
  v.reportTime = 0;
  v.kvUsage = 0;
  v.utilization = 0;
  v.recentSloViolationRate = 0;
  return Object.assign(v, over);
}
