import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { splitSpec } from '../../core/registry.js';
import { RandomStreams, type Rng } from '../../kernel/rng.js';
import { parseSimulateConfig, type SimulateInput } from '../../run/config.js';
import { prepare } from '../../run/simulate.js';
import { schedulers, withPrefillFirst } from '../../policies/schedulers/registry.js';
import { parseLengthSpec } from '../../workload/specs.js';
import type { LengthDist } from '../../workload/lengths.js';
import { WallClock } from '../clock.js';
import { checkBearer, openAiApp, SSE_HEADERS, sseData } from '../http.js';
import { errorBody, HttpError, parseOpenAiRequest, type Endpoint, type ParsedRequest } from '../openai.js';
import { EngineModel } from './engineModel.js';
import { applyFaults, healthyFaults, type Faults } from './faults.js';
import { chunk, fullResponse, textOf, usageChunk, usageOf } from './responses.js';
import { VllmMetrics } from './vllmMetrics.js';
import { WallClockEngine, type TokenSink } from './wallClockEngine.js';

export interface EmulatorOptions {
  /** Model/GPU preset as in `gaps simulate --deployment`. */
  readonly deployment: string;
  readonly perfModel?: string;
  readonly scheduler?: string;
  /** Engine settings as in the simulate config's `engine` tree (maxNumSeqs, kvBlocks, ...). */
  readonly engine?: SimulateInput['engine'];
  /** Model name served (default: the deployment's spec). */
  readonly modelName?: string;
  /** The modelled GPU runs this many times faster than real time (1 = real time). */
  readonly timeScale?: number;
  readonly seed?: number;
  /** Output length when a request gives no max_tokens (a length spec, default lognormal:200,1). */
  readonly defaultOutput?: string;
  readonly adminKeys?: readonly string[];
  readonly bodyLimit?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible model server whose timing is the project's instance model (continuous
 * batching, paged KV, preemption, the chosen instance scheduler) run on the wall clock. Tokens are
 * placeholder words, their number and timing are the model's. Faults are injected at run time
 * through /admin/faults.
 */
export class Emulator {
  readonly app: FastifyInstance;
  readonly faults: Faults = healthyFaults();
  readonly modelName: string;
  private readonly engine: WallClockEngine;
  private readonly metrics: VllmMetrics;
  private readonly clock: WallClock;
  private readonly rng: Rng;
  private readonly defaultOutput: LengthDist;
  private readonly hung = new Set<FastifyReply>();
  private seq = 0;

  constructor(readonly opts: EmulatorOptions) {
    const config = parseSimulateConfig(
      { instances: 1, deployment: opts.deployment, ...(opts.perfModel ? { perfModel: opts.perfModel } : {}), ...(opts.engine ? { engine: opts.engine } : {}), ...(opts.scheduler ? { scheduler: opts.scheduler } : {}) },
      'emulator settings',
    );
    const p = prepare(config);
    // As the simulator does: prefill-first batching is a scheduler choice when chunked prefill is off.
    const sched = splitSpec(config.engine.chunkedPrefill ? config.scheduler : withPrefillFirst(config.scheduler));
    this.modelName = opts.modelName ?? config.deployment;
    this.clock = new WallClock(opts.timeScale ?? 1);
    this.rng = new RandomStreams(opts.seed ?? 1).stream('emulator:output');
    this.defaultOutput = parseLengthSpec(opts.defaultOutput ?? 'lognormal:200,1', '--default-output');
    const model = new EngineModel(p.resolved.instance, p.perf, schedulers.get(sched.name)(sched.arg), {
      onComplete: (id) => this.engine.noteComplete(id),
      onReject: (id) => this.engine.noteReject(id),
    });
    this.engine = new WallClockEngine(model, this.clock);
    const cfg = p.resolved.instance;
    this.metrics = new VllmMetrics(this.modelName, () => ({ waiting: model.waiting, running: model.running, kvUsage: model.kvUsage }), cfg.kvBlocks, cfg.blockSize);
    this.app = openAiApp(opts.bodyLimit);
    this.routes();
  }

  private hang(reply: FastifyReply): Promise<void> {
    this.hung.add(reply);
    return new Promise(() => {});
  }

  private routes(): void {
    const app = this.app;
    const adminKeys = this.opts.adminKeys ?? [];
    app.get('/health', async (_req, reply) => (this.faults.hang ? this.hang(reply) : reply.send({ status: 'ok' })));
    app.get('/metrics', async (_req, reply) => {
      if (this.faults.hang || this.faults.metricsDown) return this.hang(reply);
      return reply.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
    });
    app.get('/v1/models', async (_req, reply) => {
      if (this.faults.hang) return this.hang(reply);
      return reply.send({ object: 'list', data: [{ id: this.modelName, object: 'model', created: 0, owned_by: 'gaps-emulator' }] });
    });
    app.get('/admin/faults', async (req) => (checkBearer(req, adminKeys, 'admin'), this.faults));
    app.post('/admin/faults', async (req) => {
      checkBearer(req, adminKeys, 'admin');
      applyFaults(this.faults, req.body);
      this.engine.slowdown = this.faults.slowdown;
      if (!this.faults.hang && !this.faults.metricsDown) this.releaseHung();
      return this.faults;
    });
    app.delete('/admin/faults', async (req) => {
      checkBearer(req, adminKeys, 'admin');
      Object.assign(this.faults, healthyFaults());
      this.engine.slowdown = 1;
      this.releaseHung();
      return this.faults;
    });
    app.post('/v1/completions', (req, reply) => this.complete(req, reply, 'completions'));
    app.post('/v1/chat/completions', (req, reply) => this.complete(req, reply, 'chat'));
  }

