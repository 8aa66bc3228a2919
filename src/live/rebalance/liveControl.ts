import { emptyShape, type PerfModel } from '../../model/perfModel.js';
import type { ClusterView } from '../../policies/clusterView.js';
import type { ClusterControl, RequestSnapshot } from '../../policies/controllers/controller.js';
import type { BackendState } from '../backend.js';
import type { Clock } from '../clock.js';
import type { LiveClusterView } from '../liveView.js';
import type { StreamFlight } from './flight.js';

/**
 * `ClusterControl` on live backends, so a policy's own controllers (GAPS's rebalancer, Llumnix's
 * migrator) run unchanged in the gateway:
 *
 * - `view`: the same live view the router reads, refreshed at each access.
 * - `requestsOn(i)`: the streamed requests in the router's in-flight table now relayed from backend
 *   i that can be moved: phase 'waiting' before the client's first token, 'decoding' after it;
 *   generated tokens counted from the relayed stream; KV tokens 0 while waiting (as in the
 *   simulator: nothing cached yet), else prompt + generated (the KV the source holds, which a
 *   re-send must prefill again). Non-streamed requests, and streamed ones that cannot be continued
 *   elsewhere (n > 1, tool calls, token-id prompts, ...), are not listed: their progress is not
 *   visible or not transferable.
 * - `migrationCost(id)`: a live estimate of the stall a move causes: a waiting request's is the
 *   re-send overhead; a decoding one's adds the prefill of its prompt plus generated text on the
 *   target, timed by the policy's performance model (the one GAPS estimates with).
 * - `migrate(id, to)`: starts the move (make-before-break, see `StreamFlight`) and returns true; false
 *   when the request is unknown, not movable, already moving, or the target is not available.
 *   Live moves and stop-and-copy are the same here: the re-send is the only mechanism.
 */
export class LiveClusterControl implements ClusterControl {
  private readonly flights = new Map<number, StreamFlight>();

  constructor(
    private readonly liveView: LiveClusterView,
    private readonly backends: readonly BackendState[],
    private readonly clock: Clock,
    private readonly perf: PerfModel,
    private readonly start: (f: StreamFlight, to: BackendState) => void,
    /** Seconds a move costs beyond the target's prefill (the re-send's round trip). */
    private readonly overheadS: number,
  ) {}

  get view(): ClusterView {
    return this.liveView.refresh(this.clock.now());
  }

  add(f: StreamFlight): void {
    this.flights.set(f.id, f);
  }

  remove(f: StreamFlight): void {
    this.flights.delete(f.id);
  }

  requestsOn(instance: number): RequestSnapshot[] {
    const out: RequestSnapshot[] = [];
    for (const f of this.flights.values()) {
      if (f.backend.id !== instance || f.reason !== undefined) continue;
      out.push({
        id: f.id,
        instance,
        phase: f.delivered === 0 ? 'waiting' : 'decoding',
        arrival: f.arrival,
        promptTokens: f.parsed.promptTokens,
        generatedTokens: f.delivered,
        kvTokens: f.delivered === 0 ? 0 : f.parsed.promptTokens + f.delivered,
        predictedOutputTokens: f.predicted,
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  migrationCost(id: number): number {
    const f = this.flights.get(id);
    if (!f) return Number.POSITIVE_INFINITY;
    if (f.delivered === 0) return this.overheadS;
    return this.overheadS + this.prefillSeconds(f.parsed.promptTokens + f.delivered);
  }

  private prefillSeconds(tokens: number): number {
    const s = emptyShape();
    s.prefillSeqs = 1;
    s.prefillTokens = tokens;
    s.prefillAttnPairs = (tokens * (tokens + 1)) / 2;
    return this.perf.iterationTime(s);
  }

  migrate(id: number, to: number): boolean {
    const f = this.flights.get(id);
    const target = this.backends[to];
    if (!f || !target || !f.movable || f.backend.id === to || !target.available(this.clock.now())) return false;
    this.start(f, target);
    return true;
  }
}
