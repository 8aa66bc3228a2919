import type { Rng } from '../../kernel/rng.js';
import type { InstanceRole } from '../../model/instance.js';
import type { PerfModel } from '../../model/perfModel.js';
import type { ClusterView, CompletionInfo, InstanceView, RoutedRequest } from '../clusterView.js';

export type { ClusterView, CompletionInfo, InstanceRole, InstanceView, RoutedRequest };

/**
 * What a front end needs of a policy: pick an instance per request, and hear when one completes.
 * Instance roles, a decode router, controllers, prediction needs and counters are the cluster's
 * business: they live in `ClusterPolicy` (../clusterPolicy.ts), which carries this router.
 */
export interface Router {
  readonly name: string;
  /**
   * Picks the instance for a request: the id of an available instance, or `NO_INSTANCE` (-1) when
   * no instance is available. That is the one meaning of "no instance available": the simulator
   * never marks an instance unavailable, so there -1 is a bug (InvariantError); the live router
   * (src/live/) answers it with HTTP 503. `req` is a scratch object the caller reuses for the next
   * request: copy what you keep (e.g. `req.id`), never keep the object itself.
   */
  route(req: RoutedRequest, view: ClusterView): number;
  /** Told when a request it routed completes (live routers learn it when the stream ends). */
  onComplete?(info: CompletionInfo): void;
}

export interface RouterContext {
  /** The router's own random stream. */
  readonly rng: Rng;
  /** Text after the colon in `name:arg`, if any. */
  readonly arg: string | undefined;
  readonly numInstances: number;
  /** The instances' performance model, for policies that estimate service times. */
  readonly perf?: PerfModel;
  /** The run's end-to-end SLO slack (deadline = slack x unloaded latency), when judged. */
  readonly e2eSlack?: number;
  /** What the deployment and workload look like, for policies that size themselves (Splitwise's pools). */
  readonly hints?: RouterHints;
}

export interface RouterHints {
  readonly meanPromptTokens: number;
  readonly meanOutputTokens: number;
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  /** KV capacity of one instance, tokens. */
  readonly kvTokens: number;
}

/** Builds a plain router; the registry wraps it with `routerOnly` (../clusterPolicy.ts). */
export type RouterFactory = (ctx: RouterContext) => Router;

/** What `Router.route` returns when no instance is available (see there). */
export const NO_INSTANCE = -1;

/** Index of the available instance with the smallest score (ties: lowest id). -1 when none is available. */
export function argminAvailable(view: ClusterView, score: (v: InstanceView) => number): number {
  let best = -1;
  let bestScore = Number.POSITIVE_INFINITY;
  const xs = view.instances;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as InstanceView;
    if (!v.available) continue;
    const s = score(v);
    if (best < 0 || s < bestScore) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}
