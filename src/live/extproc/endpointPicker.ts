import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { BackendState } from '../backend.js';
import type { Gateway } from '../gateway/gateway.js';
import type { RoutedOn } from '../gateway/relay.js';
import { SseScanner } from '../gateway/sse.js';
import { HttpError, parseOpenAiRequest, type ParsedRequest } from '../openai.js';
import { EXT_PROC_SERVICE, extProcService, loadExtProc, type HeaderValue, type ProcessingRequest, type StructValue } from './protos.js';

/** The header (and `envoy.lb` metadata key) carrying the chosen endpoint(s), per the Gateway API Inference Extension. */
export const DESTINATION_HEADER = 'x-gateway-destination-endpoint';
/** `envoy.lb` key by which the data plane reports the endpoint that served the request (EPP protocol v1.0.0). */
export const SERVED_KEY = 'x-gateway-destination-endpoint-served';
/** Namespace and key of the subset hint: the endpoints the EPP must pick from (EPP protocol v0.3.0+). */
export const SUBSET_NAMESPACE = 'envoy.lb.subset_hint';
export const SUBSET_KEY = 'x-gateway-destination-endpoint-subset';
const LB_NAMESPACE = 'envoy.lb';
/** Non-streamed response bodies are scanned for `usage` only up to this size. */
const MAX_SCAN = 1 << 20;

/**
 * How Envoy's ext_proc filter sends bodies (its `processing_mode.request_body_mode` and
 * `response_body_mode`). `full-duplex` (FULL_DUPLEX_STREAMED, what the Inference Extension's
 * gateways configure): the picker answers the request headers only after the whole body, and
 * answers every body chunk with a `streamed_response` carrying the bytes to forward. `buffered`
 * (BUFFERED, or STREAMED for responses): headers are answered at once, the request body comes
 * whole and may be replaced with `body_mutation.body`.
 */
export type BodyMode = 'full-duplex' | 'buffered';

export interface PickerOptions {
  readonly mode?: BodyMode;
  /**
   * Add `stream_options.include_usage` to streamed requests that lack it (body mutation), so the
   * predictor learns the true output length, and strip that usage chunk from the response body on
   * its way back. Needs Envoy to send response bodies to the picker; without that, turn it off.
   */
  readonly injectUsage?: boolean;
}

