import { ConfigError } from '../../core/errors.js';
import { argminAvailable, type RouterFactory } from './router.js';

/**
 * Lowest KV-cache usage from the last report. Requests sent since that report are counted at the
 * prompt length the router knows, so a burst between reports does not pile onto one instance.
 */
export const leastKvRouter: RouterFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'least-kv' takes no argument, got '${ctx.arg}'`);
  return {
    name: 'least-kv',
    route: (_req, view) =>
      argminAvailable(view, (v) => (v.kvTotalBlocks > 0 ? v.kvUsage + v.sinceReport / v.kvTotalBlocks : v.sinceReport)),
  };
};
