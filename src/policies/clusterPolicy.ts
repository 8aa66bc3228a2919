import type { InstanceRole } from '../model/instance.js';
import type { ClusterView, RoutedRequest } from './clusterView.js';
import type { Controller } from './controllers/controller.js';
import type { Router, RouterContext, RouterFactory } from './routers/router.js';

/**
 * A cluster policy as a whole: the `Router` a front end calls per request, plus what the cluster
 * that hosts it (the simulator, or the live gateway) must set up around it. The router stays what a
 * front end needs; everything else a policy may bring lives here, so a front end that only routes
 * (the ext_proc endpoint picker, a benchmark) never sees it, and a host that runs controllers or
 * phase-split instances reads it from one place.
 */
export interface ClusterPolicy {
  readonly router: Router;
  /** Roles of the instances this policy needs (default: all 'mixed'). */
  instanceRoles?(numInstances: number): readonly InstanceRole[];
  /** For phase-split policies: the decode instance for a request whose prefill just finished. */
  routeDecode?(req: RoutedRequest, from: number, view: ClusterView): number;
  /** Periodic cluster-level companions of this policy (rebalancing, migration), run by the host on its clock. */
  readonly controllers?: readonly Controller[];
  /** True when the policy reads `predictedOutputTokens`: the host then runs a predictor. */
  readonly usesPredictions?: boolean;
  /** Policy-specific counters reported with the run's metrics (e.g. calibration health). */
  stats?(): Record<string, number>;
  /**
   * True when the router's `route` reads no field that monitor reports publish (`reportTime`,
   * `waiting`, `running`, `kvUsedBlocks`, `kvUsage`, `waitingPromptTokens`, `utilization`,
   * `recentSloViolationRate`, `sinceReport`): only `id`, `role`, `available`, `outstanding`, the
   * static limits and `leastOutstanding()`. A host may then skip publishing reports when nothing
   * else reads them (the simulator does: see `Simulation.reports`; the router conformance suite
   * checks that the results are the same).
   */
  readonly liveFieldsOnly?: boolean;
}

/** What the router registry holds: a named factory of whole cluster policies. */
export type ClusterPolicyFactory = (ctx: RouterContext) => ClusterPolicy;

/** A policy that is nothing but a router (round-robin, least-outstanding, ...), with what it declares of itself. */
export function routerOnly(make: RouterFactory, declares: { readonly liveFieldsOnly?: boolean } = {}): ClusterPolicyFactory {
  return declares.liveFieldsOnly === true ? (ctx) => ({ router: make(ctx), liveFieldsOnly: true }) : (ctx) => ({ router: make(ctx) });
}
