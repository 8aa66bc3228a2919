import { ConfigError } from '../../core/errors.js';
import { argminAvailable, type RouterFactory } from './router.js';

/** Fewest outstanding requests, counted by the router itself (live, not from stale reports). */
export const leastOutstandingRouter: RouterFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'least-outstanding' takes no argument, got '${ctx.arg}'`);
  return {
    name: 'least-outstanding',
    route: (_req, view) => argminAvailable(view, (v) => v.outstanding),
  };
};
