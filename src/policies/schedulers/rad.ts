import type { BatchBuilder, BatchPolicy } from '../../model/batchPolicy.js';

export interface RadOptions {
  /** GEMM tile in tokens (128 or 256): prefill chunks are multiples of it unless they finish a prompt. */
  readonly tile: number;
  /** Most tokens in one iteration, capped by max_num_batched_tokens. */
  readonly budget: number;
}

/**
 * RAD (Bari, Hegde, de Veciana 2025), read from its two principles (docs/SCHEDULERS.md):
 *  - optimal tiling: prefill chunks are whole multiples of the GEMM tile, so no tile runs partly
 *    empty; only the last chunk of a prompt may be shorter;
 *  - dynamic resource allocation: each iteration splits its token budget between the two phases in
 *    proportion to their backlogs in tokens of work left: prefill (prompt tokens not yet computed)
 *    and decode (output tokens still to generate, predicted, or estimated by the tokens generated so
 *    far when there is no prediction). Decodes that do not fit their share sit the iteration out,
 *    those that decoded most recently first. A phase with no backlog leaves the budget to the other.
 */
export function radScheduler(opts: RadOptions): BatchPolicy {
  const T = opts.tile;
  return {
    name: `rad:${T}`,
    preemptive: false,
    rank: (f) => f.arrival,
    ranksByArrival: true,
    formBatch(b: BatchBuilder): void {
      const cap = Math.min(opts.budget, b.maxBatchedTokens);
      const n = b.numDecoding;
      let decodeWork = 0;
      for (let i = 0; i < n; i++) decodeWork += remainingDecode(b, b.decodingAt(i));
      let prefillWork = 0;
      for (let i = 0; i < b.numPrefilling; i++) {
        const f = b.facts(b.prefillingAt(i));
        prefillWork += f.prefillTarget - f.kvTokens;
      }
      for (let i = 0; i < b.numWaiting; i++) {
        const f = b.facts(b.waitingAt(i));
        prefillWork += Math.max(0, f.prefillTarget - f.kvTokens);
      }
      let decodeShare = n;
      if (prefillWork > 0 && n > 0) {
        decodeShare = Math.min(n, Math.max(1, Math.round((cap * decodeWork) / (decodeWork + prefillWork))));
      }
      if (decodeShare < n) skipMostRecent(b, n - decodeShare);
      b.tokenBudget = cap;
      b.decodeAll();
      // Whole tiles for prefill: the budget left, rounded down to the tile.
      let tiles = Math.floor(Math.max(0, b.tokenBudget) / T) * T;
      for (let i = 0; i < b.numPrefilling && tiles > 0; i++) {
        const id = b.prefillingAt(i);
        tiles -= b.prefill(id, tileChunk(b, id, tiles, T));
      }
      while (tiles > 0 && b.numWaiting > 0) {
        const head = b.waitingHead();
        const used = b.admit(tileChunk(b, head, tiles, T), true, false);
        if (used < 0) break;
        tiles -= used;
      }
      if (b.numDecoding > 0) b.decodeAll();
    },
  };
}

/** The chunk for a request under `room` tokens: its whole remainder if it fits, else whole tiles. */
function tileChunk(b: BatchBuilder, id: number, room: number, T: number): number {
  const f = b.facts(id);
  const left = Math.max(0, f.prefillTarget - f.kvTokens);
  return left <= room ? left : Math.floor(room / T) * T;
}

function remainingDecode(b: BatchBuilder, id: number): number {
  const f = b.facts(id);
  const predicted = f.predictedOutputTokens;
  if (Number.isFinite(predicted)) return Math.max(1, predicted - f.generatedTokens);
  return Math.max(1, f.generatedTokens);
}

function skipMostRecent(b: BatchBuilder, k: number): void {
  const items: { id: number; last: number }[] = [];
  for (let i = 0; i < b.numDecoding; i++) {
    const id = b.decodingAt(i);
    items.push({ id, last: b.facts(id).lastTokenTime });
  }
  items.sort((x, y) => y.last - x.last || y.id - x.id);
  for (let i = 0; i < k && i < items.length; i++) b.skipDecode((items[i] as { id: number }).id);
}
