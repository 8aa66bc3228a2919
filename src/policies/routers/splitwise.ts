import { ConfigError } from '../../core/errors.js';
import type { ClusterView, InstanceRole, InstanceView, Router, RouterFactory } from './router.js';

/**
 * Splitwise (Patel et al., ISCA 2024): phase splitting. The cluster is split into a prompt pool and a
 * token pool. A new request goes to the prompt instance with the shortest queue (Join-the-Shortest-
 * Queue on pending prompt tokens); when its prefill finishes, its KV is transferred over the
 * interconnect to the token instance with the lowest memory (KV) usage, where it decodes. The
 * simulator charges the transfer (KV bytes / interconnect bandwidth) and the handoff shows in TBT.
 *
 * `splitwise:P` sets the number of prompt instances (default: half, rounded up). Splitwise's mixed
 * overflow pool and its per-machine batching tweaks are not modelled (docs/GAPS.md).
 */
export const splitwiseRouter: RouterFactory = (ctx) => {
  const n = ctx.numInstances;
  if (n < 2) throw new ConfigError(`router 'splitwise' splits prompt and decode instances and needs at least 2 instances, got ${n}`);
  const p = ctx.arg === undefined ? Math.ceil(n / 2) : Number(ctx.arg);
  if (!Number.isInteger(p) || p < 1 || p >= n) {
    throw new ConfigError(`router 'splitwise:P': P prompt instances must be an integer in [1, ${n - 1}] for ${n} instances, got '${ctx.arg}'`);
  }
  // Tokens and requests sent since each instance's last report, so bursts do not pile onto one.
  const promptSince = new Float64Array(n);
  const decodeSince = new Float64Array(n);
  const seenReport = new Float64Array(n).fill(-1);
  const refresh = (v: InstanceView): void => {
    if (seenReport[v.id] !== v.reportTime) {
      seenReport[v.id] = v.reportTime;
      promptSince[v.id] = 0;
      decodeSince[v.id] = 0;
    }
  };
  const pick = (view: ClusterView, role: InstanceRole, score: (v: InstanceView) => number): number => {
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const v of view.instances) {
      if (!v.available || v.role !== role) continue;
      refresh(v);
      const s = score(v);
      if (s < bestScore) {
        best = v.id;
        bestScore = s;
      }
    }
    return best;
  };
  const router: Router = {
    name: 'splitwise',
    instanceRoles: (count) => Array.from({ length: count }, (_, i): InstanceRole => (i < p ? 'prefill' : 'decode')),
    route(req, view) {
      const i = pick(view, 'prefill', (v) => v.waitingPromptTokens + (promptSince[v.id] as number));
      if (i >= 0) promptSince[i] = (promptSince[i] as number) + req.promptTokens;
      return i;
    },
    routeDecode(req, _from, view) {
      const i = pick(view, 'decode', (v) => v.kvUsedBlocks + (decodeSince[v.id] as number));
      if (i >= 0) decodeSince[i] = (decodeSince[i] as number) + Math.ceil(req.promptTokens / (view.instances[i] as InstanceView).kvBlockSize);
      return i;
    },
  };
  return router;
};
