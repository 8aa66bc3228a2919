import { ConfigError } from '../../core/errors.js';
import type { ClusterPolicyFactory } from '../clusterPolicy.js';
import type { Router } from '../routers/router.js';

/**
 * FlashGen (Jeong & Ahn, ASPLOS 2025), in the GAPS paper's role of a decode-phase-optimised baseline
 * with "local routing". Our reading (docs/GAPS.md):
 *
 * - Token-level batch merging is the instance's iteration-level (continuous) batching with chunked
 *   prefill, which every policy in this simulator already gets.
 * - Multi-turn KV reuse: the instances keep a conversation's KV after a turn (the engine's prefix
 *   cache, `--prefix-caching`), and the router sends the next turn back to it: a request goes to the
 *   instance that served the longest prefix of its block hashes (or, without hashes, its session),
 *   unless that instance has more than twice the outstanding requests of the least loaded plus
 *   `AFFINITY_SLACK`, where the reuse would not pay for the queueing.
 * - Local routing: no global monitoring. Requests without affinity go to the instance with the fewest
 *   requests this front end itself has outstanding there (its local count), never to reported load.
 *
 * The Azure traces carry neither hashes nor sessions, so on them FlashGen is local least-outstanding
 * routing; the Mooncake traces carry hashes.
 */
const AFFINITY_SLACK = 4;
export const flashgenRouter: ClusterPolicyFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'flashgen' takes no argument, got '${ctx.arg}'`);
  const home = new Map<number, number>();
  const holder = new Map<number, number>();
  let hits = 0;
  const affinity = (req: { sessionId: number | undefined; prefixHashes?: readonly number[] | undefined }): number | undefined => {
    let found: number | undefined;
    for (const h of req.prefixHashes ?? []) {
      const i = holder.get(h);
      if (i === undefined) break;
      found = i;
    }
    if (found === undefined && req.sessionId !== undefined) found = home.get(req.sessionId);
    return found;
  };
  const router: Router = {
    name: 'flashgen',
    route(req, view) {
      let least = -1;
      for (const v of view.instances) {
        if (!v.available || v.role === 'decode') continue;
        if (least < 0 || v.outstanding < (view.instances[least]?.outstanding ?? 0)) least = v.id;
      }
      if (least < 0) return -1;
      let pick = least;
      const a = affinity(req);
      const av = a === undefined ? undefined : view.instances[a];
      if (av && av.available && av.role !== 'decode') {
        const min = (view.instances[least] as { outstanding: number }).outstanding;
        if (av.outstanding <= 2 * min + AFFINITY_SLACK) {
          pick = av.id;
          hits++;
        }
      }
      if (req.sessionId !== undefined) home.set(req.sessionId, pick);
      for (const h of req.prefixHashes ?? []) holder.set(h, pick);
      return pick;
    },
  };
  return { router, stats: () => ({ affinityHits: hits }) };
};
