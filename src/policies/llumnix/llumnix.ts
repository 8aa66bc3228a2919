import { ConfigError } from '../../core/errors.js';
import type { ClusterView, InstanceView } from '../clusterView.js';
import type { ClusterControl, Controller } from '../controllers/controller.js';
import type { Router, RouterFactory } from '../routers/router.js';

/**
 * Llumnix (Sun et al., OSDI 2024), as far as a cluster simulator can host it:
 *
 * - Virtual usage: an instance's load is its physical KV usage plus the KV its queued requests will
 *   need (Llumnix adds the head-of-line request's demand so queued work counts), plus what this
 *   dispatcher sent since the last report. Freeness F = (M - V) / B, with M the KV capacity in blocks,
 *   V the virtual usage and B the batch size (running requests, at least 1).
 * - Dispatch: to the instance with the highest freeness.
 * - Continuous rebalancing by live migration: every `intervalS`, instances whose freeness is below
 *   `sourceBelow` are paired with those above `targetAbove` (lowest with highest), and one running
 *   request per pair moves: the one with the least KV (cheapest to copy, Llumnix's preference for
 *   short sequences). Migration is live: the request decodes while its KV is copied in stages and
 *   stops only for the last stage and a fixed pause.
 *
 * Priorities, auto-scaling and the fake-usage trick for draining instances are not modelled.
 */
export interface LlumnixOptions {
  readonly intervalS: number;
  /** Freeness (free blocks per running request) below which an instance sheds load. */
  readonly sourceBelow: number;
  /** Freeness above which an instance takes migrated load. */
  readonly targetAbove: number;
}

export const DEFAULT_LLUMNIX: LlumnixOptions = { intervalS: 0.1, sourceBelow: 10, targetAbove: 60 };

class Freeness {
  private readonly sinceBlocks: Float64Array;
  private readonly seenReport: Float64Array;

  constructor(n: number) {
    this.sinceBlocks = new Float64Array(n);
    this.seenReport = new Float64Array(n).fill(-1);
  }

  of(v: InstanceView): number {
    if (this.seenReport[v.id] !== v.reportTime) {
      this.seenReport[v.id] = v.reportTime;
      this.sinceBlocks[v.id] = 0;
    }
    const queued = Math.ceil(v.waitingPromptTokens / v.kvBlockSize);
    const virtual = v.kvUsedBlocks + queued + (this.sinceBlocks[v.id] as number);
    return (v.kvTotalBlocks - virtual) / Math.max(1, v.running);
  }

  sent(instance: number, blocks: number): void {
    this.sinceBlocks[instance] = (this.sinceBlocks[instance] as number) + blocks;
  }
}

class LlumnixMigrator implements Controller {
  readonly name = 'llumnix-migrator';
  readonly intervalS: number;
  moves = 0;

  constructor(
    private readonly freeness: Freeness,
    private readonly opts: LlumnixOptions,
  ) {
    this.intervalS = opts.intervalS;
  }

  tick(_now: number, ctl: ClusterControl): void {
    const scored = ctl.view.instances
      .filter((v) => v.available && v.role === 'mixed')
      .map((v) => ({ v, f: this.freeness.of(v) }))
      .sort((a, b) => a.f - b.f || a.v.id - b.v.id);
    let lo = 0;
    let hi = scored.length - 1;
    while (lo < hi) {
      const src = scored[lo] as { v: InstanceView; f: number };
      const dst = scored[hi] as { v: InstanceView; f: number };
      if (src.f >= this.opts.sourceBelow || dst.f <= this.opts.targetAbove) return;
      const running = ctl.requestsOn(src.v.id).filter((r) => r.phase === 'decoding');
      running.sort((a, b) => a.kvTokens - b.kvTokens || a.id - b.id);
      const pick = running[0];
      if (pick && ctl.migrate(pick.id, dst.v.id, 'live')) {
        this.moves++;
        this.freeness.sent(dst.v.id, Math.ceil(pick.kvTokens / dst.v.kvBlockSize));
      }
      lo++;
      hi--;
    }
  }
}

export const llumnixRouter: RouterFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'llumnix' takes no argument, got '${ctx.arg}'`);
  const freeness = new Freeness(ctx.numInstances);
  const migrator = new LlumnixMigrator(freeness, DEFAULT_LLUMNIX);
  const router: Router = {
    name: 'llumnix',
    controllers: [migrator],
    route(req, view: ClusterView) {
      let best = -1;
      let bestF = Number.NEGATIVE_INFINITY;
      for (const v of view.instances) {
        if (!v.available || v.role === 'decode') continue;
        const f = freeness.of(v);
        if (f > bestF) {
          bestF = f;
          best = v.id;
        }
      }
      if (best >= 0) freeness.sent(best, Math.ceil(req.promptTokens / (view.instances[best] as InstanceView).kvBlockSize));
      return best;
    },
    stats: () => ({ liveMigrations: migrator.moves }),
  };
  return router;
};
