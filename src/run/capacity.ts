import { emptyShape, addPrefillChunk, type PerfModel } from '../model/perfModel.js';

export interface CapacityInputs {
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  readonly kvBlocks: number;
  readonly blockSize: number;
}

/**
 * Nominal capacity of one instance in requests per second for a workload with the given mean
 * prompt and output lengths; `--load 0.8` means 80% of this, times the number of instances.
 *
 * The estimate: in steady state the decode batch holds B = min(maxNumSeqs, KV tokens / (P + O/2))
 * requests (a request holds on average its prompt plus half its output in KV). A decode iteration of
 * B requests at that context takes t_d, so each output token after the first costs t_d / B of
 * instance time. Prefill is done in chunks of up to maxBatchedTokens tokens at t_p per token. One
 * request therefore costs P * t_p + (O - 1) * t_d / B seconds of instance time, and capacity is its
 * inverse. It ignores the interference of mixed batches and queueing, so it is an upper bound in
 * spirit: real saturation comes earlier, and the tests do not depend on its exact value.
 */
export function nominalCapacity(perf: PerfModel, c: CapacityInputs, meanPrompt: number, meanOutput: number): number {
  const P = Math.max(1, meanPrompt);
  const O = Math.max(1, meanOutput);
  const kvTokens = c.kvBlocks * c.blockSize;
  const B = Math.max(1, Math.min(c.maxNumSeqs, Math.floor(kvTokens / (P + O / 2))));
  const s = emptyShape();
  s.decodeSeqs = B;
  s.decodeContextTokens = B * (P + O / 2);
  const td = perf.iterationTime(s);
  const chunk = Math.min(Math.ceil(P), c.maxBatchedTokens);
  const p = emptyShape();
  addPrefillChunk(p, 0, chunk);
  const tp = perf.iterationTime(p) / chunk;
  return 1 / (P * tp + ((O - 1) * td) / B);
}
