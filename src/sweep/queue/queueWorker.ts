import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { SimulateInput } from '../../run/config.js';
import type { PointOutcome } from '../point.js';
import { PointPool } from '../pointPool.js';
import { COLLECT_JOB, type PointJobData, type QueueTarget } from './connection.js';
import { quietErrors } from './reach.js';

export interface QueueWorkerOptions {
  readonly concurrency: number;
  /** How long a job's lock lasts without renewal; a killed worker's job is retried after it. */
  readonly lockDurationMs?: number;
  readonly version: string;
  readonly log?: (line: string) => void;
}

export interface QueueWorkerHandle {
  close(): Promise<void>;
}

/**
 * A queue worker: takes point jobs from Redis and runs each on a worker thread, so this thread
 * stays free to renew job locks however long a simulation takes; a `collect` parent job returns
 * its children's outcomes by point id. A point made by another project version is refused (the
 * id promises results of that version).
 */
export function startQueueWorker(target: QueueTarget, opts: QueueWorkerOptions): QueueWorkerHandle {
  const log = opts.log ?? (() => {});
  const pool = new PointPool(Math.max(1, opts.concurrency));
  const lockDuration = opts.lockDurationMs ?? 30_000;
  let running = 0;
  const worker = new Worker(
    target.queueName,
    async (job: Job) => {
      running++;
      try {
        return await handle(job);
      } finally {
        running--;
      }
    },
    {
      connection: { ...target.connection },
      concurrency: Math.max(1, opts.concurrency),
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      maxStalledCount: 2,
    },
  );
  const handle = async (job: Job): Promise<unknown> => {
    if (job.name === COLLECT_JOB) return collect(job);
    const data = job.data as PointJobData;
    if (data.version !== opts.version) {
      throw new UnrecoverableError(`point made by ${data.version}, this worker runs ${opts.version}`);
    }
    log(`start ${job.id} attempt ${job.attemptsMade + 1}`);
    const t0 = performance.now();
    const o = await pool.run(data.config as SimulateInput);
    log(`done ${job.id} ${o.ok ? 'ok' : 'failed'} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    return o;
  };
  quietErrors(worker, log);
  return {
    async close() {
      // Running points finish first (graceful close). An idle worker closes with force: after a Redis
      // restart BullMQ 6 can wait forever for an idle worker's blocking fetch (seen in the restart
      // test). If a graceful close has not ended 2 s after the last point finished, stop waiting.
      const closing = worker.close(running === 0);
      const idleThenGrace = (async () => {
        while (running > 0) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 2000).unref());
      })();
      await Promise.race([closing, idleThenGrace]);
      await pool.close();
    },
  };
}

/** The parent job: the outcome of every child, keyed by point id (failed children with their reason). */
async function collect(job: Job): Promise<Record<string, PointOutcome>> {
  const out: Record<string, PointOutcome> = {};
  const key = (k: string): string => k.slice(k.lastIndexOf(':') + 1);
  for (const [k, v] of Object.entries(await job.getChildrenValues())) out[key(k)] = v as PointOutcome;
  for (const [k, reason] of Object.entries(await job.getIgnoredChildrenFailures())) out[key(k)] = { ok: false, error: String(reason) };
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
