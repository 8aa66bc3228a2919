import type { JobTable } from './jobs.js';

/**
 * A single-server scheduling policy in SOAP form (Scully, Harchol-Balter, Scheller-Wolf 2018): every
 * job has a rank that depends only on its own type (size, predictions, arrival) and its attained
 * service; the server always runs the lowest rank, ties going to the earlier arrival. Ranks are
 * lexicographic pairs (r1, r2) so that classes (short before long, prediction before service) need
 * no magic offsets. The simulator knows nothing else about a policy.
 */
export interface RankPolicy {
  readonly name: string;
  /** Whether a running job can be displaced; non-preemptive policies keep the job to completion. */
  readonly preemptive: boolean;
  /** Whether jobs need a second, independent prediction (SkipPredict's cheap predictor). */
  readonly usesSecondPrediction: boolean;
  /** Parameters echoed with results. */
  readonly params: Readonly<Record<string, number | string>>;
  /** Sets t.work (server time needed) and t.extra (cost outside the server) of a new job. */
  admit(t: JobTable, slot: number): void;
  /** Writes the rank at attained service a into t.r1[slot], t.r2[slot]. */
  rank(t: JobTable, slot: number, a: number): void;
  /**
   * For the running job at attained service a, and the best waiting rank (r1, r2): an attained
   * service > a at which its rank may have risen past (r1, r2), so the server must compare again;
   * Infinity if its rank cannot rise before it completes. Policies whose ranks only fall return
   * Infinity; returning an earlier point than necessary is safe (the server just re-checks).
   */
  nextCheck(t: JobTable, slot: number, a: number, r1: number, r2: number): number;
}

/** The smallest double above a: a check there is strictly later, so the event loop never stalls. */
export function nextUp(a: number): number {
  return a + Math.max(Math.abs(a) * 2.3e-16, 5e-324);
}

/** Work = size and no outside cost: the default for policies without prediction costs. */
export function admitPlain(t: JobTable, slot: number): void {
  t.work[slot] = t.size[slot] as number;
  t.extra[slot] = 0;
}

const never = (): number => Number.POSITIVE_INFINITY;

function simple(
  name: string,
  preemptive: boolean,
  rank: (t: JobTable, slot: number, a: number) => void,
  params: Record<string, number | string> = {},
): RankPolicy {
  return { name, preemptive, usesSecondPrediction: false, params, admit: admitPlain, rank, nextCheck: never };
}

export const fifoPolicy = (): RankPolicy =>
  simple('fifo', false, (t, s) => {
    t.r1[s] = 0;
    t.r2[s] = 0;
  });

/** Non-preemptive by a fixed key: SJF (true size) and SPJF (predicted size). */
export const sjfPolicy = (): RankPolicy =>
  simple('sjf', false, (t, s) => {
    t.r1[s] = 0;
    t.r2[s] = t.size[s] as number;
  });
export const spjfPolicy = (): RankPolicy =>
  simple('spjf', false, (t, s) => {
    t.r1[s] = 0;
    t.r2[s] = t.pred[s] as number;
  });
export const psjfPolicy = (): RankPolicy =>
  simple('psjf', true, (t, s) => {
    t.r1[s] = 0;
    t.r2[s] = t.size[s] as number;
  });
export const pspjfPolicy = (): RankPolicy =>
  simple('pspjf', true, (t, s) => {
    t.r1[s] = 0;
    t.r2[s] = t.pred[s] as number;
  });
/** Remaining (predicted) work: the running job's rank only falls, so only arrivals can preempt. */
export const srptPolicy = (): RankPolicy =>
  simple('srpt', true, (t, s, a) => {
    t.r1[s] = 0;
    t.r2[s] = (t.size[s] as number) - a;
  });
export const sprptPolicy = (): RankPolicy =>
  simple('sprpt', true, (t, s, a) => {
    t.r1[s] = 0;
    t.r2[s] = (t.pred[s] as number) - a;
  });

/**
 * SPRPT with bounce (Scully, Grosof, Mitzenmacher, ITCS 2022, as the survey's Figure 1 describes
 * it): the rank falls from the prediction z to 0 as the job ages, then bounces back up, |z - a|, so a
 * job that outlives its prediction can again be preempted by jobs predicted shorter. The survey
 * prints the rank as max(|z - a|, z), which never falls and contradicts its own description; we
 * follow the description and the figure.
 *
 * Two jobs past their predictions with equal rising ranks share the server like processor sharing;
 * an event simulator would swap them at every ulp, so a swap waits at least `quantum` of service
 * (round robin with a small quantum; the default 1e-3 is 0.1% of a unit mean size).
 */
export const sprptBouncePolicy = (quantum = 1e-3): RankPolicy => ({
  ...simple(
    'sprpt-bounce',
    true,
    (t, s, a) => {
      t.r1[s] = 0;
      t.r2[s] = Math.abs((t.pred[s] as number) - a);
    },
    { quantum },
  ),
  nextCheck: (t, s, a, r1, r2) => {
    if (r1 > 0) return Number.POSITIVE_INFINITY;
    // The rising rank a - z passes r2 at a = z + r2.
    return Math.max((t.pred[s] as number) + r2, a + quantum);
  },
});

/**
 * 1-bit predictions with threshold T (Mitzenmacher 2021, as the survey describes): a job predicted
 * at most T is short and joins the front of the queue (r1 = 0, r2 = -arrival: last in, first out),
 * a long one joins the back (r1 = 1, FIFO). Preemptive: a new short job preempts whatever runs.
 */
export function oneBitPolicy(threshold: number, preemptive: boolean): RankPolicy {
  return simple(
    preemptive ? '1bit-preempt' : '1bit',
    preemptive,
    (t, s) => {
      if ((t.pred[s] as number) <= threshold) {
        t.r1[s] = 0;
        t.r2[s] = -(t.arrival[s] as number);
      } else {
        t.r1[s] = 1;
        t.r2[s] = 0;
      }
    },
    { threshold },
  );
}
