import { ConfigError } from '../../core/errors.js';
import { emptyShape, type PerfModel } from '../../model/perfModel.js';
import type { ClusterPolicy, ClusterPolicyFactory } from '../clusterPolicy.js';
import type { ClusterView, InstanceRole, InstanceView, RouterHints } from './router.js';

/**
 * Splitwise (Patel et al., ISCA 2024): phase splitting. The cluster is split into a prompt pool, a
 * token pool and a small mixed pool. A new request goes to the prompt instance with the shortest
 * queue (Join-the-Shortest-Queue on pending prompt tokens); when its prefill finishes, its KV is
 * transferred over the interconnect to the token instance with the lowest memory (KV) usage, where
 * it decodes. The simulator charges the transfer (KV bytes / interconnect bandwidth) and the handoff
 * shows in TBT.
 *
 * Mixed pool (Splitwise's overflow): when every prompt instance has more than one iteration's worth
 * of prompt tokens queued (max_num_batched_tokens), a new request runs whole on the least loaded
 * mixed instance instead if that one has less queued; when every token instance is full (KV usage
 * above 90% or all batch slots taken), a finished prefill decodes on a mixed instance instead.
 *
 * Pool sizes: `splitwise:prompt=P,mixed=M` (or the legacy `splitwise:P`, no mixed pool). By default
 * they are chosen for the workload: the prompt pool's share of the non-mixed instances is the share
 * of prefill in a mean request's instance time at full load, P x t_p against (O - 1) x t_d(b) / b,
 * with the decode batch b = min(max_num_seqs, KV tokens / (P + O/2)) (the same decomposition as the
 * nominal capacity, src/run/capacity.ts); one mixed instance from N = 4.
 */
interface Pools {
  readonly prompt: number;
  readonly mixed: number;
}

function splitForWorkload(n: number, perf: PerfModel | undefined, h: RouterHints | undefined): Pools {
  const mixed = n >= 4 ? 1 : 0;
  const rest = n - mixed;
  if (!perf || !h) return { prompt: Math.ceil(rest / 2), mixed };
  const s = emptyShape();
  s.prefillSeqs = 1;
  s.prefillTokens = Math.max(1, h.meanPromptTokens);
  s.prefillAttnPairs = (s.prefillTokens * (s.prefillTokens + 1)) / 2;
  const prefill = perf.iterationTime(s);
  const perSeq = Math.max(1, h.meanPromptTokens + h.meanOutputTokens / 2);
  const b = Math.max(1, Math.min(h.maxNumSeqs, Math.floor(h.kvTokens / perSeq)));
  const d = emptyShape();
  d.decodeSeqs = b;
  d.decodeContextTokens = b * perSeq;
  const decode = (Math.max(0, h.meanOutputTokens - 1) * perf.iterationTime(d)) / b;
  const prompt = Math.min(rest - 1, Math.max(1, Math.round((rest * prefill) / (prefill + decode))));
  return { prompt, mixed };
}

function parsePools(n: number, arg: string | undefined, perf: PerfModel | undefined, h: RouterHints | undefined): Pools {
  if (arg === undefined) return splitForWorkload(n, perf, h);
  let pools: Pools;
  if (/^\d+$/.test(arg.trim())) pools = { prompt: Number(arg), mixed: 0 };
  else {
    const o: Record<string, number> = {};
    for (const part of arg.split(',')) {
      const [k, v] = part.split('=');
      if (k !== 'prompt' && k !== 'mixed') throw new ConfigError(`router 'splitwise': unknown option '${k ?? part}'; valid: prompt, mixed (as splitwise:prompt=P,mixed=M or splitwise:P)`);
      const x = Number(v);
      if (v === undefined || !Number.isInteger(x) || x < 0) throw new ConfigError(`router 'splitwise': option '${k}' needs a non-negative integer, got '${v ?? ''}'`);
      o[k] = x;
    }
    const auto = splitForWorkload(n, perf, h);
    const mixed = o.mixed ?? auto.mixed;
    pools = { prompt: o.prompt ?? Math.min(n - mixed - 1, auto.prompt), mixed };
  }
  const tokens = n - pools.prompt - pools.mixed;
  if (!Number.isInteger(pools.prompt) || pools.prompt < 1 || tokens < 1) {
    throw new ConfigError(`router 'splitwise': P prompt instances must be an integer in [1, ${n - 1 - pools.mixed}] for ${n} instances and ${pools.mixed} mixed, got '${arg}'`);
  }
  return pools;
}

