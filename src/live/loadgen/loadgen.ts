import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { RequestSpec } from '../../model/request.js';
import { buildWorkload, type WorkloadOptions } from '../../workload/build.js';
import { eventData, SseSplitter } from '../gateway/sse.js';
import type { Endpoint } from '../openai.js';
import { benchReport, type BenchReport, type GoodputSlos, type RequestResult } from './report.js';

export interface LoadgenOptions {
  readonly url: string;
  /** The workload as in the simulate config (preset or trace, arrival, rate, duration, count). */
  readonly workload: WorkloadOptions;
  readonly seed: number;
  readonly endpoint: Endpoint;
  /** Model name sent; default: the first of the server's /v1/models. */
  readonly model?: string;
  readonly maxConcurrency?: number;
  /** A request still unanswered after this long fails. */
  readonly timeoutS: number;
  readonly apiKey?: string;
  readonly slos?: GoodputSlos;
  readonly percentiles?: readonly number[];
  /**
   * Unmeasured requests sent one after another before the run (default 1, the first request of the
   * workload, as `vllm bench serve`'s initial test run): connections and code paths are warm.
   */
  readonly warmup?: number;
}

export interface LoadgenResult {
  readonly report: BenchReport;
  readonly results: readonly RequestResult[];
  /** The requests sent, in order (for comparing with a simulation of the same workload). */
  readonly specs: readonly RequestSpec[];
}

/** Prompt with exactly `n` tokens for the emulator's word count (and about n for a real tokenizer). */
function body(spec: RequestSpec, endpoint: Endpoint, model: string): string {
  const common = {
    model,
    max_tokens: spec.outputTokens,
    // vLLM's extension (also honoured by the emulator): generate exactly max_tokens, as `vllm bench serve` does.
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
    ...(spec.sessionId !== undefined ? { user: `session-${spec.sessionId}` } : {}),
  };
  if (endpoint === 'chat') return JSON.stringify({ ...common, messages: [{ role: 'user', content: 'hi '.repeat(spec.promptTokens).trimEnd() }] });
  return JSON.stringify({ ...common, prompt: new Array<number>(spec.promptTokens).fill(42) });
}

async function firstModel(url: string, headers: Record<string, string>): Promise<string> {
  const res = await request(`${url}/v1/models`, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const j = (await res.body.json()) as { data?: { id?: string }[] };
  const id = j.data?.[0]?.id;
  if (res.statusCode !== 200 || typeof id !== 'string') throw new Error(`${url}/v1/models did not list a model (HTTP ${res.statusCode})`);
  return id;
}

/** Sends one streamed request and measures it the way `vllm bench serve` does. */
async function one(url: string, path: string, payload: string, spec: RequestSpec, headers: Record<string, string>, timeoutS: number): Promise<RequestResult> {
  const t0 = performance.now();
  let ttft = Number.NaN;
  let last = t0;
  const itl: number[] = [];
  let chunks = 0;
  let usage = -1;
  let done = false;
  const fail = (error: string): RequestResult => ({ success: false, promptTokens: spec.promptTokens, outputTokens: 0, ttft, latency: (performance.now() - t0) / 1000, itl, error });
  try {
    const res = await request(`${url}${path}`, { method: 'POST', headers, body: payload, headersTimeout: timeoutS * 1000, bodyTimeout: timeoutS * 1000, signal: AbortSignal.timeout(timeoutS * 1000) });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      return fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    const sp = new SseSplitter();
    for await (const bytes of res.body) {
      for (const ev of sp.push(bytes as Uint8Array)) {
        const data = eventData(ev);
        if (data === undefined) continue;
        if (data === '[DONE]') {
          done = true;
          continue;
        }
        const j = JSON.parse(data) as { usage?: { completion_tokens?: number } | null; choices?: unknown[]; error?: { message?: string } };
        if (j.error) return fail(`error event: ${j.error.message ?? 'unknown'}`);
        if (j.usage && typeof j.usage.completion_tokens === 'number') usage = j.usage.completion_tokens;
        if (!Array.isArray(j.choices) || j.choices.length === 0) continue;
        const now = performance.now();
        if (chunks === 0) ttft = (now - t0) / 1000;
        else itl.push((now - last) / 1000);
        last = now;
        chunks++;
      }
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  if (!done) return fail('stream ended without [DONE]');
  return { success: true, promptTokens: spec.promptTokens, outputTokens: usage >= 0 ? usage : chunks, ttft, latency: (last - t0) / 1000, itl };
}

/**
 * Replays a workload against an OpenAI-compatible server: every request at its arrival time (or,
 * with a concurrency cap, when a slot frees, as `vllm bench serve --max-concurrency`), streamed,
 * measured, and summarised with `vllm bench serve`'s definitions.
 */
export async function runLoad(o: LoadgenOptions): Promise<LoadgenResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) };
  const model = o.model ?? (await firstModel(o.url, headers));
  const path = o.endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
  const handle = buildWorkload(o.workload, o.seed);
  const warm = handle.make(o.workload.rate);
  for (let i = 0; i < (o.warmup ?? 1); i++) {
    const r = warm.next();
    if (r.done) break;
    const res = await one(o.url, path, body(r.value, o.endpoint, model), r.value, headers, o.timeoutS);
    if (!res.success) throw new Error(`the warm-up request failed: ${res.error ?? 'unknown'}`);
  }
  const w = handle.make(o.workload.rate);
  const specs: RequestSpec[] = [];
  const pending: Promise<RequestResult>[] = [];
  let active = 0;
  const waiters: (() => void)[] = [];
  const cap = o.maxConcurrency ?? Number.POSITIVE_INFINITY;
  const start = performance.now();
  for (let r = w.next(); !r.done; r = w.next()) {
    const spec = r.value;
    specs.push(spec);
    const wait = start + spec.arrival * 1000 - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    while (active >= cap) await new Promise<void>((res) => waiters.push(res));
    active++;
    const payload = body(spec, o.endpoint, model);
    pending.push(
      one(o.url, path, payload, spec, headers, o.timeoutS).finally(() => {
        active--;
        waiters.shift()?.();
      }),
    );
  }
  const results = await Promise.all(pending);
  const duration = (performance.now() - start) / 1000;
  const shape = o.workload.arrival?.startsWith('gamma:') ? Number(o.workload.arrival.slice(6)) : 1;
  const report = benchReport(results, duration, {
    ...(o.maxConcurrency !== undefined ? { maxConcurrency: o.maxConcurrency } : {}),
    ...(o.workload.rate !== undefined ? { rate: o.workload.rate } : {}),
    // vLLM's burstiness is the Gamma shape 1/CV^2 (1 = Poisson).
    burstiness: shape > 0 ? 1 / (shape * shape) : 1,
    ...(o.slos ? { slos: o.slos } : {}),
    ...(o.percentiles ? { percentiles: o.percentiles } : {}),
  });
  return { report, results, specs };
}
