import { ConfigError } from '../../core/errors.js';
import type { Router, RouterFactory } from '../routers/router.js';

/**
 * FlashGen (Jeong & Ahn, ASPLOS 2025), in the GAPS paper's role of a decode-phase-optimised baseline
 * with "local routing". Our reading (docs/GAPS.md):
 *
 * - Token-level batch merging is the instance's iteration-level (continuous) batching with chunked
 *   prefill, which every policy in this simulator already gets.
 * - Multi-turn KV reuse needs a request to return to the instance that holds its conversation's KV,
 *   so routing is session-affine: a request of a known session goes where that session last ran.
 * - Local routing: no global monitoring. Other requests go to the instance with the fewest requests
 *   this front end itself has outstanding there (its local count), never to reported load.
 *
 * Reuse of cached conversation KV inside the instance (prefix caching) is not modelled yet; the Azure
 * traces carry no session ids, so on them FlashGen reduces to local least-outstanding routing.
 */
export const flashgenRouter: RouterFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'flashgen' takes no argument, got '${ctx.arg}'`);
  const home = new Map<number, number>();
  const router: Router = {
    name: 'flashgen',
    route(req, view) {
      if (req.sessionId !== undefined) {
        const h = home.get(req.sessionId);
        if (h !== undefined && view.instances[h]?.available) return h;
      }
      let best = -1;
      for (const v of view.instances) {
        if (!v.available || v.role === 'decode') continue;
        if (best < 0 || v.outstanding < (view.instances[best]?.outstanding ?? 0)) best = v.id;
      }
      if (best >= 0 && req.sessionId !== undefined) home.set(req.sessionId, best);
      return best;
    },
  };
  return router;
};
