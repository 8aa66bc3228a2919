import { ConfigError } from '../../core/errors.js';
import { argminAvailable, type RouterFactory } from './router.js';

/** Fewest outstanding requests, counted by the router itself (live, not from stale reports). */
export const leastOutstandingRouter: RouterFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'least-outstanding' takes no argument, got '${ctx.arg}'`);
  return {
    name: 'least-outstanding',
    // The host's incremental index when it keeps one (the same answer as the scan).
    route: (_req, view) => (view.leastOutstanding ? view.leastOutstanding() : argminAvailable(view, (v) => v.outstanding)),
  };
};
