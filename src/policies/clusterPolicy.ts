import type { InstanceRole } from '../model/instance.js';
import { REPORT_FIELDS, type ClusterView, type ReportField, type RoutedRequest } from './clusterView.js';
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
  /**
   * The report fields (`ReportField`) that the policy reads: its router's `route` and `onComplete`,
   * `routeDecode` and its controllers, all together. A host need not keep the others current (they
   * may hold stale or starting values): the simulator then skips what costs it something per report
   * (windowed utilisation, the recent SLO-violation rate and its per-completion counts), and skips
   * reports altogether when the list is empty and nothing else reads them. Absent: every field (the
   * safe default), or none where `liveFieldsOnly` holds and the policy has no `routeDecode` and no
   * controllers (see `reportFieldsOf`). The router conformance suite runs each declaring policy with
   * the fields it does not declare scrambled before every call and checks that the results are the
   * same, so a wrong declaration fails there.
   */
  readonly reportFields?: readonly ReportField[];
}

/** The report fields a host must keep current for `policy`: its declaration (see `ClusterPolicy.reportFields`), else every one. */
export function reportFieldsOf(policy: ClusterPolicy): readonly ReportField[] {
  if (policy.reportFields !== undefined) return policy.reportFields;
  const onlyRoutes = policy.routeDecode === undefined && (policy.controllers?.length ?? 0) === 0;
  return policy.liveFieldsOnly === true && onlyRoutes ? [] : REPORT_FIELDS;
}

/** What the router registry holds: a named factory of whole cluster policies. */
export type ClusterPolicyFactory = (ctx: RouterContext) => ClusterPolicy;

/** A policy that is nothing but a router (round-robin, least-outstanding, ...), with what it declares of itself. */
export function routerOnly(make: RouterFactory, declares: { readonly liveFieldsOnly?: boolean } = {}): ClusterPolicyFactory {
  return declares.liveFieldsOnly === true ? (ctx) => ({ router: make(ctx), liveFieldsOnly: true }) : (ctx) => ({ router: make(ctx) });
}
