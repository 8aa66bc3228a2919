import { blankInstanceView, type ClusterView, type InstanceView } from '../policies/clusterView.js';
import type { BackendState } from './backend.js';

/** Where the view reads each backend's recent SLO-violation rate (the live SLO judge). */
export interface SloRates {
  rate(backend: number, now: number): number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** KV capacity assumed for a backend that does not export it (only ratios are used then). */
const DEFAULT_KV_BLOCKS = 1000;
const DEFAULT_BLOCK_SIZE = 16;
/** vLLM's default max_num_seqs: engines do not export it, so the gateway assumes it unless told. */
export const DEFAULT_MAX_NUM_SEQS = 256;

/**
 * The one adapter from live backend state to the `ClusterView` the policies read, so every
 * registered router runs unchanged in front of real servers. The view objects are reused and
 * rewritten in place at each routing decision (no allocation per request).
 *
 * Unknown signals (gauge absent, or the last scrape older than `staleAfterS`) are filled from what
 * the gateway itself knows, never with a silent 0 from an idle engine:
 * - running = the gateway's own in-flight count, waiting = 0 (everything sent is assumed running);
 * - kvUsage = the mean over backends whose KV gauge is known and fresh, else 0 (no information
 *   anywhere, so no backend is preferred on KV);
 * - waitingPromptTokens is always the gateway's own count of routed prompts with no first token yet;
 * - utilization is 1 when anything is in flight, else 0;
 * - recentSloViolationRate comes from the live SLO judge (`liveSlo.ts`), 0 when none is given.
 */
export class LiveClusterView {
  private readonly views: Mutable<InstanceView>[];
  private readonly view: Mutable<ClusterView>;

  constructor(
    private readonly backends: readonly BackendState[],
    private readonly staleAfterS: number,
    maxNumSeqs = DEFAULT_MAX_NUM_SEQS,
    private readonly slo?: SloRates,
  ) {
    // The literal itself, not a spread copy: its fractional fields stay doubles updated in place (see blankInstanceView).
    this.views = backends.map((b) => blankInstanceView(b.id, { kvTotalBlocks: DEFAULT_KV_BLOCKS, kvBlockSize: DEFAULT_BLOCK_SIZE, maxNumSeqs }) as Mutable<InstanceView>);
    this.view = { now: 0, instances: this.views };
  }

  /**
   * Rewrites the view for time `now` and returns it (the same object every time). Backends in
   * `exclude` (those a request already failed on) are shown as unavailable.
   */
  refresh(now: number, exclude?: ReadonlySet<number>): ClusterView {
    let kvSum = 0;
    let kvKnown = 0;
    for (const b of this.backends) {
      if (b.fresh(now, this.staleAfterS) && Number.isFinite(b.snapshot.kvUsage)) {
        kvSum += b.snapshot.kvUsage;
        kvKnown++;
      }
    }
    const kvFallback = kvKnown > 0 ? kvSum / kvKnown : 0;
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[i] as BackendState;
      const v = this.views[i] as Mutable<InstanceView>;
      const s = b.snapshot;
      const fresh = b.fresh(now, this.staleAfterS);
      const queuesKnown = fresh && Number.isFinite(s.waiting) && Number.isFinite(s.running);
      v.available = b.available(now) && !(exclude !== undefined && exclude.has(b.id));
      v.reportTime = fresh ? b.reportTime : now;
      v.waiting = queuesKnown ? s.waiting : 0;
      v.running = queuesKnown ? s.running : b.outstanding;
      v.kvTotalBlocks = Number.isFinite(s.kvTotalBlocks) && s.kvTotalBlocks > 0 ? s.kvTotalBlocks : DEFAULT_KV_BLOCKS;
      v.kvBlockSize = Number.isFinite(s.kvBlockSize) && s.kvBlockSize > 0 ? s.kvBlockSize : DEFAULT_BLOCK_SIZE;
      v.kvUsage = fresh && Number.isFinite(s.kvUsage) ? Math.min(1, Math.max(0, s.kvUsage)) : kvFallback;
      v.kvUsedBlocks = Math.round(v.kvUsage * v.kvTotalBlocks);
      v.waitingPromptTokens = b.pendingPromptTokens;
      v.utilization = v.running + v.waiting > 0 || b.outstanding > 0 ? 1 : 0;
      v.recentSloViolationRate = this.slo ? this.slo.rate(i, now) : 0;
      v.outstanding = b.outstanding;
      v.sinceReport = b.sinceReport;
    }
    this.view.now = now;
    return this.view;
  }
}
