import { Worker } from 'node:worker_threads';
import type { SimulateInput } from '../run/config.js';
import { runPoint, type PointOutcome } from './point.js';

interface Pending {
  readonly config: SimulateInput;
  readonly resolve: (o: PointOutcome) => void;
}

/**
 * A fixed pool of worker threads that run points. `run` resolves with the point's outcome; a thread
 * that dies takes only its current point down (recorded as failed) and is replaced. With
 * `threads: 0` points run inline in this thread (no event loop turns while one runs).
 */
export class PointPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(private readonly threads: number) {}

  run(config: SimulateInput): Promise<PointOutcome> {
    if (this.closed) return Promise.reject(new Error('point pool is closed'));
    if (this.threads <= 0) return Promise.resolve(runPoint(config));
    return new Promise((resolve) => {
      this.queue.push({ config, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w && this.all.size < this.threads) w = this.spawn();
      if (!w) return;
      this.dispatch(w, this.queue.shift() as Pending);
    }
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./pointWorker.js', import.meta.url));
    this.all.add(w);
    return w;
  }

  private dispatch(w: Worker, p: Pending): void {
    const done = (o: PointOutcome): void => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      p.resolve(o);
    };
    const onMessage = (o: PointOutcome): void => {
      done(o);
      this.idle.push(w);
      this.pump();
    };
    const onError = (e: Error): void => {
      this.all.delete(w);
      void w.terminate();
      done({ ok: false, error: `worker thread died: ${e.message}` });
      this.pump();
    };
    const onExit = (code: number): void => onError(new Error(`exit code ${code}`));
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(p.config);
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    for (const w of ws) w.removeAllListeners('exit');
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
