import type { Controller, ClusterControl } from '../../policies/controllers/controller.js';
import type { Clock } from '../clock.js';

/**
 * Runs a policy's controllers on the wall clock: each ticks every `intervalS` seconds with the
 * clock's time, as the simulator ticks them on simulated time. A controller that throws is
 * reported once and keeps its schedule (one bad round must not stop the gateway).
 */
export class ControllerLoop {
  private timers: NodeJS.Timeout[] = [];
  private readonly reported = new Set<string>();

  constructor(
    readonly controllers: readonly Controller[],
    private readonly ctl: ClusterControl,
    private readonly clock: Clock,
    private readonly onError: (c: Controller, e: unknown) => void,
  ) {}

  start(): void {
    if (this.timers.length > 0) return;
    for (const c of this.controllers) {
      const t = setInterval(() => this.tick(c), Math.max(1, c.intervalS * 1000));
      t.unref();
      this.timers.push(t);
    }
  }

  tick(c: Controller): void {
    try {
      c.tick(this.clock.now(), this.ctl);
    } catch (e) {
      if (!this.reported.has(c.name)) this.onError(c, e);
      this.reported.add(c.name);
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
