import { InputError } from '../../core/errors.js';
import { addPrefillChunk, emptyShape } from '../../model/perfModel.js';
import { gpus, models } from '../presets.js';
import { columnIndex, numberField, parseCsv, textField } from '../profile/csv.js';
import type { MeasuredPhase, MeasuredPoint } from './points.js';

/** The columns of a measured-iterations CSV, for messages and docs. */
export const MEASURED_COLUMNS = ['model', 'gpu', 'tp', 'prefill_seqs', 'prefill_tokens', 'decode_seqs', 'context_tokens', 'seconds'] as const;

/**
 * Your own measured iteration times, one per line:
 * `model,gpu,tp,prefill_seqs,prefill_tokens,decode_seqs,context_tokens,seconds`, with our preset
 * names (llama-2-7b, a100-80gb).
 * - prefill_tokens are split evenly over prefill_seqs new prompts, no cached prefix.
 * - decode_seqs sequences decode one token each; context_tokens is their total KV length.
 * - seconds is the time of the whole iteration.
 *
 * A line with both prefill and decodes is a mixed (chunked-prefill) step. Repeats of a shape share a
 * cross-validation fold. Every problem is an InputError naming the file, line and field.
 */
export function parseMeasuredCsv(text: string, file: string): MeasuredPoint[] {
  const t = parseCsv(text, file);
  const c = Object.fromEntries(MEASURED_COLUMNS.map((name) => [name, columnIndex(t, name)])) as Record<(typeof MEASURED_COLUMNS)[number], number>;
  const out: MeasuredPoint[] = [];
  for (let r = 0; r < t.rows.length; r++) {
    const line = t.lines[r] as number;
    const model = textField(t, r, c.model);
    const gpu = textField(t, r, c.gpu);
    if (!models.has(model)) throw new InputError(file, line, 'model', `unknown model '${model}'; valid: ${models.names().join(', ')}`);
    if (!gpus.has(gpu)) throw new InputError(file, line, 'gpu', `unknown gpu '${gpu}'; valid: ${gpus.names().join(', ')}`);
    const int = (col: number, min: number): number => numberField(t, r, col, { integer: true, min });
    const tp = int(c.tp, 1);
    const pSeqs = int(c.prefill_seqs, 0);
    const pTokens = int(c.prefill_tokens, 0);
    const dSeqs = int(c.decode_seqs, 0);
    const context = int(c.context_tokens, 0);
    const seconds = numberField(t, r, c.seconds, { min: 0 });
    if (!(seconds > 0)) throw new InputError(file, line, 'seconds', `expected a time > 0, got ${seconds}`);
    if ((pSeqs === 0) !== (pTokens === 0) || pTokens < pSeqs) {
      throw new InputError(file, line, 'prefill_tokens', `expected prefill_tokens >= prefill_seqs, both 0 or both > 0; got ${pTokens} tokens in ${pSeqs} seqs`);
    }
    if (pSeqs + dSeqs === 0) throw new InputError(file, line, 'decode_seqs', 'an empty iteration: no prefill and no decodes');
    const shape = emptyShape();
    for (let i = 0; i < pSeqs; i++) addPrefillChunk(shape, 0, Math.floor(pTokens / pSeqs) + (i < pTokens % pSeqs ? 1 : 0));
    shape.decodeSeqs = dSeqs;
    shape.decodeContextTokens = context;
    const phase: MeasuredPhase = pSeqs === 0 ? 'decode' : dSeqs === 0 ? 'prefill' : 'mixed';
    out.push({ model, gpu, tp, phase, shape, seconds, batch: pSeqs + dSeqs, config: [pSeqs, pTokens, dSeqs, context], line });
  }
  return out;
}
