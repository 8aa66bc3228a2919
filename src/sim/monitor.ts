import type { Instance } from '../model/instance.js';
import { blankInstanceView, REPORT_FIELDS, type ReportField, type ViewStamps } from '../policies/clusterView.js';
import type { InstanceRole, InstanceView } from '../policies/routers/router.js';

/** A router-visible instance view whose fields the simulator updates in place. */
export type MutableInstanceView = { -readonly [K in keyof InstanceView]: InstanceView[K] };

export function newInstanceView(id: number, kvTotalBlocks: number, kvBlockSize: number, role: InstanceRole = 'mixed'): MutableInstanceView {
  return blankInstanceView(id, { kvTotalBlocks, kvBlockSize, role }) as MutableInstanceView;
}

/**
 * The monitor: every report interval each instance publishes queue length, running batch, KV usage,
 * utilisation and its recent SLO-violation rate. Between reports the router sees the last report
 * plus its own live counts.
 *
 * Windowed utilisation and the SLO-violation rate cost more than a copy (a busy time and a division
 * per instance per report, a count per completion), so they are computed only when the run reads
 * them (`reads`, fixed for the run: a window is either kept from the first report on or never, so a
 * value, when computed, is always over the last interval). Unread, they keep their starting 0.
 */
export class Monitor {
  private readonly lastBusy: Float64Array;
  private readonly doneInWindow: Int32Array;
  private readonly violInWindow: Int32Array;
  private lastReport = 0;
  /** Whether `utilization` is read, and kept. */
  private readonly utilization: boolean;
  /** Whether `recentSloViolationRate` is read: then completions must be counted (`recordCompletion`). */
  readonly countsCompletions: boolean;

  constructor(
    private readonly instances: readonly Instance[],
    readonly views: MutableInstanceView[],
    /** Change stamps of the views, touched at every report (optional). */
    private readonly stamps?: ViewStamps,
    /** The report fields the run reads (default: every one). */
    reads: readonly ReportField[] = REPORT_FIELDS,
  ) {
    this.lastBusy = new Float64Array(instances.length);
    this.doneInWindow = new Int32Array(instances.length);
    this.violInWindow = new Int32Array(instances.length);
    this.utilization = reads.includes('utilization');
    this.countsCompletions = reads.includes('recentSloViolationRate');
    // Static engine limits a live backend reports once, with its config.
    for (let i = 0; i < instances.length; i++) (views[i] as MutableInstanceView).maxNumSeqs = (instances[i] as Instance).cfg.maxNumSeqs;
    stamps?.touchAll();
  }

  /** Counts a completion towards the instance's recent SLO-violation rate (only needed when `countsCompletions`). */
  recordCompletion(instance: number, violated: boolean): void {
    this.doneInWindow[instance] = (this.doneInWindow[instance] as number) + 1;
    if (violated) this.violInWindow[instance] = (this.violInWindow[instance] as number) + 1;
  }

  /** Refreshes the queue and KV fields only: used before every decision when reports are live. */
  refreshQueues(now: number): void {
    for (let i = 0; i < this.instances.length; i++) refreshView(this.instances[i] as Instance, this.views[i] as MutableInstanceView, now);
    this.stamps?.touchAll();
  }

  /** Publishes a report of every instance at `now`, with the windowed utilisation and SLO rates where they are read. */
  report(now: number): void {
    // One pass over the instances (this runs every report interval: 20 times a simulated second by default).
    if (this.utilization || this.countsCompletions) this.reportWindows(now);
    else for (let i = 0; i < this.instances.length; i++) refreshView(this.instances[i] as Instance, this.views[i] as MutableInstanceView, now);
    this.lastReport = now;
    this.stamps?.touchAll();
  }

  /** `report`'s pass when a windowed field is read. */
  private reportWindows(now: number): void {
    const dt = now - this.lastReport;
    for (let i = 0; i < this.instances.length; i++) {
      const inst = this.instances[i] as Instance;
      const v = this.views[i] as MutableInstanceView;
      refreshView(inst, v, now);
      if (this.utilization) {
        const busy = inst.busyTimeUntil(now);
        if (dt > 0) v.utilization = Math.min(1, (busy - (this.lastBusy[i] as number)) / dt);
        this.lastBusy[i] = busy;
      }
      if (this.countsCompletions) {
        const done = this.doneInWindow[i] as number;
        if (done > 0) v.recentSloViolationRate = (this.violInWindow[i] as number) / done;
        this.doneInWindow[i] = 0;
        this.violInWindow[i] = 0;
      }
    }
  }
}

function refreshView(inst: Instance, v: MutableInstanceView, now: number): void {
  v.reportTime = now;
  v.waiting = inst.numWaiting;
  v.running = inst.numRunning;
  v.kvUsedBlocks = inst.usedBlocks;
  v.kvUsage = v.kvTotalBlocks > 0 ? v.kvUsedBlocks / v.kvTotalBlocks : 0;
  v.waitingPromptTokens = inst.waitingPromptTokens;
  v.sinceReport = 0;
}
