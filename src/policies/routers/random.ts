import { ConfigError } from '../../core/errors.js';
import type { RouterFactory } from './router.js';

/** Uniformly random among available instances, from the router's own seeded stream. */
export const randomRouter: RouterFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'random' takes no argument, got '${ctx.arg}'`);
  return {
    name: 'random',
    route(_req, view) {
      const xs = view.instances;
      let avail = 0;
      for (const v of xs) if (v.available) avail++;
      if (avail === 0) return -1;
      let k = ctx.rng.int(avail);
      for (let i = 0; i < xs.length; i++) {
        if (!xs[i]?.available) continue;
        if (k-- === 0) return i;
      }
      return -1;
    },
  };
};
