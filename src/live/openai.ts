/**
 * The parts of the OpenAI HTTP API both the emulator and the gateway need: error bodies, request
 * validation, and the token count a live component can know without the model's tokenizer.
 */

/** A request the server refuses; `status` and the OpenAI-style body go back to the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error',
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export function errorBody(status: number, message: string, type?: string, param: string | null = null): object {
  const e = new HttpError(status, message, type, param);
  return { error: { message: e.message, type: e.type, param: e.param, code: status } };
}

/**
 * Token count of a text without the model's tokenizer: one token per whitespace-separated word.
 * The emulator's placeholder output is one word per token and the load generator writes prompts of
 * one word per token, so the count is exact between them; for real text it is an estimate
 * (English runs about 1.3 tokens per word), used only for routing features.
 */
export function countTokens(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export type Endpoint = 'completions' | 'chat';

export interface ParsedRequest {
  readonly body: Record<string, unknown>;
  readonly model: string | undefined;
  readonly promptTokens: number;
  /** max_tokens or max_completion_tokens; undefined when absent. */
  readonly maxTokens: number | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** `user` field, used as a session key for prediction features. */
  readonly user: string | undefined;
}

function promptTokensOf(p: unknown): number {
  if (typeof p === 'string') return countTokens(p);
  if (Array.isArray(p)) {
    if (p.length === 0) throw new HttpError(400, "'prompt' must not be empty", undefined, 'prompt');
    if (p.every((x) => Number.isInteger(x))) return p.length; // token ids
    if (p.length === 1 && typeof p[0] === 'string') return countTokens(p[0]);
    throw new HttpError(400, "'prompt' must be a string, one string in a list, or a list of token ids (batches are not supported)", undefined, 'prompt');
  }
  throw new HttpError(400, "'prompt' is required: a string or a list of token ids", undefined, 'prompt');
}

function messageTokens(messages: unknown): number {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new HttpError(400, "'messages' is required: a non-empty list", undefined, 'messages');
  }
  let n = 0;
  messages.forEach((m, i) => {
    if (!isObject(m) || typeof m.role !== 'string') throw new HttpError(400, `messages[${i}] needs a string 'role'`, undefined, `messages[${i}].role`);
    const c = m.content;
    if (typeof c === 'string') n += countTokens(c);
    else if (Array.isArray(c)) for (const part of c) if (isObject(part) && typeof part.text === 'string') n += countTokens(part.text);
  });
  return Math.max(1, n);
}

/** Validates an OpenAI completions or chat body; a bad field is a 400 naming it. */
export function parseOpenAiRequest(raw: unknown, endpoint: Endpoint): ParsedRequest {
  if (!isObject(raw)) throw new HttpError(400, 'the request body must be a JSON object');
  const promptTokens = endpoint === 'chat' ? messageTokens(raw.messages) : Math.max(1, promptTokensOf(raw.prompt));
  let maxTokens: number | undefined;
  for (const key of ['max_tokens', 'max_completion_tokens']) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (!Number.isInteger(v) || (v as number) < 1) throw new HttpError(400, `'${key}' must be an integer >= 1, got ${JSON.stringify(v)}`, undefined, key);
    maxTokens = v as number;
  }
  if (raw.stream !== undefined && raw.stream !== null && typeof raw.stream !== 'boolean') {
    throw new HttpError(400, `'stream' must be a boolean, got ${JSON.stringify(raw.stream)}`, undefined, 'stream');
  }
  if (raw.model !== undefined && typeof raw.model !== 'string') throw new HttpError(400, "'model' must be a string", undefined, 'model');
  const so = raw.stream_options;
  const includeUsage = isObject(so) && so.include_usage === true;
  return {
    body: raw,
    model: raw.model as string | undefined,
    promptTokens,
    maxTokens,
    stream: raw.stream === true,
    includeUsage,
    user: typeof raw.user === 'string' ? raw.user : undefined,
  };
}
