import { emptyShape, type PerfModel } from '../../model/perfModel.js';
import type { InstanceView } from '../clusterView.js';

/** One request this router sent to an instance and has not seen complete. */
export interface LedgerEntry {
  readonly prompt: number;
  /** Calibrated predicted output tokens. */
  readonly calibrated: number;
  readonly routedAt: number;
}

/** Router-side knowledge of one instance: what this router sent there and has not seen complete. */
export class InstanceLedger {
  readonly entries = new Map<number, LedgerEntry>();
  /** Sum over entries of prompt + calibrated output: their peak KV demand. */
  demandTokens = 0;
  /** Prompt tokens sent since the instance's last report (not yet in its waiting count). */
  promptSinceReport = 0;
  reportTime = -1;
  /** Last estimated decode step time on this instance (progress estimates of its requests). */
  lastTpot = 0.02;

  add(id: number, e: LedgerEntry): void {
    this.entries.set(id, e);
    this.demandTokens += e.prompt + e.calibrated;
  }

  remove(id: number): LedgerEntry | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.demandTokens -= e.prompt + e.calibrated;
    return e;
  }

  /** Keeps the since-report counter aligned with the instance's report. */
  sync(v: InstanceView): void {
    if (this.reportTime !== v.reportTime) {
      this.reportTime = v.reportTime;
      this.promptSinceReport = 0;
    }
  }
}

/**
 * Predicted completion time of a request on an instance: GAPS Eq. 9 with the intent the paper states
 * ("the instance with the smallest predicted completion time"), since adding the same s~ to every
 * queue cannot change a choice (docs/GAPS.md):
 *
 *   C_j(i) = wait_j + prefill_j(i) + s~_i * tpot_j(b_j)
 *
 * - b_j, the batch the request will decode in, looks forward: every request the router has
 *   outstanding on j counts for the fraction of i's decode it will still be running,
 *   min(remaining_k, s~_i) / s~_i, with remaining_k its calibrated prediction minus the tokens it has
 *   probably produced since it was routed. An instance whose requests are about to finish is cheap
 *   even if it holds many. Without a ledger (no global monitoring) every reported request counts fully.
 * - tpot_j(b): one decode step of b requests at the reported context, from the performance model.
 * - prefill_j(i): the prompt tokens queued ahead (reported waiting plus sent since) and its own.
 * - wait_j: when the predicted peak KV demand of j's outstanding requests plus this one exceeds the
 *   KV capacity, the excess must drain first at the decode rate b / tpot tokens per second.
 */
export class CompletionEstimator {
  private readonly shape = emptyShape();

  constructor(private readonly perf: PerfModel) {}

  private decodeStep(batch: number, context: number): number {
    const s = this.shape;
    s.prefillSeqs = s.prefillTokens = s.prefillAttnPairs = s.prefillPastTokens = 0;
    s.decodeSeqs = Math.max(1, Math.round(batch));
    s.decodeContextTokens = context;
    return this.perf.iterationTime(s);
  }

  private prefill(tokens: number): number {
    const s = this.shape;
    s.decodeSeqs = s.decodeContextTokens = s.prefillPastTokens = 0;
    s.prefillSeqs = 1;
    s.prefillTokens = tokens;
    s.prefillAttnPairs = (tokens * (tokens + 1)) / 2;
    return this.perf.iterationTime(s);
  }

  estimate(v: InstanceView, ledger: InstanceLedger | undefined, prompt: number, calibrated: number, now: number): number {
    const own = Math.max(1, calibrated);
    const perSeqCtx = v.running > 0 ? (v.kvUsedBlocks * v.kvBlockSize) / v.running : prompt + own / 2;
    let coRunners = v.running + v.waiting + v.sinceReport;
    if (ledger) {
      const tpotNow = this.decodeStep(v.running + 1, perSeqCtx * (v.running + 1));
      ledger.lastTpot = tpotNow;
      coRunners = 0;
      for (const e of ledger.entries.values()) {
        const produced = Math.max(0, now - e.routedAt) / tpotNow;
        const remaining = Math.max(1, e.calibrated - produced);
        coRunners += Math.min(remaining, own) / own;
      }
    }
    const batch = coRunners + 1;
    const tpot = this.decodeStep(batch, perSeqCtx * batch);
    const queued = v.waitingPromptTokens + (ledger ? ledger.promptSinceReport : 0) + prompt;
    const capacity = v.kvTotalBlocks * v.kvBlockSize;
    const demand = Math.max(ledger ? ledger.demandTokens : 0, v.kvUsedBlocks * v.kvBlockSize) + prompt + own;
    const excess = Math.max(0, demand - capacity);
    const wait = excess > 0 ? (excess * tpot) / batch : 0;
    return wait + this.prefill(queued) + own * tpot;
  }

  /** The request alone on an idle instance. */
  unloaded(prompt: number, tokens: number): number {
    return this.prefill(Math.max(1, prompt)) + Math.max(1, tokens) * this.decodeStep(1, prompt + tokens / 2);
  }
}
