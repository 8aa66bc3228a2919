import type { Rng } from '../../kernel/rng.js';
import type { InstanceRole } from '../../model/instance.js';

export type { InstanceRole };

/**
 * What a router may see of one instance. Report fields come from the instance's last monitor
 * report (stale by up to the report interval); the router's own fields (outstanding, sinceReport)
 * are live, because requests and their completions flow through the router. The simulator and the
 * live router fill the same shape, so one routing module serves both.
 */
export interface InstanceView {
  readonly id: number;
  readonly role: InstanceRole;
  /** False when the instance is down or draining: never route there. */
  readonly available: boolean;
  /** Time of the report the fields below come from. */
  readonly reportTime: number;
  readonly waiting: number;
  readonly running: number;
  readonly kvUsedBlocks: number;
  readonly kvTotalBlocks: number;
  /** Tokens per KV block. */
  readonly kvBlockSize: number;
  /** kvUsedBlocks / kvTotalBlocks. */
  readonly kvUsage: number;
  /** Prompt tokens waiting for prefill. */
  readonly waitingPromptTokens: number;
  /** Busy fraction over the last report interval. */
  readonly utilization: number;
  /** Fraction of requests completed in the last report interval that missed an SLO. */
  readonly recentSloViolationRate: number;
  /** Requests this router sent to the instance that have not completed (live). */
  readonly outstanding: number;
  /** Requests this router sent since the instance's last report (live). */
  readonly sinceReport: number;
}

export interface ClusterView {
  /** Current time from the injected clock (simulated or wall). */
  readonly now: number;
  readonly instances: readonly InstanceView[];
}

/** The request as a router sees it: no true output length (that would be an oracle). */
export interface RoutedRequest {
  readonly id: number;
  readonly arrival: number;
  readonly promptTokens: number;
  readonly type: string;
  readonly sessionId: number | undefined;
  /** Predicted output tokens when a predictor ran before routing; NaN otherwise. */
  readonly predictedOutputTokens: number;
}

/** What a router learns when a request it routed finishes (a live router reads it off the response). */
export interface CompletionInfo {
  readonly id: number;
  readonly instance: number;
  readonly now: number;
  readonly arrival: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly predictedOutputTokens: number;
  readonly firstTokenTime: number;
  /** Whether the request missed an SLO it was judged on. */
  readonly sloViolated: boolean;
  readonly rejected: boolean;
}


export interface Router {
  readonly name: string;
  /** Picks the instance for a request; must return the id of an available instance. */
  route(req: RoutedRequest, view: ClusterView): number;
  /** Told when a request it routed completes (live routers learn it when the stream ends). */
  onComplete?(info: CompletionInfo): void;
  /** Roles of the instances this policy needs (default: all 'mixed'). */
  instanceRoles?(numInstances: number): readonly InstanceRole[];
  /** For phase-split policies: the decode instance for a request whose prefill just finished. */
  routeDecode?(req: RoutedRequest, from: number, view: ClusterView): number;
}

export interface RouterContext {
  /** The router's own random stream. */
  readonly rng: Rng;
  /** Text after the colon in `name:arg`, if any. */
  readonly arg: string | undefined;
  readonly numInstances: number;
}

export type RouterFactory = (ctx: RouterContext) => Router;

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
