import type { Endpoint } from '../openai.js';

const WORDS = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'a', 'lazy', 'dog', 'while', 'emulated', 'tokens', 'stream', 'past'];

/** Placeholder text of output token `k` (0-based): one word with a leading space, so one token per word. */
export function tokenText(k: number): string {
  return ` ${WORDS[k % WORDS.length] as string}`;
}

export function textOf(from: number, n: number): string {
  let s = '';
  for (let k = from; k < from + n; k++) s += tokenText(k);
  return s;
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export function usageOf(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** One streamed chunk in the shape vLLM sends for the endpoint. */
export function chunk(endpoint: Endpoint, id: string, created: number, model: string, text: string, finish: string | null, first: boolean): object {
  if (endpoint === 'chat') {
    const delta = first ? { role: 'assistant', content: text } : { content: text };
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  }
  return { id, object: 'text_completion', created, model, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] };
}

/** The usage chunk sent last when `stream_options.include_usage` is set: no choices. */
export function usageChunk(endpoint: Endpoint, id: string, created: number, model: string, usage: Usage): object {
  return { id, object: endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model, choices: [], usage };
}

export function fullResponse(endpoint: Endpoint, id: string, created: number, model: string, text: string, finish: string, usage: Usage): object {
  if (endpoint === 'chat') {
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finish }],
      usage,
    };
  }
  return { id, object: 'text_completion', created, model, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }], usage };
}
