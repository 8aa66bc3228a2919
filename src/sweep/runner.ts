import type { PointOutcome, PointTask } from './point.js';

/**
 * Where points run. Local (worker threads) and distributed (BullMQ on Redis) runners implement the
 * same contract: every task gets exactly one outcome, keyed by its id, whatever the order or the
 * number of workers, so the tables built from them are identical.
 */
export interface SweepRunner {
  /** Short description for logs ("2 worker threads", "redis://host:6379 queue gaps-sweep"). */
  readonly description: string;
  /** Runs the tasks; `onDone` is called once per task as its outcome arrives (for progress and the resume store). */
  run(tasks: readonly PointTask[], onDone?: (id: string, outcome: PointOutcome) => void): Promise<Map<string, PointOutcome>>;
  close(): Promise<void>;
}

/** Finished outcomes remembered across runs (a file next to the results; memory in tests). */
export interface ResultStore {
  get(id: string): PointOutcome | undefined;
  put(id: string, outcome: PointOutcome): void;
}

export class MemoryStore implements ResultStore {
  private readonly m = new Map<string, PointOutcome>();
  get(id: string): PointOutcome | undefined {
    return this.m.get(id);
  }
  put(id: string, outcome: PointOutcome): void {
    this.m.set(id, outcome);
  }
}

/**
 * Runs what the store does not already hold (successful outcomes only: failed points are tried
 * again), records each new outcome, and returns outcomes for every task. Duplicate ids run once.
 */
export async function runWithStore(
  tasks: readonly PointTask[],
  runner: SweepRunner,
  store: ResultStore,
  progress?: (done: number, total: number) => void,
): Promise<{ outcomes: Map<string, PointOutcome>; reused: number }> {
  const outcomes = new Map<string, PointOutcome>();
  const todo: PointTask[] = [];
  const seen = new Set<string>();
  for (const t of tasks) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    const prev = store.get(t.id);
    if (prev?.ok) outcomes.set(t.id, prev);
    else todo.push(t);
  }
  const reused = outcomes.size;
  const total = seen.size;
  progress?.(reused, total);
  if (todo.length > 0) {
    const got = await runner.run(todo, (id, o) => {
      store.put(id, o);
      outcomes.set(id, o);
      progress?.(outcomes.size, total);
    });
    for (const [id, o] of got) outcomes.set(id, o);
  }
  return { outcomes, reused };
}
