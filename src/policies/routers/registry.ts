import { Registry } from '../../core/registry.js';
import { leastKvRouter } from './leastKv.js';
import { leastOutstandingRouter } from './leastOutstanding.js';
import { powerOfDRouter } from './powerOfD.js';
import { randomRouter } from './random.js';
import { roundRobinRouter } from './roundRobin.js';
import { routerOnly, type ClusterPolicyFactory } from '../clusterPolicy.js';
import { splitwiseRouter } from './splitwise.js';
import { gapsRouterFactory } from '../gaps/gapsRouter.js';
import { llumnixRouter } from '../llumnix/llumnix.js';
import { flashgenRouter } from '../flashgen/flashgen.js';
import { leastWorkLeftRouter } from '../gaps/leastWorkLeft.js';
import { sizeIntervalRouter } from '../gaps/sizeInterval.js';

/**
 * Cluster policies by router name (`--router`, `--policy`). Each factory returns a `ClusterPolicy`:
 * its `router` plus whatever else the policy brings (roles, decode routing, controllers, counters).
 * A new router adds its file and one line here (a plain router through `routerOnly`).
 */
export const routers = new Registry<ClusterPolicyFactory>('router')
  .register('round-robin', routerOnly(roundRobinRouter, { liveFieldsOnly: true }), 'cycle through instances')
  .register('random', routerOnly(randomRouter, { liveFieldsOnly: true }), 'uniformly random instance')
  .register('least-outstanding', routerOnly(leastOutstandingRouter, { liveFieldsOnly: true }), 'fewest outstanding requests (router-side count)')
  .register('least-kv', routerOnly(leastKvRouter), 'lowest reported KV-cache usage')
  .register('power-of-d', routerOnly(powerOfDRouter, { liveFieldsOnly: true }), 'sample d instances (default 2, power-of-d:D), pick fewest outstanding')
  .register('gaps', gapsRouterFactory('gaps', { prediction: true, rebalancing: true, global: true }), 'GAPS: predicted completion time above u_th, selective rebalancing')
  .register('gaps-nopred', gapsRouterFactory('gaps-nopred', { prediction: false, rebalancing: true, global: true }), 'GAPS without the predictor')
  .register('gaps-norebal', gapsRouterFactory('gaps-norebal', { prediction: true, rebalancing: false, global: true }), 'GAPS without rebalancing')
  .register('gaps-noglobal', gapsRouterFactory('gaps-noglobal', { prediction: true, rebalancing: true, global: false }), 'GAPS from two sampled instances\' stale reports only')
  .register('gaps-nomonitor', gapsRouterFactory('gaps-nomonitor', { prediction: true, rebalancing: true, global: true, monitor: false }), 'GAPS without monitoring: every instance, but only the front end\'s own counts')
  .register('least-work-left', leastWorkLeftRouter, 'fewest seconds of predicted work outstanding (central prediction, each request timed alone)')
  .register('size-interval', sizeIntervalRouter, 'predicted-long requests to designated instances (size-interval:share=F, default 0.25), least-work-left within a class')
  .register('llumnix', llumnixRouter, 'Llumnix: dispatch by highest freeness, continuous live migration from low to high freeness')
  .register('flashgen', flashgenRouter, 'FlashGen: session-affine local routing (no global monitoring)')
  .register('splitwise', splitwiseRouter, 'phase split: shortest-queue prompt pool, lowest-memory token pool (splitwise:P prompt instances)');
