import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { request } from 'undici';
import { ConfigError } from '../../core/errors.js';
import { RandomStreams } from '../../kernel/rng.js';
import { parseDeployment } from '../../perf/presets.js';
import { createPerfModel, DEFAULT_PERF_MODEL } from '../../perf/registry.js';
import type { CompletionInfo, RoutedRequest } from '../../policies/clusterView.js';
import { NO_INSTANCE, type Router } from '../../policies/routers/router.js';
import type { ClusterPolicy } from '../../policies/clusterPolicy.js';
import { DEFAULT_E2E_SLACK } from '../../run/config.js';
import { buildPolicy, DEFAULT_PREDICTOR } from '../../run/simulate.js';
import { BackendState } from '../backend.js';
import { WallClock } from '../clock.js';
import { checkBearer, openAiApp } from '../http.js';
import { LiveClusterView } from '../liveView.js';
import { LiveSloJudge, type LiveSloOptions } from '../liveSlo.js';
import { HttpError, parseOpenAiRequest, type Endpoint, type ParsedRequest } from '../openai.js';
import { signalAdapters } from '../signals.js';
import type { RunningServer } from '../emulator/server.js';
import { GatewayMetrics } from './metrics.js';
import { MetricsPoller } from './poller.js';
import { LivePredictor } from './prediction.js';
import { forwardHeaders, relay, type Attempt, type RoutedOn } from './relay.js';
import type { StreamFlight } from '../rebalance/flight.js';
import type { LiveClusterControl } from '../rebalance/liveControl.js';
import { LiveRebalancing } from '../rebalance/liveRebalancing.js';
import type { MigrationCounters } from '../rebalance/migrations.js';

export interface GatewayOptions {
  readonly backends: readonly string[];
  /** Router spec as in `gaps simulate --router` (round-robin, least-outstanding, gaps, ...). */
  readonly policy: string;
  /** Output-length predictor; policies that use predictions get 'linear' when none is named. */
  readonly predictor?: string;
  /** Deployment and perf model the policy may use to estimate service times (GAPS). */
  readonly deployment?: string;
  readonly perfModel?: string;
  /** Metrics adapter name (auto, vllm, sglang, tgi, llamacpp). */
  readonly engine?: string;
  readonly pollIntervalS?: number;
  readonly staleAfterS?: number;
  readonly scrapeTimeoutS?: number;
  /** A backend that failed is not routed to for this long. */
  readonly cooldownS?: number;
  /** Seconds to wait for an upstream's response headers / between two of its chunks. */
  readonly upstreamTimeoutS?: number;
  /** Attempts on other backends after a failure before the first token. */
  readonly retries?: number;
  /** Requests in flight at once; more are refused with 429. */
  readonly maxInFlight?: number;
  readonly bodyLimit?: number;
  readonly apiKeys?: readonly string[];
  readonly adminKeys?: readonly string[];
  readonly seed?: number;
  /** Batch cap the policies assume for every backend (vLLM max_num_seqs; engines do not export it). */
  readonly maxNumSeqs?: number;
  /** Header naming the backend that served a request. */
  readonly backendHeader?: string;
  /**
   * Backend slots the policy is built for (at least `backends.length`): room for endpoints a watched
   * endpoint set adds later (`src/live/extproc/endpointsFile.ts`). Extra slots start vacant.
   */
  readonly maxEndpoints?: number;
  /** SLOs each finished request is judged against (as `gaps simulate --slo-*`); window defaults to the poll interval. */
  readonly slo?: Partial<LiveSloOptions>;
  /** Run the policy's controllers on the wall clock, moving streamed requests between backends (docs/ROUTER.md). */
  readonly rebalance?: boolean;
  /** Seconds a move costs beyond the target's prefill (the re-send's round trip), for the controllers' cost check. */
  readonly migrationOverheadS?: number;
  /** A move whose target has not sent its first event within this many seconds is abandoned (the client's stream is held meanwhile). */
  readonly moveTimeoutS?: number;
}

