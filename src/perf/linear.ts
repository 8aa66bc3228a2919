import type { BatchShape, PerfModel } from '../model/perfModel.js';

/**
 * time = a + b * prefill tokens + c * decode sequences + d * decode context tokens + e * prefill
 * attention pairs (seconds). For theory tests: `linear:0.05` is a constant 50 ms per iteration.
 */
export class LinearPerfModel implements PerfModel {
  readonly name = 'linear';
  constructor(
    readonly a: number,
    readonly b = 0,
    readonly c = 0,
    readonly d = 0,
    readonly e = 0,
  ) {
    this.decodeMonotone = c >= 0 && d >= 0;
  }

  /** Non-negative per-sequence and per-context-token coefficients. */
  readonly decodeMonotone: boolean;

  iterationTime(s: BatchShape): number {
    return this.a + this.b * s.prefillTokens + this.c * s.decodeSeqs + this.d * s.decodeContextTokens + this.e * s.prefillAttnPairs;
  }
}
