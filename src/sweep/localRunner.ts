import type { PointOutcome, PointTask } from './point.js';
import { PointPool } from './pointPool.js';
import type { SweepRunner } from './runner.js';

/**
 * Runs points on this machine: inline for one worker, on a pool of worker threads otherwise.
 * Outcomes are keyed by point id, so the worker count never changes a table.
 */
export class LocalRunner implements SweepRunner {
  readonly description: string;
  private readonly pool: PointPool;

  constructor(workers: number) {
    const n = Math.max(1, Math.floor(workers));
    this.pool = new PointPool(n === 1 ? 0 : n);
    this.description = n === 1 ? '1 local worker (this thread)' : `${n} local worker threads`;
  }

  async run(tasks: readonly PointTask[], onDone?: (id: string, o: PointOutcome) => void): Promise<Map<string, PointOutcome>> {
    const out = new Map<string, PointOutcome>();
    await Promise.all(
      tasks.map(async (t) => {
        const o = await this.pool.run(t.config);
        out.set(t.id, o);
        onDone?.(t.id, o);
      }),
    );
    return out;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