export const BACKEND_HEADER = 'x-gaps-backend';

export function normaliseUrl(u: string): string {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw new ConfigError(`--backends: '${u}' is not a URL (expected e.g. http://127.0.0.1:8001)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--backends: '${u}' must be http:// or https://`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/**
 * An OpenAI-compatible gateway: the registered routing policies, unchanged, in front of real model
 * servers. Each request is routed on a `ClusterView` built from scraped backend signals and the
 * gateway's own in-flight counts, relayed (SSE chunk by chunk), and retried on another backend if
 * its backend fails before the first token.
 */
export class Gateway {
  readonly app: FastifyInstance;
  readonly backends: BackendState[];
  /** The policy as a whole (router, controllers, counters). */
  readonly policy: ClusterPolicy;
  /** The policy's router: what routes each request. */
  readonly router: Router;
  readonly metrics: GatewayMetrics;
  readonly clock = new WallClock();
  readonly predictor: LivePredictor;
  readonly slo: LiveSloJudge;
  private readonly view: LiveClusterView;
  private readonly poller: MetricsPoller;
  private readonly routed: { -readonly [K in keyof RoutedRequest]: RoutedRequest[K] };
  /** Live rebalancing (`rebalance: true`): the in-flight table as `ClusterControl`, the controllers' timers, the moves' counters. */
  readonly rebalancing: LiveRebalancing | undefined;
  private nextId = 0;
  private inFlight = 0;
  private closing = false;
  readonly o: Required<Omit<GatewayOptions, 'predictor' | 'slo'>> & { predictor: string | undefined };

  constructor(opts: GatewayOptions) {
    if (opts.backends.length === 0 && !((opts.maxEndpoints ?? 0) > 0)) throw new ConfigError('--backends: give at least one backend URL');
    const o = {
      deployment: 'llama-2-7b/a100-80gb',
      perfModel: DEFAULT_PERF_MODEL,
      engine: 'auto',
      pollIntervalS: 0.05,
      staleAfterS: 1,
      scrapeTimeoutS: 0.5,
      cooldownS: 5,
      upstreamTimeoutS: 60,
      retries: 2,
      maxInFlight: 4096,
      bodyLimit: 4 * 1024 * 1024,
      apiKeys: [],
      adminKeys: [],
      seed: 1,
      backendHeader: BACKEND_HEADER,
      maxNumSeqs: 256,
      maxEndpoints: 0,
      rebalance: false,
      migrationOverheadS: 0.005,
      moveTimeoutS: 5,
      ...opts,
      predictor: opts.predictor,
    };
    this.o = o;
    this.backends = o.backends.map((u, i) => new BackendState(i, normaliseUrl(u)));
    for (let i = this.backends.length; i < o.maxEndpoints; i++) this.backends.push(new BackendState(i, ''));
    const streams = new RandomStreams(o.seed);
    const perf = createPerfModel(o.perfModel, parseDeployment(o.deployment));
    const slo = { windowS: o.pollIntervalS, e2eSlack: DEFAULT_E2E_SLACK, ...opts.slo };
    this.policy = buildPolicy(o.policy, streams, this.backends.length, perf, slo.e2eSlack);
    this.router = this.policy.router;
    if (this.policy.instanceRoles || this.policy.routeDecode) {
      throw new ConfigError(`--policy '${o.policy}': phase-split policies need prefill/decode backends and KV transfer; the live router serves mixed backends only`);
    }
    const predictorSpec = o.predictor ?? (this.policy.usesPredictions ? DEFAULT_PREDICTOR : undefined);
    this.predictor = new LivePredictor(predictorSpec, streams.stream(`predictor:${predictorSpec ?? 'none'}`));
    this.slo = new LiveSloJudge(perf, slo, this.backends.length);
    this.view = new LiveClusterView(this.backends, o.staleAfterS, o.maxNumSeqs, this.slo);
    this.metrics = new GatewayMetrics(this.backends, this.policy, () => this.clock.now(), o.staleAfterS, this.slo);
    this.poller = new MetricsPoller(
      this.backends,
      signalAdapters.get(o.engine),
      this.clock,
      { intervalS: o.pollIntervalS, timeoutS: o.scrapeTimeoutS, cooldownS: o.cooldownS },
      (b) => this.metrics.scrapeErrors.inc({ backend: b.url }),
    );
    this.routed = { id: 0, arrival: 0, promptTokens: 0, type: '', sessionId: undefined, predictedOutputTokens: Number.NaN };
    const take = (b: BackendState, p: number, routed?: boolean): void => this.take(b, p, routed);
    const controllers = this.policy.controllers ?? [];
    this.rebalancing = o.rebalance
      ? new LiveRebalancing({ registry: this.metrics.registry, view: this.view, backends: this.backends, clock: this.clock, perf, controllers, host: { o, take }, overheadS: o.migrationOverheadS })
      : undefined;
    this.app = openAiApp(o.bodyLimit);
    this.routes();
  }

  /** Controllers (periodic rebalancing) the policy ships that do not run (without `rebalance`). */
  get idleControllers(): number {
    return this.rebalancing ? 0 : (this.policy.controllers?.length ?? 0);
  }

  get migrations(): MigrationCounters | undefined {
    return this.rebalancing?.migrations;
  }

  get control(): LiveClusterControl | undefined {
    return this.rebalancing?.control;
  }

  private routes(): void {
    const app = this.app;
    app.post('/v1/completions', (req, reply) => this.handle(req, reply, 'completions'));
    app.post('/v1/chat/completions', (req, reply) => this.handle(req, reply, 'chat'));
    app.get('/v1/models', async (req) => (checkBearer(req, this.o.apiKeys, 'client'), this.models()));
    app.get('/health', async (_req, reply) => {
      const now = this.clock.now();
      const up = this.backends.filter((b) => b.available(now)).length;
      return reply.code(up > 0 && !this.closing ? 200 : 503).send({ status: up > 0 && !this.closing ? 'ok' : 'unavailable', backendsAvailable: up, backends: this.backends.length });
    });
    app.get('/metrics', async (_req, reply) => reply.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics()));
    app.get('/admin/state', async (req) => (this.admin(req), this.state()));
    app.post<{ Params: { id: string } }>('/admin/backends/:id/drain', async (req) => {
      this.admin(req);
      this.backend(req.params.id).draining = true;
      return this.state();
    });
    app.post<{ Params: { id: string } }>('/admin/backends/:id/undrain', async (req) => {
      this.admin(req);
      this.backend(req.params.id).draining = false;
      return this.state();
    });
  }

  /** Admin endpoints need a key: without --admin-key they are off. */
  private admin(req: FastifyRequest): void {
    if (this.o.adminKeys.length === 0) throw new HttpError(403, 'admin endpoints are off: start the router with --admin-key KEY', 'permission_error');
    checkBearer(req, this.o.adminKeys, 'admin');
  }

  private backend(id: string): BackendState {
    const b = this.backends[Number(id)];
    if (!/^\d+$/.test(id) || !b) throw new HttpError(404, `no backend ${id}; backends are 0..${this.backends.length - 1}`);
    return b;
  }

  /** A JSON view of the per-backend state the policy sees, and the policy's own counters. */
  state(): object {
    const now = this.clock.now();
    const view = this.view.refresh(now);
    return {
      now,
      policy: this.router.name,
      predictor: this.predictor.name ?? null,
      inFlight: this.inFlight,
      backends: this.backends.map((b, i) => ({
        id: b.id,
        url: b.url,
        available: b.available(now),
        draining: b.draining,
        fresh: b.fresh(now, this.o.staleAfterS),
        lastScrapeAgeS: Number.isFinite(b.reportTime) ? now - b.reportTime : null,
        lastScrapeError: b.lastScrapeError ?? null,
        scraped: { waiting: nullIfNaN(b.snapshot.waiting), running: nullIfNaN(b.snapshot.running), kvUsage: nullIfNaN(b.snapshot.kvUsage) },
        view: view.instances[i],
        outstanding: b.outstanding,
        slo: this.slo.backends[i],
      })),
      policyStats: this.policy.stats?.() ?? {},
      rebalance: this.rebalancing?.state() ?? { enabled: false, controllers: (this.policy.controllers ?? []).map((c) => ({ name: c.name, intervalS: c.intervalS })), migrations: null },
    };
  }

  private async models(): Promise<object> {
    const now = this.clock.now();
    const lists = await Promise.all(
      this.backends
        .filter((b) => b.available(now))
        .map(async (b) => {
          try {
            const res = await request(`${b.url}/v1/models`, { headersTimeout: 2000, bodyTimeout: 2000, signal: AbortSignal.timeout(2000) });
            const j = (await res.body.json()) as { data?: { id?: unknown }[] };
            const data = Array.isArray(j.data) ? j.data.filter((m) => typeof m?.id === 'string') : [];
            b.models = data.map((m) => m.id as string);
            return data;
          } catch {
            return [];
          }
        }),
    );
    const seen = new Map<string, unknown>();
    for (const l of lists) for (const m of l) if (!seen.has(m.id as string)) seen.set(m.id as string, m);
    return { object: 'list', data: [...seen.values()] };
  }

  /** Routes one request; returns the backend, or throws 503 when none is available. */
  pick(r: ParsedRequest, id: number, arrival: number, predicted: number, tried: ReadonlySet<number>): BackendState {
    const x = this.routed;
    x.id = id;
    x.arrival = arrival;
    x.promptTokens = r.promptTokens;
    x.type = r.model ?? 'default';
    x.sessionId = undefined;
    x.predictedOutputTokens = predicted;
    const t0 = performance.now();
    const target = this.router.route(x, this.view.refresh(this.clock.now(), tried));
    this.metrics.decision.observe((performance.now() - t0) / 1000);
    if (target === NO_INSTANCE) {
      this.metrics.rejections.inc({ reason: 'no_backend' });
      throw new HttpError(503, tried.size > 0 ? 'every available backend failed this request' : 'no backend is available', 'server_error');
    }
    const b = this.backends[target];
    if (!b) throw new Error(`policy '${this.router.name}' returned invalid backend ${target}`);
    return b;
  }

  private async handle(req: FastifyRequest, reply: FastifyReply, endpoint: Endpoint): Promise<void> {
    checkBearer(req, this.o.apiKeys, 'client');
    this.checkAdmission();
    const r = parseOpenAiRequest(req.body, endpoint);
    const { id, arrival, predicted } = this.admit(r);
    const inject = r.stream && !r.includeUsage;
    const body = inject ? { ...r.body, stream_options: { ...(r.body.stream_options as object | undefined), include_usage: true } } : r.body;
    const payload = JSON.stringify(body);
    this.inFlight++;
    let flight: StreamFlight | undefined;
    try {
      const tried = new Set<number>();
      for (let attempt = 0; ; attempt++) {
        const b = this.pick(r, id, arrival, predicted, tried);
        tried.add(b.id);
        if (this.rebalancing && r.stream && !flight) flight = this.rebalancing.track(id, endpoint, body, r, arrival, predicted, forwardHeaders(req), b);
        const a: Attempt = { gw: this, backend: b, req, reply, endpoint, parsed: r, payload, injectedUsage: inject, id, arrival, predicted, flight };
        const outcome = await relay(a);
        if (outcome === 'done') return;
        if (attempt >= this.o.retries) {
          this.metrics.rejections.inc({ reason: 'exhausted' });
          throw new HttpError(502, `the request failed on ${tried.size} backend(s) before its first token`, 'server_error');
        }
        this.metrics.retries.inc({ backend: b.url });
      }
    } finally {
      this.inFlight--;
      if (flight) this.rebalancing?.untrack(flight);
    }
  }

  /** Refuses a request when shutting down (503) or when --max-in-flight is reached (429). */
  checkAdmission(): void {
    if (this.closing) {
      this.metrics.rejections.inc({ reason: 'draining' });
      throw new HttpError(503, 'the router is shutting down', 'server_error');
    }
    if (this.inFlight >= this.o.maxInFlight) {
      this.metrics.rejections.inc({ reason: 'busy' });
      throw new HttpError(429, `the router has ${this.inFlight} requests in flight (--max-in-flight ${this.o.maxInFlight}); retry later`);
    }
  }

  /** Numbers a parsed request, stamps its arrival and predicts its output length. */
  admit(r: ParsedRequest): { id: number; arrival: number; predicted: number } {
    return { id: this.nextId++, arrival: this.clock.now(), predicted: this.predictor.predict(r.promptTokens, r.model ?? 'default', r.user) };
  }

  /** In-flight accounting for front ends that do not relay the request themselves (ext_proc). */
  enter(): void {
    this.inFlight++;
  }
  leave(): void {
    this.inFlight--;
  }

  /** Takes the router's counts when a request is sent to `b` (`routed`: counted as routed there; a move's continuation is not). */
  take(b: BackendState, promptTokens: number, routed = true): void {
    b.outstanding++;
    b.sinceReport++;
    b.pendingPromptTokens += promptTokens;
    if (routed) this.metrics.routed.inc({ backend: b.url });
  }

  /** A failure before the first token: open the backend's circuit for the cooldown. */
  markDown(b: BackendState, kind: string): void {
    b.downUntil = this.clock.now() + this.o.cooldownS;
    b.downByScrape = false;
    this.metrics.upstreamErrors.inc({ backend: b.url, kind });
  }

  /** Tells the policy and the predictor how a request it routed ended. */
  completed(a: RoutedOn, outputTokens: number, firstTokenTime: number, failed: boolean): void {
    const now = this.clock.now();
    const violated = !failed && this.slo.record(a.backend.id, now, a.arrival, firstTokenTime, a.parsed.promptTokens, outputTokens);
    const info: CompletionInfo = {
      id: a.id,
      instance: a.backend.id,
      now,
      arrival: a.arrival,
      promptTokens: a.parsed.promptTokens,
      outputTokens,
      predictedOutputTokens: a.predicted,
      firstTokenTime,
      sloViolated: violated,
      rejected: failed,
    };
    this.router.onComplete?.(info);
    if (failed) return;
    this.predictor.observe(a.parsed.promptTokens, a.parsed.model ?? 'default', a.parsed.user, outputTokens);
    if (Number.isFinite(a.predicted)) this.metrics.predictionError.observe(Math.abs(outputTokens - a.predicted));
    const e2e = now - a.arrival;
    const ttft = firstTokenTime - a.arrival;
    this.metrics.e2e.observe({ backend: a.backend.url }, e2e);
    if (Number.isFinite(ttft)) this.metrics.ttft.observe({ backend: a.backend.url }, ttft);
    if (outputTokens > 1 && Number.isFinite(ttft)) this.metrics.tpot.observe({ backend: a.backend.url }, (e2e - ttft) / (outputTokens - 1));
  }

  async listen(port: number, host = '127.0.0.1'): Promise<RunningServer> {
    await this.poller.scrapeAll();
    this.poller.start();
    this.rebalancing?.start();
    await this.app.listen({ port, host });
    const addr = this.app.server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    return { url: `http://${host}:${actual}`, port: actual, close: () => this.close() };
  }

  /** Graceful shutdown: refuse new requests, wait for in-flight streams (up to `drainS`), then close. */
  async close(drainS = 10): Promise<void> {
    this.closing = true;
    this.rebalancing?.stop(); // no new moves while the streams in flight drain
    const deadline = Date.now() + drainS * 1000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.poller.stop();
    await this.app.close();
  }
}

function nullIfNaN(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
