import { ConfigError } from '../../core/errors.js';
import type { ClusterView, InstanceView } from '../clusterView.js';
import type { ClusterControl, Controller } from '../controllers/controller.js';
import type { ClusterPolicyFactory } from '../clusterPolicy.js';

/**
 * Llumnix (Sun et al., OSDI 2024), as far as a cluster simulator can host it. Read against the
 * paper and the reference implementation's global scheduler (AlibabaPAI/llumnix: its
 * `remaining_steps` load, load filter and `balanced` pair-migration policy); our own code:
 *
 * - Freeness ("remaining steps"): F = (M - V) / B, with M the KV capacity in blocks, V the virtual
 *   usage (physical KV plus the blocks the queued prompts will need plus what this dispatcher sent
 *   since the last report) and B the requests that will share it (running, plus one when a queue
 *   waits, so that a queue makes an instance look busy even with an empty batch). F is how many
 *   more decode steps the batch can take before it runs out of KV.
 * - Dispatch: to the instance with the highest freeness.
 * - Migration, every `intervalS` (Llumnix polls every 0.05 s): instances with F below
 *   `migrateOutThreshold` are sources, those above it destinations. Sources sorted from the least
 *   free, destinations from the most free, are paired in order; a pair migrates when moving one
 *   request narrows the gap without reversing it (0 < F_dst' - F_src' < F_dst - F_src) and leaves the
 *   destination above the threshold. The request moved is the source's shortest running one (the
 *   least KV: Llumnix's shortest-job-first choice, cheapest to copy). Migration is live: the
 *   request decodes while its KV is copied in stages and stops only for the last stage and a pause.
 *
 * `llumnix:KEY=V,...` sets `intervalS`, `migrateOutThreshold`, `maxPairs`. Priorities, auto-scaling
 * and the fake-usage trick for draining instances are not modelled.
 */
export interface LlumnixOptions {
  readonly intervalS: number;
  /** Freeness (decode steps of KV left per request) below which an instance sheds load. */
  readonly migrateOutThreshold: number;
  /** Most source/destination pairs migrating per round. */
  readonly maxPairs: number;
}

export const DEFAULT_LLUMNIX: LlumnixOptions = { intervalS: 0.05, migrateOutThreshold: 3, maxPairs: 8 };

export function parseLlumnixOptions(arg: string | undefined): LlumnixOptions {
  if (arg === undefined) return DEFAULT_LLUMNIX;
  const out: Record<string, number> = { ...DEFAULT_LLUMNIX };
  const valid = Object.keys(DEFAULT_LLUMNIX);
  for (const part of arg.split(',')) {
    const [k, v] = part.split('=');
    if (k === undefined || !valid.includes(k)) throw new ConfigError(`router 'llumnix': unknown option '${k ?? part}'; valid: ${valid.join(', ')} (as llumnix:KEY=V,...)`);
    const x = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isFinite(x)) throw new ConfigError(`router 'llumnix': option '${k}' needs a number, got '${v ?? ''}'`);
    if (k !== 'migrateOutThreshold' && !(x > 0)) throw new ConfigError(`router 'llumnix': option '${k}' must be positive, got ${x}`);
    out[k] = x;
  }
  return out as unknown as LlumnixOptions;
}

export class Freeness {
  private readonly sinceBlocks: Float64Array;
  private readonly seenReport: Float64Array;

  constructor(n: number) {
    this.sinceBlocks = new Float64Array(n);
    this.seenReport = new Float64Array(n).fill(-1);
  }

  /** Freeness of v, with `deltaBlocks` more (or fewer) blocks and `deltaReqs` more (or fewer) requests. */
  of(v: InstanceView, deltaBlocks = 0, deltaReqs = 0): number {
    if (this.seenReport[v.id] !== v.reportTime) {
      this.seenReport[v.id] = v.reportTime;
      this.sinceBlocks[v.id] = 0;
    }
    const queued = Math.ceil(v.waitingPromptTokens / v.kvBlockSize);
    const virtual = v.kvUsedBlocks + queued + (this.sinceBlocks[v.id] as number) + deltaBlocks;
    const sharers = v.running + (v.waiting > 0 ? 1 : 0) + deltaReqs;
    return (v.kvTotalBlocks - virtual) / Math.max(1, sharers);
  }

  sent(instance: number, blocks: number): void {
    this.sinceBlocks[instance] = (this.sinceBlocks[instance] as number) + blocks;
  }
}

export class LlumnixMigrator implements Controller {
  readonly name = 'llumnix-migrator';
  readonly intervalS: number;
  moves = 0;
  rounds = 0;

  constructor(
    private readonly freeness: Freeness,
    private readonly opts: LlumnixOptions,
  ) {
    this.intervalS = opts.intervalS;
  }

  tick(_now: number, ctl: ClusterControl): void {
    this.rounds++;
    const t = this.opts.migrateOutThreshold;
    const scored = ctl.view.instances.filter((v) => v.available && v.role !== 'prefill').map((v) => ({ v, f: this.freeness.of(v) }));
    const sources = scored.filter((x) => x.f < t).sort((a, b) => a.f - b.f || a.v.id - b.v.id);
    const dests = scored.filter((x) => x.f > t).sort((a, b) => b.f - a.f || a.v.id - b.v.id);
    const pairs = Math.min(sources.length, dests.length, this.opts.maxPairs);
    for (let k = 0; k < pairs; k++) {
      const src = sources[k] as { v: InstanceView; f: number };
      const dst = dests[k] as { v: InstanceView; f: number };
      const running = ctl.requestsOn(src.v.id).filter((r) => r.phase === 'decoding');
      running.sort((a, b) => a.kvTokens - b.kvTokens || a.id - b.id);
      const pick = running[0];
      if (!pick) continue;
      const blocks = Math.ceil(pick.kvTokens / dst.v.kvBlockSize);
      const srcAfter = this.freeness.of(src.v, -blocks, -1);
      const dstAfter = this.freeness.of(dst.v, blocks, 1);
      const gapBefore = dst.f - src.f;
      const gapAfter = dstAfter - srcAfter;
      if (dstAfter <= t || !(gapAfter > 0 && gapAfter < gapBefore)) continue;
      if (ctl.migrate(pick.id, dst.v.id, 'live')) {
        this.moves++;
        this.freeness.sent(dst.v.id, blocks);
        this.freeness.sent(src.v.id, -blocks);
      }
    }
  }
}

/** Llumnix as a cluster policy: freeness dispatch, and the migrator as its controller. */
export const llumnixRouter: ClusterPolicyFactory = (ctx) => {
  const opts = parseLlumnixOptions(ctx.arg);
  const freeness = new Freeness(ctx.numInstances);
  const migrator = new LlumnixMigrator(freeness, opts);
  const route = (req: { promptTokens: number }, view: ClusterView): number => {
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
  };
  return {
    router: { name: 'llumnix', route },
    controllers: [migrator],
    // What freeness reads (dispatch and migrator alike): the windowed utilisation and SLO rate are not.
    reportFields: ['reportTime', 'waiting', 'running', 'kvUsedBlocks', 'waitingPromptTokens'],
    stats: () => ({ liveMigrations: migrator.moves, migrationRounds: migrator.rounds }),
  };
};
