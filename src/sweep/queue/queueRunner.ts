import { FlowProducer, Job, Queue } from 'bullmq';
import type { PointOutcome, PointTask } from '../point.js';
import { groupId } from '../pointId.js';
import type { SweepRunner } from '../runner.js';
import { COLLECT_JOB, POINT_JOB, type PointJobData, type QueueTarget } from './connection.js';
import { quietErrors, reachOrFail } from './reach.js';

export interface QueueRunnerOptions {
  /** How often finished points are looked up, ms. */
  readonly pollMs?: number;
  /** Attempts per point (a killed worker's job is retried; a throwing simulation is a result, not a retry). */
  readonly attempts?: number;
  /** Called with a line when something worth telling happens (Redis unreachable, points re-enqueued). */
  readonly log?: (line: string) => void;
}

const FLOW_SIZE = 1000;

function isOutcome(x: unknown): x is PointOutcome {
  return typeof x === 'object' && x !== null && typeof (x as { ok?: unknown }).ok === 'boolean';
}

/**
 * Runs points as BullMQ jobs on Redis. Each point is a job whose id is the point id (config hash +
 * project version); a batch is one flow: a `collect` parent with the points as children, so the
 * parent completes when all of them have. Results are read back by job id, so a point counts once
 * however many times it ran (at-least-once execution, exactly-once results).
 *
 * Finished jobs stay in Redis: a later sweep (or a restarted client) finds them and does not run
 * them again. Points whose job is missing (Redis restarted without persistence, or flushed) are
 * enqueued again, so the sweep resumes; the client's own result store keeps what already came back.
 */
export class QueueRunner implements SweepRunner {
  readonly description: string;
  private readonly pollMs: number;
  private readonly attempts: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly target: QueueTarget,
    private readonly version: string,
    opts: QueueRunnerOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 250;
    this.attempts = opts.attempts ?? 3;
    this.log = opts.log ?? (() => {});
    this.description = target.display;
  }

  /** The BullMQ clients, made once Redis has answered (so a wrong URL fails fast instead of retrying forever). */
  private async clients(): Promise<{ queue: Queue; flow: FlowProducer }> {
    if (!this.c) {
      await reachOrFail(this.target);
      const queue = new Queue(this.target.queueName, { connection: { ...this.target.connection } });
      const flow = new FlowProducer({ connection: { ...this.target.connection } });
      quietErrors(queue, this.log);
      quietErrors(flow, this.log);
      this.c = { queue, flow };
    }
    return this.c;
  }

  private c: { queue: Queue; flow: FlowProducer } | undefined;

  async run(tasks: readonly PointTask[], onDone?: (id: string, o: PointOutcome) => void): Promise<Map<string, PointOutcome>> {
    const out = new Map<string, PointOutcome>();
    const pending = new Map(tasks.map((t) => [t.id, t] as const));
    const finish = (id: string, o: PointOutcome): void => {
      if (!pending.delete(id)) return;
      out.set(id, o);
      onDone?.(id, o);
    };
    const { queue, flow } = await this.clients();
    await this.sync(queue, flow, pending, finish, true);
    while (pending.size > 0) {
      // Each look-up asks Redis about every pending point: poll big sweeps less often (at most every 5 s).
      await new Promise((r) => setTimeout(r, Math.min(5000, Math.max(this.pollMs, pending.size))));
      try {
        await this.sync(queue, flow, pending, finish, false);
      } catch (e) {
        this.log(`queue: ${(e as Error).message}; retrying`);
      }
    }
    return out;
  }

  /**
   * Looks up every pending point: finished ones are taken, missing ones enqueued. On the first
   * pass, points that failed or failed to simulate in an earlier sweep are retried, like a local
   * resume does.
   */
  private async sync(
    queue: Queue,
    flow: FlowProducer,
    pending: Map<string, PointTask>,
    finish: (id: string, o: PointOutcome) => void,
    first: boolean,
  ): Promise<void> {
    const missing: PointTask[] = [];
    const ids = [...pending.keys()];
    for (let k = 0; k < ids.length; k += 500) {
      const chunk = ids.slice(k, k + 500);
      const states = await Promise.all(chunk.map((id) => queue.getJobState(id)));
      await Promise.all(
        chunk.map(async (id, i) => {
          const state = states[i];
          if (state === 'unknown') {
            missing.push(pending.get(id) as PointTask);
            return;
          }
          if (state !== 'completed' && state !== 'failed') return;
          const job = await Job.fromId(queue, id);
          if (!job) {
            missing.push(pending.get(id) as PointTask);
            return;
          }
          const rv: unknown = job.returnvalue;
          const failed = state === 'failed' || !isOutcome(rv) || !rv.ok;
          if (first && failed) {
            try {
              await job.retry(state);
              return;
            } catch (e) {
              this.log(`queue: cannot retry ${id} (${(e as Error).message}); keeping its earlier outcome`);
            }
          }
          if (state === 'failed') finish(id, { ok: false, error: `job failed after ${job.attemptsMade} attempt(s): ${job.failedReason}` });
          else finish(id, isOutcome(rv) ? rv : { ok: false, error: `job returned no outcome: ${JSON.stringify(rv)}` });
        }),
      );
    }
    if (missing.length > 0) await this.enqueue(queue, flow, missing);
  }

  /** Enqueues points as flows of at most FLOW_SIZE children (one Redis transaction each). */
  private async enqueue(queue: Queue, flow: FlowProducer, tasks: readonly PointTask[]): Promise<void> {
    for (let k = 0; k < tasks.length; k += FLOW_SIZE) await this.enqueueFlow(queue, flow, tasks.slice(k, k + FLOW_SIZE));
  }

  private async enqueueFlow(queue: Queue, flow: FlowProducer, tasks: readonly PointTask[]): Promise<void> {
    const ids = tasks.map((t) => t.id).sort();
    let parentId = groupId(ids, 's');
    for (let n = 2; (await queue.getJobState(parentId)) !== 'unknown'; n++) parentId = `${groupId(ids, 's')}-${n}`;
    await flow.add({
      name: COLLECT_JOB,
      queueName: this.target.queueName,
      data: { points: ids.length, version: this.version },
      opts: { jobId: parentId, removeOnComplete: false, removeOnFail: false },
      children: tasks.map((t) => ({
        name: POINT_JOB,
        queueName: this.target.queueName,
        data: { config: t.config, version: this.version } satisfies PointJobData,
        opts: {
          jobId: t.id,
          attempts: this.attempts,
          backoff: { type: 'fixed', delay: 500 },
          ignoreDependencyOnFailure: true,
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    });
    this.log(`queue: enqueued ${tasks.length} point(s) under ${parentId}`);
  }

  async close(): Promise<void> {
    const c = this.c;
    this.c = undefined;
    if (c) await Promise.all([c.queue.close(), c.flow.close()]);
  }
}