export const splitwiseRouter: ClusterPolicyFactory = (ctx) => {
  const n = ctx.numInstances;
  if (n < 2) throw new ConfigError(`router 'splitwise' splits prompt and decode instances and needs at least 2 instances, got ${n}`);
  const pools = parsePools(n, ctx.arg, ctx.perf, ctx.hints);
  const overflowTokens = ctx.hints?.maxBatchedTokens ?? 8192;
  // Tokens and requests sent since each instance's last report, so bursts do not pile onto one.
  const promptSince = new Float64Array(n);
  const decodeSince = new Float64Array(n);
  const seenReport = new Float64Array(n).fill(-1);
  let toMixed = 0;
  let decodesOnMixed = 0;
  const refresh = (v: InstanceView): void => {
    if (seenReport[v.id] !== v.reportTime) {
      seenReport[v.id] = v.reportTime;
      promptSince[v.id] = 0;
      decodeSince[v.id] = 0;
    }
  };
  const pick = (view: ClusterView, role: InstanceRole, score: (v: InstanceView) => number): [number, number] => {
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
    return [best, bestScore];
  };
  const pending = (v: InstanceView): number => v.waitingPromptTokens + (promptSince[v.id] as number);
  const kvLoad = (v: InstanceView): number => v.kvUsedBlocks + (decodeSince[v.id] as number);
  const tokenFull = (v: InstanceView): boolean => kvLoad(v) > 0.9 * v.kvTotalBlocks || v.running + (decodeSince[v.id] as number > 0 ? 1 : 0) >= v.maxNumSeqs;
  const policy: ClusterPolicy & { pools: Pools } = {
    pools,
    instanceRoles: (count) => Array.from({ length: count }, (_, i): InstanceRole => (i < pools.prompt ? 'prefill' : i < pools.prompt + pools.mixed ? 'mixed' : 'decode')),
    router: {
      name: 'splitwise',
      route(req, view) {
        let [i, q] = pick(view, 'prefill', pending);
        if (pools.mixed > 0 && (i < 0 || q > overflowTokens)) {
          const [m, mq] = pick(view, 'mixed', (v) => pending(v) + v.outstanding);
          if (m >= 0 && (i < 0 || mq < q)) {
            i = m;
            toMixed++;
          }
        }
        if (i >= 0) promptSince[i] = (promptSince[i] as number) + req.promptTokens;
        return i;
      },
    },
    routeDecode(req, _from, view) {
      let [i] = pick(view, 'decode', kvLoad);
      if (pools.mixed > 0 && (i < 0 || tokenFull(view.instances[i] as InstanceView))) {
        const [m] = pick(view, 'mixed', kvLoad);
        if (m >= 0 && (i < 0 || !tokenFull(view.instances[m] as InstanceView))) {
          i = m;
          decodesOnMixed++;
        }
      }
      if (i >= 0) decodeSince[i] = (decodeSince[i] as number) + Math.ceil(req.promptTokens / (view.instances[i] as InstanceView).kvBlockSize);
      return i;
    },
    stats: () => ({ promptInstances: pools.prompt, mixedInstances: pools.mixed, tokenInstances: n - pools.prompt - pools.mixed, sentToMixed: toMixed, decodesOnMixed }),
  };
  return policy;
};
