import type { Endpoint } from '../openai.js';

/**
 * How a streamed request continues on another backend: the original body with the text generated
 * so far appended to the prompt, and `max_tokens` reduced by the tokens already delivered.
 *
 * - `/v1/completions`: `prompt` + text (the prompt must be a string: a token-id prompt cannot be
 *   extended without the output's token ids, so such a request is not movable).
 * - `/v1/chat/completions`: the original messages plus an assistant message holding the partial
 *   text, with `continue_final_message: true` and `add_generation_prompt: false` (vLLM's and
 *   SGLang's parameters for continuing the final message instead of opening a new turn).
 *
 * Nothing delivered yet (the request was waiting): the original body, unchanged.
 */
export function continuationBody(endpoint: Endpoint, body: Readonly<Record<string, unknown>>, text: string, delivered: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  if (delivered === 0) return out;
  for (const key of ['max_tokens', 'max_completion_tokens']) {
    const v = body[key];
    if (typeof v === 'number') out[key] = Math.max(1, v - delivered);
  }
  if (typeof body.min_tokens === 'number') out.min_tokens = Math.max(0, body.min_tokens - delivered);
  if (endpoint === 'completions') {
    out.prompt = (Array.isArray(body.prompt) ? (body.prompt[0] as string) : (body.prompt as string)) + text;
  } else {
    out.messages = [...(body.messages as unknown[]), { role: 'assistant', content: text }];
    out.continue_final_message = true;
    out.add_generation_prompt = false;
  }
  return out;
}

/** Why a streamed request cannot be continued elsewhere, or undefined when it can. */
export function notMovable(endpoint: Endpoint, body: Readonly<Record<string, unknown>>): string | undefined {
  const n = body.n;
  if (typeof n === 'number' && n > 1) return 'n > 1';
  if (typeof body.best_of === 'number' && body.best_of > 1) return 'best_of > 1';
  if (body.echo === true) return 'echo';
  if (endpoint === 'completions') {
    const p = body.prompt;
    const text = typeof p === 'string' || (Array.isArray(p) && p.length === 1 && typeof p[0] === 'string');
    if (!text) return 'token-id prompt';
    if (body.suffix !== undefined && body.suffix !== null) return 'suffix';
  } else {
    if (body.tools !== undefined || body.functions !== undefined) return 'tool calls';
    if (body.continue_final_message === true) return 'already continuing a message';
  }
  return undefined;
}

/** The text an SSE chunk carries (choice 0): `text` for completions, `delta.content` for chat. */
export function chunkText(endpoint: Endpoint, chunk: { choices?: unknown }): string {
  const c = Array.isArray(chunk.choices) ? (chunk.choices[0] as Record<string, unknown> | undefined) : undefined;
  if (!c) return '';
  if (endpoint === 'completions') return typeof c.text === 'string' ? c.text : '';
  const d = c.delta as Record<string, unknown> | undefined;
  return d && typeof d.content === 'string' ? d.content : '';
}

/** What the client saw first: later upstreams' chunks carry the same `id`, `created` and `model`. */
export interface StreamMeta {
  readonly id: unknown;
  readonly created: unknown;
  readonly model: unknown;
}

export interface UsageFields {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/**
 * Rewrites a chunk of a continuation so the client sees one stream: the first upstream's `id`,
 * `created` and `model`; no second `role` in a chat delta; usage counted from the original request:
 * prompt tokens = the continuation's prompt minus the `base` tokens it re-sent, completion tokens =
 * `base` + the continuation's own. (The re-sent text is retokenised by the target; where its
 * tokenisation differs from the source's output the split between the two counts shifts by that
 * difference, the total does not.)
 */
export function stitchChunk(chunk: Record<string, unknown>, meta: StreamMeta | undefined, base: number): void {
  if (meta) {
    chunk.id = meta.id;
    chunk.created = meta.created;
    chunk.model = meta.model;
    const c = Array.isArray(chunk.choices) ? (chunk.choices[0] as Record<string, unknown> | undefined) : undefined;
    const d = c?.delta as Record<string, unknown> | undefined;
    if (d && 'role' in d) delete d.role;
  }
  const u = chunk.usage as UsageFields | null | undefined;
  if (u && base > 0) {
    const prompt = Math.max(0, (u.prompt_tokens ?? 0) - base);
    const completion = (u.completion_tokens ?? 0) + base;
    u.prompt_tokens = prompt;
    u.completion_tokens = completion;
    u.total_tokens = prompt + completion;
  }
}