/** host:port of a backend URL: what Envoy's original-destination cluster connects to. */
export function endpointOf(b: BackendState): string {
  const u = new URL(b.url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

function headerValue(h: HeaderValue): string {
  return h.raw_value ? Buffer.from(h.raw_value).toString('utf8') : (h.value ?? '');
}

function header(key: string, value: string): object {
  return { header: { key, raw_value: Buffer.from(value) } };
}

function immediate(status: number, message: string, type: string): object {
  return {
    immediate_response: {
      status: { code: status },
      headers: { set_headers: [header('content-type', 'application/json')] },
      body: Buffer.from(JSON.stringify({ error: { message, type, param: null, code: status } })),
      details: message,
    },
  };
}

/** A string in ProcessingRequest.metadata_context.filter_metadata[ns][key] (undefined when absent). */
function metadataString(m: ProcessingRequest, ns: string, key: string): string | undefined {
  return m.metadata_context?.filter_metadata?.[ns]?.fields?.[key]?.stringValue;
}

function metadataList(m: ProcessingRequest, ns: string, key: string): string[] | undefined {
  const s: StructValue | undefined = m.metadata_context?.filter_metadata?.[ns];
  const v = s?.fields?.[key]?.listValue;
  return v ? (v.values ?? []).map((x) => x.stringValue ?? '') : undefined;
}

/**
 * One Envoy request on the ext_proc stream: headers, then the body (buffered or streamed), routed
 * when the body ends; the response is read for its status, the endpoint that served it, its first
 * chunk, its end (to release the router's counts) and `usage` (to teach the predictor).
 */
class PickSession {
  private body: Buffer[] = [];
  private bodyMessages = 0;
  private routed: RoutedOn | undefined;
  private entered = false;
  private finished = false;
  private failed = false;
  private firstToken = Number.NaN;
  private subset: string[] | undefined;
  private streaming = false;
  private scanner: SseScanner | undefined;
  private injected = false;
  private response = '';
  private answeredHeaders = false;
  /** The prompt's tokens no longer count as waiting on the backend (first token seen). */
  private promptReleased = false;

  constructor(
    private readonly gw: Gateway,
    private readonly call: grpc.ServerDuplexStream<ProcessingRequest, object>,
    private readonly opts: Required<PickerOptions>,
  ) {}

  private get duplex(): boolean {
    return this.opts.mode === 'full-duplex';
  }

  onMessage(m: ProcessingRequest): void {
    if (m.metadata_context) this.readMetadata(m);
    if (m.request_headers) {
      if (m.request_headers.end_of_stream) this.pick(undefined);
      else if (!this.duplex) this.answerHeaders({ status: 'CONTINUE' });
    } else if (m.request_body) {
      this.bodyMessages++;
      if (m.request_body.body) this.body.push(Buffer.from(m.request_body.body));
      if (m.request_body.end_of_stream) this.pick(Buffer.concat(this.body));
      else if (!this.duplex) this.call.write({ request_body: { response: { status: 'CONTINUE' } } });
    } else if (m.request_trailers) {
      this.call.write({ request_trailers: {} });
    } else if (m.response_headers) {
      this.onResponseHeaders(m.response_headers.headers?.headers ?? []);
      this.call.write({ response_headers: { response: { status: 'CONTINUE' } } });
      if (m.response_headers.end_of_stream) this.finish(false);
    } else if (m.response_body) {
      this.onResponseBody(m.response_body.body ? Buffer.from(m.response_body.body) : Buffer.alloc(0), m.response_body.end_of_stream === true);
    } else if (m.response_trailers) {
      this.call.write({ response_trailers: {} });
      this.finish(false);
    }
  }

  private answerHeaders(response: object, metadata?: object): void {
    this.answeredHeaders = true;
    this.call.write({ request_headers: { response }, ...(metadata ? { dynamic_metadata: metadata } : {}) });
  }

  private readMetadata(m: ProcessingRequest): void {
    const subset = metadataList(m, SUBSET_NAMESPACE, SUBSET_KEY);
    if (subset !== undefined) this.subset = subset;
    const served = metadataString(m, LB_NAMESPACE, SERVED_KEY);
    if (served !== undefined) this.onServed(served);
  }

  private pick(body: Buffer | undefined): void {
    const gw = this.gw;
    let parsed: ParsedRequest;
    let json: unknown;
    try {
      gw.checkAdmission();
      json = body === undefined || body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      parsed = parseOpenAiRequest(json, typeof json === 'object' && json !== null && 'messages' in json ? 'chat' : 'completions');
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(400, `malformed JSON body: ${(e as Error).message}`);
      this.call.write(immediate(err.status, err.message, err.type));
      return;
    }
    // The subset hint: only endpoints in the list may be picked (503 when none of them is eligible).
    const exclude = new Set<number>();
    if (this.subset !== undefined) {
      const allowed = new Set(this.subset);
      for (const b of gw.backends) if (b.vacant || !allowed.has(endpointOf(b))) exclude.add(b.id);
    }
    const { id, arrival, predicted } = gw.admit(parsed);
    let b: BackendState;
    try {
      b = gw.pick(parsed, id, arrival, predicted, exclude);
    } catch (e) {
      const err = e as HttpError;
      this.call.write(immediate(err.status, err.message, err.type));
      return;
    }
    gw.enter();
    this.entered = true;
    gw.take(b, parsed.promptTokens);
    this.routed = { backend: b, parsed, id, arrival, predicted };
    const endpoints = [endpointOf(b), ...this.fallbacks(b, exclude).map(endpointOf)].join(',');
    // include_usage injection: only when the whole body can be replaced (full-duplex, or one buffered message).
    let out = body;
    if (body !== undefined && this.opts.injectUsage && parsed.stream && !parsed.includeUsage && (this.duplex || this.bodyMessages === 1)) {
      const obj = json as Record<string, unknown>;
      out = Buffer.from(JSON.stringify({ ...obj, stream_options: { ...(obj.stream_options as object | undefined), include_usage: true } }));
      this.injected = true;
    }
    const setHeaders = [header(DESTINATION_HEADER, endpoints)];
    if (out !== undefined && (this.duplex || this.injected)) setHeaders.push(header('content-length', String(out.length)));
    const common = { status: 'CONTINUE', header_mutation: { set_headers: setHeaders }, clear_route_cache: true };
    // google.protobuf.Struct comes from protobufjs's bundled well-known types: camelCase there, whatever keepCase says.
    const metadata = { fields: { [LB_NAMESPACE]: { structValue: { fields: { [DESTINATION_HEADER]: { stringValue: endpoints } } } } } };
    if (body === undefined) {
      this.answerHeaders(common, metadata);
    } else if (this.duplex) {
      if (!this.answeredHeaders) this.answerHeaders(common, metadata);
      this.call.write({ request_body: { response: { body_mutation: { streamed_response: { body: out, end_of_stream: true } } } } });
    } else {
      const mutation = this.injected ? { body_mutation: { body: out } } : {};
      this.call.write({ request_body: { response: { ...common, ...mutation } }, dynamic_metadata: metadata });
    }
  }

  /**
   * Fallback endpoints after the primary, for the data plane to try in order if the primary fails
   * (EPP protocol v0.4.0+): up to --retries other available backends, fewest in flight first. The
   * policy chooses only the primary: `route` records its decision, so it is called once.
   */
  private fallbacks(primary: BackendState, exclude: ReadonlySet<number>): BackendState[] {
    const now = this.gw.clock.now();
    return this.gw.backends
      .filter((x) => x !== primary && !exclude.has(x.id) && x.available(now))
      .sort((x, y) => x.outstanding - y.outstanding || x.id - y.id)
      .slice(0, this.gw.o.retries);
  }

  /**
   * The data plane names the endpoint that served the request. If it is not the primary, the
   * primary failed and Envoy retried down the list: the primary gets the failure (cooldown, a retry
   * counted, the policy told the attempt was rejected) and the router's counts move to the endpoint
   * that served.
   */
  private onServed(served: string): void {
    const r = this.routed;
    if (!r || this.finished || endpointOf(r.backend) === served) return;
    const to = this.gw.backends.find((x) => !x.vacant && endpointOf(x) === served);
    const gw = this.gw;
    gw.markDown(r.backend, 'status');
    gw.metrics.retries.inc({ backend: r.backend.url });
    this.release(r);
    gw.completed(r, 0, Number.NaN, true);
    if (!to) {
      this.routed = undefined;
      return;
    }
    gw.take(to, r.parsed.promptTokens);
    this.routed = { ...r, backend: to };
  }

  private onResponseHeaders(headers: HeaderValue[]): void {
    for (const h of headers) {
      if (h.key === ':status') {
        const status = Number(headerValue(h));
        if (status >= 500 && this.routed) this.gw.markDown(this.routed.backend, 'status');
        if (status !== 200) this.failed = true;
      } else if (h.key === 'content-type' && headerValue(h).includes('text/event-stream')) {
        this.streaming = true;
      }
    }
    if (this.streaming) this.scanner = new SseScanner(this.injected);
  }

  private onResponseBody(chunk: Buffer, eos: boolean): void {
    let out = chunk;
    const s = this.scanner;
    if (s) {
      out = s.push(chunk);
      if (eos) out = out.length === 0 ? s.end() : Buffer.concat([out, s.end()]);
      if (s.chunks > 0 && Number.isNaN(this.firstToken)) this.firstTokenSeen();
    } else if (this.response.length < MAX_SCAN) {
      this.response += chunk.toString('utf8');
    }
    if (this.duplex) {
      this.call.write({ response_body: { response: { body_mutation: { streamed_response: { body: out, end_of_stream: eos } } } } });
    } else if (s && this.injected) {
      // STREAMED/BUFFERED: replace this chunk with what is forwarded (whole events, usage chunk removed).
      this.call.write({ response_body: { response: { status: 'CONTINUE', body_mutation: out.length > 0 ? { body: out } : { clear_body: true } } } });
    } else {
      this.call.write({ response_body: { response: { status: 'CONTINUE' } } });
    }
    if (eos) this.finish(false);
  }

  private firstTokenSeen(): void {
    this.firstToken = this.gw.clock.now();
    const r = this.routed;
    if (r && !this.finished) {
      r.backend.pendingPromptTokens -= r.parsed.promptTokens;
      this.promptReleased = true;
    }
  }

  private release(r: RoutedOn): void {
    r.backend.outstanding--;
    if (!this.promptReleased) r.backend.pendingPromptTokens -= r.parsed.promptTokens;
    this.promptReleased = false;
  }

  /** The response ended (or the stream closed): release the counts once, tell the policy and the predictor. */
  finish(aborted: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (this.entered) this.gw.leave();
    const r = this.routed;
    if (!r) return;
    this.release(r);
    let out = Number.NaN;
    const s = this.scanner;
    if (s) {
      out = s.usageTokens >= 0 ? s.usageTokens : s.chunks;
      if (!s.sawDone) this.failed = true;
    } else {
      const m = /"completion_tokens"\s*:\s*(\d+)/g;
      for (let x = m.exec(this.response); x; x = m.exec(this.response)) out = Number(x[1]);
      if (Number.isFinite(out) && Number.isNaN(this.firstToken)) this.firstToken = this.gw.clock.now();
    }
    this.gw.completed(r, Number.isFinite(out) ? out : 0, this.firstToken, aborted || this.failed || !Number.isFinite(out));
  }
}

/**
 * The endpoint picker of the Gateway API Inference Extension: Envoy's ext_proc filter streams each
 * request's headers and body here; the same policy as the HTTP gateway picks a backend, named (with
 * fallbacks) in the `x-gateway-destination-endpoint` header and in `envoy.lb` dynamic metadata. No
 * backend available: an immediate 503; over --max-in-flight: 429; malformed JSON: 400. gRPC health
 * is served too (liveness, readiness and the ext_proc service, as the protocol names them).
 */
export class EndpointPicker {
  readonly server = new grpc.Server();
  readonly health = new HealthImplementation({ '': 'SERVING', liveness: 'SERVING', readiness: 'SERVING', [EXT_PROC_SERVICE]: 'SERVING' });
  readonly opts: Required<PickerOptions>;

  constructor(
    private readonly gw: Gateway,
    opts: PickerOptions = {},
  ) {
    this.opts = { mode: 'full-duplex', injectUsage: true, ...opts };
    const pkg = loadExtProc();
    this.server.addService(extProcService(pkg), {
      Process: (call: grpc.ServerDuplexStream<ProcessingRequest, object>) => {
        const s = new PickSession(this.gw, call, this.opts);
        call.on('data', (m: ProcessingRequest) => s.onMessage(m));
        call.on('end', () => {
          s.finish(true);
          call.end();
        });
        call.on('cancelled', () => s.finish(true));
        call.on('error', () => s.finish(true));
      },
    });
    this.health.addToServer(this.server);
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, actual) => (err ? reject(err) : resolve(actual))),
    );
  }

  /** Reports NOT_SERVING, lets open streams finish for up to `graceS`, then cuts the rest. */
  close(graceS = 10): Promise<void> {
    for (const s of ['', 'readiness', EXT_PROC_SERVICE]) this.health.setStatus(s, 'NOT_SERVING');
    return new Promise((resolve) => {
      const force = setTimeout(() => this.server.forceShutdown(), graceS * 1000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
