import { Queue } from 'bullmq';
import type { QueueTarget } from './connection.js';
import { quietErrors, reachOrFail } from './reach.js';

export interface QueueStatus {
  readonly queue: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly workers: number;
  /** For a given sweep: how its points stand (completed, failed, active, waiting, missing). */
  readonly sweep?: Readonly<Record<string, number>>;
}

/** Progress of a queue, and of one sweep's points when their ids are given. */
export async function queueStatus(target: QueueTarget, ids?: readonly string[]): Promise<QueueStatus> {
  await reachOrFail(target);
  const q = new Queue(target.queueName, { connection: { ...target.connection } });
  quietErrors(q, () => {});
  try {
    const counts = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children');
    const workers = (await q.getWorkers()).length;
    if (!ids) return { queue: target.display, counts, workers };
    const sweep: Record<string, number> = { completed: 0, failed: 0, active: 0, waiting: 0, missing: 0 };
    const unique = [...new Set(ids)];
    const states = await Promise.all(unique.map((id) => q.getJobState(id)));
    for (const s of states) {
      const k = s === 'unknown' ? 'missing' : s === 'completed' || s === 'failed' || s === 'active' ? s : 'waiting';
      sweep[k] = (sweep[k] ?? 0) + 1;
    }
    return { queue: target.display, counts, workers, sweep };
  } finally {
    await q.close();
  }
}

export function formatQueueStatus(s: QueueStatus): string {
  let text = `${s.queue}: ${s.workers} worker connection(s)\n`;
  text += `  jobs: ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`;
  if (s.sweep) {
    const total = Object.values(s.sweep).reduce((a, b) => a + b, 0);
    text += `  this sweep: ${s.sweep.completed} of ${total} points done; ${Object.entries(s.sweep).filter(([k]) => k !== 'completed').map(([k, v]) => `${k} ${v}`).join(', ')}\n`;
  }
  return text;
}