  /** Hung requests are answered with 503 once the fault is cleared (clients may have given up). */
  private releaseHung(): void {
    for (const r of this.hung) if (!r.sent && !r.raw.destroyed) r.code(503).send(errorBody(503, 'emulator recovered from an injected hang'));
    this.hung.clear();
  }

  private async complete(req: FastifyRequest, reply: FastifyReply, endpoint: Endpoint): Promise<void> {
    if (this.faults.hang) return this.hang(reply);
    const r = parseOpenAiRequest(req.body, endpoint);
    if (r.model !== undefined && r.model !== this.modelName) throw new HttpError(404, `model '${r.model}' does not exist; this server serves '${this.modelName}'`, 'invalid_request_error', 'model');
    if (this.faults.errorRate > 0 && this.rng.next() < this.faults.errorRate) throw new HttpError(500, 'injected fault: internal server error');
    const output = r.maxTokens ?? this.defaultOutput.sample(this.rng);
    const id = `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-emu${this.seq++}`;
    return r.stream ? this.streamed(req, reply, endpoint, r, output, id) : this.whole(req, reply, endpoint, r, output, id);
  }

  private finishReason(r: ParsedRequest, produced: number): string {
    return r.maxTokens !== undefined && produced >= r.maxTokens ? 'length' : 'stop';
  }

  private streamed(_req: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, r: ParsedRequest, output: number, id: string): Promise<void> {
    const start = this.clock.now();
    const created = Math.floor(Date.now() / 1000);
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, SSE_HEADERS);
    let sent = 0;
    let handle = -1;
    let closed = false;
    const m = this.metrics;
    return new Promise<void>((resolve) => {
      const end = (): void => {
        closed = true;
        resolve();
      };
      const sink: TokenSink = {
        tokens: (n) => {
          if (closed) return;
          if (sent === 0) m.ttft.observe((this.clock.now() - start) / this.clock.scale);
          for (let k = 0; k < n; k++) {
            const last = sent + 1 === output;
            const data = chunk(endpoint, id, created, this.modelName, textOf(sent, 1), last ? this.finishReason(r, output) : null, sent === 0);
            sent++;
            const drop = this.faults.dropAfterTokens;
            if (drop !== null && sent >= drop && !last) {
              // The connection dies right after this token has left (a crashed engine, a cut network).
              this.engine.cancel(handle);
              end();
              raw.write(`data: ${JSON.stringify(data)}\n\n`, () => raw.destroy());
              return;
            }
            sseData(raw, data);
          }
        },
        done: (preemptions) => {
          if (closed) return;
          m.e2e.observe((this.clock.now() - start) / this.clock.scale);
          this.count(r.promptTokens, output, this.finishReason(r, output), preemptions);
          if (r.includeUsage) sseData(raw, usageChunk(endpoint, id, created, this.modelName, usageOf(r.promptTokens, output)));
          sseData(raw, '[DONE]');
          raw.end();
          end();
        },
        rejected: () => {
          if (closed) return;
          sseData(raw, errorBody(400, `prompt of ${r.promptTokens} tokens does not fit in this engine's KV cache`));
          raw.end();
          end();
        },
      };
      handle = this.engine.submit(r.promptTokens, output, sink);
      raw.on('close', () => {
        if (!closed) {
          this.engine.cancel(handle);
          end();
        }
      });
    });
  }

  private whole(_req: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, r: ParsedRequest, output: number, id: string): Promise<void> {
    const start = this.clock.now();
    const created = Math.floor(Date.now() / 1000);
    let first = true;
    let handle = -1;
    return new Promise<void>((resolve) => {
      const sink: TokenSink = {
        tokens: () => {
          if (first) this.metrics.ttft.observe((this.clock.now() - start) / this.clock.scale);
          first = false;
        },
        done: (preemptions) => {
          const reason = this.finishReason(r, output);
          this.metrics.e2e.observe((this.clock.now() - start) / this.clock.scale);
          this.count(r.promptTokens, output, reason, preemptions);
          if (this.faults.dropAfterTokens !== null) {
            reply.raw.destroy();
            resolve();
            return;
          }
          void reply.send(fullResponse(endpoint, id, created, this.modelName, textOf(0, output), reason, usageOf(r.promptTokens, output)));
          resolve();
        },
        rejected: () => {
          void reply.code(400).send(errorBody(400, `prompt of ${r.promptTokens} tokens does not fit in this engine's KV cache`));
          resolve();
        },
      };
      handle = this.engine.submit(r.promptTokens, output, sink);
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) this.engine.cancel(handle);
      });
    });
  }

  private count(prompt: number, output: number, reason: string, preemptions: number): void {
    this.metrics.promptTokens.inc(prompt);
    this.metrics.generationTokens.inc(output);
    this.metrics.success.inc({ finished_reason: reason });
    if (preemptions > 0) this.metrics.preemptions.inc(preemptions);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<RunningServer> {
    await this.app.listen({ port, host });
    const addr = this.app.server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    return {
      url: `http://${host}:${actual}`,
      port: actual,
      close: async () => {
        this.engine.close();
        this.releaseHung();
        await this.app.close();
      },
    };
  }
}
