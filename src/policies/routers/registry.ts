import { Registry } from '../../core/registry.js';
import { leastKvRouter } from './leastKv.js';
import { leastOutstandingRouter } from './leastOutstanding.js';
import { powerOfDRouter } from './powerOfD.js';
import { randomRouter } from './random.js';
import { roundRobinRouter } from './roundRobin.js';
import type { RouterFactory } from './router.js';
import { splitwiseRouter } from './splitwise.js';

/** Routers by CLI name. A new router adds its file and one line here. */
export const routers = new Registry<RouterFactory>('router')
  .register('round-robin', roundRobinRouter, 'cycle through instances')
  .register('random', randomRouter, 'uniformly random instance')
  .register('least-outstanding', leastOutstandingRouter, 'fewest outstanding requests (router-side count)')
  .register('least-kv', leastKvRouter, 'lowest reported KV-cache usage')
  .register('power-of-d', powerOfDRouter, 'sample d instances (default 2, power-of-d:D), pick fewest outstanding')
  .register('splitwise', splitwiseRouter, 'phase split: shortest-queue prompt pool, lowest-memory token pool (splitwise:P prompt instances)');
