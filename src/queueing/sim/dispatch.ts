import { ConfigError } from '../../core/errors.js';
import { Registry } from '../../core/registry.js';
import type { Rng } from '../../kernel/rng.js';

/** What a dispatcher may look at when a job arrives: per-server counts and predicted work. */
export interface ServerView {
  readonly servers: number;
  /** Jobs at server k (waiting and running). */
  jobs(k: number): number;
  /** Jobs at server k of a predicted type (1-bit: predicted size above the threshold or not). */
  jobsOfType(k: number, long: boolean): number;
  /** Predicted remaining work at server k: the sum of max(y - attained, 0) over its jobs. */
  predictedWork(k: number): number;
}

/** Picks the server for an arriving job with predicted size y. */
export interface Dispatcher {
  readonly name: string;
  readonly params: Readonly<Record<string, number | string>>;
  pick(view: ServerView, predicted: number): number;
}

export interface DispatchParams {
  rng: Rng;
  /** The numeric argument of `name:arg`, e.g. d of power-of-d. */
  arg: number | undefined;
  /** Threshold separating short from long predictions (1-bit dispatch). */
  threshold: number;
}

/** The best of d distinct servers sampled uniformly (all of them when d >= n); ties at random. */
function bestOfD(view: ServerView, rng: Rng, d: number, score: (k: number) => number): number {
  const n = view.servers;
  let best = -1;
  let bs = Number.POSITIVE_INFINITY;
  let ties = 0;
  const consider = (k: number): void => {
    const s = score(k);
    if (s < bs) {
      bs = s;
      best = k;
      ties = 1;
    } else if (s === bs && rng.int(++ties) === 0) {
      best = k; // reservoir sampling keeps each tied server with equal probability
    }
  };
  if (d >= n) {
    for (let k = 0; k < n; k++) consider(k);
    return best;
  }
  // d is small: rejection sampling of distinct servers is simpler than Floyd's algorithm and cheap.
  const seen: number[] = [];
  while (seen.length < d) {
    const k = rng.int(n);
    if (seen.includes(k)) continue;
    seen.push(k);
    consider(k);
  }
  return best;
}

function dOf(name: string, arg: number | undefined): number {
  const d = arg ?? 2;
  if (!(Number.isInteger(d) && d >= 1)) throw new ConfigError(`--dispatch ${name}:D needs an integer D >= 1, got '${arg}'`);
  return d;
}

type DispatchFactory = (p: DispatchParams) => Dispatcher;

/** Multi-server dispatch policies (`--dispatch`). */
export const dispatchers = new Registry<DispatchFactory>('dispatcher')
  .register('random', ({ rng }) => ({ name: 'random', params: {}, pick: (v) => rng.int(v.servers) }), 'uniformly random server')
  .register(
    'jsq',
    ({ rng }) => ({ name: 'jsq', params: {}, pick: (v) => bestOfD(v, rng, v.servers, (k) => v.jobs(k)) }),
    'join the shortest queue (fewest jobs), ties at random',
  )
  .register(
    'pod',
    ({ rng, arg }) => {
      const d = dOf('pod', arg);
      return { name: 'pod', params: { d }, pick: (v) => bestOfD(v, rng, d, (k) => v.jobs(k)) };
    },
    'pod:D, power of D choices: fewest jobs among D sampled servers (no predictions)',
  )
  .register(
    'pod-1bit',
    ({ rng, arg, threshold }) => {
      const d = dOf('pod-1bit', arg);
      return {
        name: 'pod-1bit',
        params: { d, threshold },
        pick: (v, y) => {
          const long = y > threshold;
          return bestOfD(v, rng, d, (k) => v.jobsOfType(k, long));
        },
      };
    },
    'pod-1bit:D, D sampled servers, fewest jobs of the same predicted type (short/long at --threshold; Mitzenmacher 2021)',
  )
  .register(
    'pod-work',
    ({ rng, arg }) => {
      const d = dOf('pod-work', arg);
      return { name: 'pod-work', params: { d }, pick: (v) => bestOfD(v, rng, d, (k) => v.predictedWork(k)) };
    },
    'pod-work:D, D sampled servers, least predicted remaining work',
  );
