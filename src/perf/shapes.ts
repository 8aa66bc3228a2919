import { addPrefillChunk, emptyShape, type BatchShape } from '../model/perfModel.js';
import type { SplitwiseRow } from './profile/splitwise.js';

/** The measured prefill: batch_size prompts of prompt_size tokens in one iteration, no cache. */
export function prefillShape(r: SplitwiseRow): BatchShape {
  const s = emptyShape();
  for (let i = 0; i < r.batchSize; i++) addPrefillChunk(s, 0, r.promptSize);
  return s;
}

/**
 * The measured decode step: token_time is the mean over the generation, so each of the batch_size
 * sequences is taken at its mean context, prompt_size + token_size / 2.
 */
export function decodeShape(r: SplitwiseRow): BatchShape {
  const s = emptyShape();
  s.decodeSeqs = r.batchSize;
  s.decodeContextTokens = r.batchSize * (r.promptSize + r.tokenSize / 2);
  return s;
}
