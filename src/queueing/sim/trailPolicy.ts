import { checkPreemptionLimit } from '../analytic/trail.js';
import type { JobTable } from './jobs.js';
import { admitPlain, type RankPolicy } from './rankPolicy.js';

/**
 * Trail's limited-preemption SPRPT (Shahout et al. 2024) as a SOAP rank: (0, y - a) while the
 * attained service a is at most C y, then (-1, 0), below every other rank, so the job runs to
 * completion. At a = 0 the rank is always (0, y), so C = 0 is non-preemptive SPJF: a job is ranked
 * by its prediction while it waits and never displaced once it has started. Only one job can be
 * past its limit at a time (it is never preempted), so the (-1, 0) class never has a tie. Ranks only
 * fall, so the simulator need not re-check a running job between arrivals.
 */
export function trailPolicy(preemptionLimit: number): RankPolicy {
  const c = checkPreemptionLimit(preemptionLimit);
  return {
    name: 'trail',
    preemptive: true,
    usesSecondPrediction: false,
    params: { preemptionLimit: c },
    admit: admitPlain,
    rank: (t: JobTable, s: number, a: number) => {
      const y = t.pred[s] as number;
      if (a > c * y) {
        t.r1[s] = -1;
        t.r2[s] = 0;
      } else {
        t.r1[s] = 0;
        t.r2[s] = y - a;
      }
    },
    nextCheck: () => Number.POSITIVE_INFINITY,
  };
}
