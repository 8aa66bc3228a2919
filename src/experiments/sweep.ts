import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ConfigError, InputError, isUserError } from '../core/errors.js';
import { parseSimulateConfig, type SimulateInput } from '../run/config.js';
import { runSimulation, type RunOutput } from '../run/simulate.js';

/** One point of a sweep: a simulate config plus labels that identify it in tables and plots. */
export interface SweepJob {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly config: SimulateInput;
}

export type JobSummary = RunOutput['summary'];

export interface SweepResult {
  readonly job: SweepJob;
  readonly summary: JobSummary;
}

export interface SweepOptions {
  /** Worker threads; 1 runs in this thread. Results never depend on it. */
  readonly workers: number;
  /** Called after each finished job with (done, total). */
  readonly progress?: (done: number, total: number) => void;
}

/** Runs one job in this thread (also what each worker does). */
export function runJob(config: SimulateInput): JobSummary {
  return runSimulation(parseSimulateConfig(config, 'sweep job')).summary;
}

/** What a worker posts back about a failed job. */
interface JobFailure {
  readonly i: number;
  readonly error: string;
  /** Set for user mistakes, so the parent rethrows the same typed error a single thread would. */
  readonly userError?: { kind: 'ConfigError' } | { kind: 'InputError'; file: string; line: number; field: string; problem: string };
}

/** The fields that let a user error cross a worker boundary (structured clone drops the class). */
export function userErrorFields(e: unknown): Pick<JobFailure, 'userError'> {
  if (e instanceof InputError) return { userError: { kind: 'InputError', file: e.file, line: e.line, field: e.field, problem: e.problem } };
  if (isUserError(e)) return { userError: { kind: 'ConfigError' } };
  return {};
}

/** The error a failed job raises in the parent: the typed user error itself, else a bug with the job's index. */
function jobError(m: JobFailure): Error {
  const u = m.userError;
  if (u?.kind === 'InputError') return new InputError(u.file, u.line, u.field, u.problem);
  if (u?.kind === 'ConfigError') return new ConfigError(m.error);
  return new Error(`sweep job ${m.i} failed: ${m.error}`);
}

/**
 * Runs every job, in parallel on `workers` threads. Each job is a pure function of its own config
 * (its own seed), results are stored by job index, so the output is identical for any worker count.
 */
export async function runSweep(jobs: readonly SweepJob[], opts: SweepOptions): Promise<SweepResult[]> {
  const out = new Array<SweepResult | undefined>(jobs.length);
  let done = 0;
  const finish = (i: number, summary: JobSummary): void => {
    out[i] = { job: jobs[i] as SweepJob, summary };
    done++;
    opts.progress?.(done, jobs.length);
  };
  const workers = Math.max(1, Math.min(opts.workers, jobs.length));
  if (workers === 1) {
    jobs.forEach((j, i) => finish(i, runJob(j.config)));
  } else {
    let next = 0;
    let failed = false;
    const url = new URL('./sweepWorker.js', import.meta.url);
    await Promise.all(
      Array.from({ length: workers }, () => {
        const w = new Worker(url);
        return new Promise<void>((resolve, reject) => {
          const feed = (): void => {
            if (next >= jobs.length || failed) {
              void w.terminate().then(() => resolve());
              return;
            }
            const i = next++;
            w.postMessage({ i, config: (jobs[i] as SweepJob).config });
          };
          w.on('message', (m: { i: number; summary?: JobSummary } | JobFailure) => {
            if ('error' in m) {
              failed = true;
              void w.terminate();
              reject(jobError(m));
              return;
            }
            finish(m.i, m.summary as JobSummary);
            feed();
          });
          w.on('error', reject);
          feed();
        });
      }),
    );
  }
  return out as SweepResult[];
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** A one-line progress bar on stderr (redrawn in place on a terminal, every 10% otherwise). */
export function progressBar(label: string, write: (s: string) => void, isTty: boolean): (done: number, total: number) => void {
  let lastDecile = -1;
  return (done, total) => {
    const frac = total ? done / total : 1;
    const width = 30;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `${label} [${bar}] ${done}/${total}`;
    if (isTty) write(`\r${line}${done === total ? '\n' : ''}`);
    else if (Math.floor(frac * 10) !== lastDecile || done === total) {
      lastDecile = Math.floor(frac * 10);
      write(`${line}\n`);
    }
  };
}
