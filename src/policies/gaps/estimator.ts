import { emptyShape, type PerfModel } from '../../model/perfModel.js';
import type { InstanceView } from '../clusterView.js';

/** Router-side knowledge of one instance: what this router sent there and has not seen complete. */
export interface InstanceLedger {
  /** Outstanding requests routed here by us. */
  count: number;
  /** Sum over them of prompt + calibrated predicted output tokens: their peak KV demand. */
  demandTokens: number;
  /** Prompt tokens we sent since the instance's last report (not yet in its waiting count). */
  promptSinceReport: number;
  /** The report time the field above is relative to. */
  reportTime: number;
}

export function newLedger(): InstanceLedger {
  return { count: 0, demandTokens: 0, promptSinceReport: 0, reportTime: -1 };
}

/**
 * Predicted completion time of a request on an instance: GAPS Eq. 9 with the intent the paper states
 * ("the instance with the smallest predicted completion time"), since adding the same s~ to every
 * queue cannot change a choice. The estimate is built from the instance's last report, the router's
 * own ledger and the performance model:
 *
 *   C_j(i) = wait_j + prefill_j(i) + s~_i * tpot_j
 *
 * - tpot_j: one decode step with the batch the request would join (running + waiting + sent since
 *   the report + 1) at the context the KV cache reports plus the request's own;
 * - prefill_j(i): prefilling the prompt tokens queued ahead (reported waiting plus sent since) and the
 *   request's own prompt;
 * - wait_j: when the predicted peak KV demand of the instance's outstanding requests plus this one
 *   exceeds its KV capacity, the excess must drain first, at the decode rate batch / tpot_j tokens/s.
 *
 * This makes the service time instance-dependent (a busy instance decodes more slowly) and makes the
 * backlog forward-looking (predicted demand, not just request counts).
 */
export class CompletionEstimator {
  private readonly shape = emptyShape();

  constructor(private readonly perf: PerfModel) {}

  estimate(v: InstanceView, ledger: InstanceLedger, promptTokens: number, calibratedTokens: number): number {
    const s = this.shape;
    const batch = v.running + v.waiting + v.sinceReport + 1;
    const ownCtx = promptTokens + calibratedTokens / 2;
    s.prefillSeqs = s.prefillTokens = s.prefillAttnPairs = s.prefillPastTokens = 0;
    s.decodeSeqs = batch;
    s.decodeContextTokens = v.kvUsedBlocks * v.kvBlockSize + ownCtx * (batch - v.running);
    const tpot = this.perf.iterationTime(s);
    const queuedPrompt = v.waitingPromptTokens + ledger.promptSinceReport + promptTokens;
    s.decodeSeqs = 0;
    s.decodeContextTokens = 0;
    s.prefillSeqs = 1;
    s.prefillTokens = queuedPrompt;
    s.prefillAttnPairs = (queuedPrompt * (queuedPrompt + 1)) / 2;
    const prefill = this.perf.iterationTime(s);
    const capacity = v.kvTotalBlocks * v.kvBlockSize;
    const demand = Math.max(ledger.demandTokens, v.kvUsedBlocks * v.kvBlockSize) + promptTokens + calibratedTokens;
    const excess = Math.max(0, demand - capacity);
    const wait = excess > 0 ? (excess * tpot) / batch : 0;
    return wait + prefill + calibratedTokens * tpot;
  }
}

/** Keeps a ledger's since-report counter aligned with the instance's report. */
export function syncLedger(ledger: InstanceLedger, v: InstanceView): void {
  if (ledger.reportTime !== v.reportTime) {
    ledger.reportTime = v.reportTime;
    ledger.promptSinceReport = 0;
  }
}
