import type { Instance } from '../model/instance.js';
import type { ReportField } from '../policies/clusterView.js';
import type { InstanceView } from '../policies/routers/router.js';

/** Per-instance samples taken at monitor reports: queue, batch, KV usage and utilisation over time. */
export class TimeSeries {
  /** The report fields `record` reads from the views (a run with a time series keeps them current). */
  static readonly reads: readonly ReportField[] = ['kvUsage', 'utilization'];
  readonly time: number[] = [];
  readonly instance: number[] = [];
  readonly waiting: number[] = [];
  readonly running: number[] = [];
  readonly kvUsage: number[] = [];
  readonly utilization: number[] = [];
  private lastT = Number.NEGATIVE_INFINITY;

  constructor(readonly minIntervalS = 0) {}

  record(now: number, instances: readonly Instance[], views: readonly InstanceView[]): void {
    if (now - this.lastT < this.minIntervalS) return;
    this.lastT = now;
    for (let i = 0; i < instances.length; i++) {
      const inst = instances[i] as Instance;
      const v = views[i] as InstanceView;
      this.time.push(now);
      this.instance.push(i);
      this.waiting.push(inst.numWaiting);
      this.running.push(inst.numRunning);
      this.kvUsage.push(v.kvUsage);
      this.utilization.push(v.utilization);
    }
  }

  get length(): number {
    return this.time.length;
  }
}
