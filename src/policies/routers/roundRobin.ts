import { ConfigError } from '../../core/errors.js';
import type { ClusterView, Router, RouterFactory } from './router.js';

/** Cycles through the instances, skipping unavailable ones. */
export const roundRobinRouter: RouterFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'round-robin' takes no argument, got '${ctx.arg}'`);
  let next = 0;
  const router: Router = {
    name: 'round-robin',
    route(_req, view: ClusterView) {
      const n = view.instances.length;
      for (let k = 0; k < n; k++) {
        const i = (next + k) % n;
        if (view.instances[i]?.available) {
          next = (i + 1) % n;
          return i;
        }
      }
      return -1;
    },
  };
  return router;
};
