import { ConfigError } from '../../core/errors.js';
import type { InstanceView, RouterFactory } from './router.js';

/**
 * Power of d choices: sample d distinct available instances uniformly and send the request to the
 * one with the fewest outstanding requests (ties: the first sampled). `power-of-d:3` sets d.
 */
export const powerOfDRouter: RouterFactory = (ctx) => {
  const d = ctx.arg === undefined ? 2 : Number(ctx.arg);
  if (!Number.isInteger(d) || d < 1) throw new ConfigError(`router 'power-of-d': d must be a positive integer, got '${ctx.arg}'`);
  const picked: number[] = [];
  return {
    name: `power-of-d`,
    route(_req, view) {
      const avail: number[] = [];
      view.instances.forEach((v, i) => {
        if (v.available) avail.push(i);
      });
      if (avail.length === 0) return -1;
      picked.length = 0;
      // Partial Fisher-Yates: the first min(d, n) entries become a uniform sample without replacement.
      const k = Math.min(d, avail.length);
      for (let j = 0; j < k; j++) {
        const r = j + ctx.rng.int(avail.length - j);
        const tmp = avail[j] as number;
        avail[j] = avail[r] as number;
        avail[r] = tmp;
        picked.push(avail[j] as number);
      }
      let best = picked[0] as number;
      for (const i of picked) {
        if ((view.instances[i] as InstanceView).outstanding < (view.instances[best] as InstanceView).outstanding) best = i;
      }
      return best;
    },
  };
};
