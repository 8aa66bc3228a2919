import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { BackendState } from '../backend.js';
import type { Gateway } from '../gateway/gateway.js';
import type { RoutedOn } from '../gateway/relay.js';
import { HttpError, parseOpenAiRequest, type ParsedRequest } from '../openai.js';
import { EXT_PROC_SERVICE, extProcService, loadExtProc, type HeaderValue, type ProcessingRequest } from './protos.js';

/** The header (and `envoy.lb` metadata key) carrying the chosen endpoint, per the Gateway API Inference Extension. */
export const DESTINATION_HEADER = 'x-gateway-destination-endpoint';
const LB_NAMESPACE = 'envoy.lb';
/** Response bodies are scanned for `usage` only up to this size (streams are not buffered beyond it). */
const MAX_SCAN = 1 << 20;

/** host:port of a backend URL: what Envoy's original-destination cluster connects to. */
export function endpointOf(b: BackendState): string {
  const u = new URL(b.url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

function headerValue(h: HeaderValue): string {
  return h.raw_value ? Buffer.from(h.raw_value).toString('utf8') : (h.value ?? '');
}

function immediate(status: number, message: string, type: string): object {
  return {
    immediate_response: {
      status: { code: status },
      headers: { set_headers: [{ header: { key: 'content-type', raw_value: Buffer.from('application/json') } }] },
      body: Buffer.from(JSON.stringify({ error: { message, type, param: null, code: status } })),
      details: message,
    },
  };
}

/**
 * One Envoy request on the ext_proc stream: headers, then the body (buffered or streamed), routed
 * when the body ends; the response is watched for its end (to release the router's counts) and for
 * `usage` (to teach the predictor).
 */
class PickSession {
  private body: Buffer[] = [];
  private routed: RoutedOn | undefined;
  private entered = false;
  private finished = false;
  private response = '';
  private firstByte = Number.NaN;

  constructor(
    private readonly gw: Gateway,
    private readonly call: grpc.ServerDuplexStream<ProcessingRequest, object>,
  ) {}

  onMessage(m: ProcessingRequest): void {
    if (m.request_headers) {
      if (m.request_headers.end_of_stream) this.pick(Buffer.alloc(0), 'request_headers');
      else this.call.write({ request_headers: { response: { status: 'CONTINUE' } } });
    } else if (m.request_body) {
      if (m.request_body.body) this.body.push(Buffer.from(m.request_body.body));
      if (m.request_body.end_of_stream) this.pick(Buffer.concat(this.body), 'request_body');
      else this.call.write({ request_body: { response: { status: 'CONTINUE' } } });
    } else if (m.request_trailers) {
      this.call.write({ request_trailers: {} });
    } else if (m.response_headers) {
      this.firstByte = this.gw.clock.now();
      this.call.write({ response_headers: { response: { status: 'CONTINUE' } } });
      if (m.response_headers.end_of_stream) this.finish(false);
    } else if (m.response_body) {
      if (m.response_body.body && this.response.length < MAX_SCAN) this.response += Buffer.from(m.response_body.body).toString('utf8');
      this.call.write({ response_body: { response: { status: 'CONTINUE' } } });
      if (m.response_body.end_of_stream) this.finish(false);
    } else if (m.response_trailers) {
      this.call.write({ response_trailers: {} });
      this.finish(false);
    }
  }

  private pick(body: Buffer, phase: 'request_headers' | 'request_body'): void {
    const gw = this.gw;
    let parsed: ParsedRequest;
    try {
      gw.checkAdmission();
      const json: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      parsed = parseOpenAiRequest(json, typeof json === 'object' && json !== null && 'messages' in json ? 'chat' : 'completions');
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(400, `malformed JSON body: ${(e as Error).message}`);
      this.call.write(immediate(err.status, err.message, err.type));
      return;
    }
    const { id, arrival, predicted } = gw.admit(parsed);
    let b: BackendState;
    try {
      b = gw.pick(parsed, id, arrival, predicted, new Set());
    } catch (e) {
      const err = e as HttpError;
      this.call.write(immediate(err.status, err.message, err.type));
      return;
    }
    gw.enter();
    this.entered = true;
    gw.take(b, parsed.promptTokens);
    this.routed = { backend: b, parsed, id, arrival, predicted };
    const endpoint = endpointOf(b);
    this.call.write({
      [phase]: {
        response: {
          status: 'CONTINUE',
          header_mutation: { set_headers: [{ header: { key: DESTINATION_HEADER, raw_value: Buffer.from(endpoint) } }] },
          clear_route_cache: true,
        },
      },
      // google.protobuf.Struct comes from protobufjs's bundled well-known types: camelCase there, whatever keepCase says.
      dynamic_metadata: { fields: { [LB_NAMESPACE]: { structValue: { fields: { [DESTINATION_HEADER]: { stringValue: endpoint } } } } } },
    });
  }

  /** The response ended (or the stream closed): release the counts once, tell the policy. */
  finish(aborted: boolean): void {
    if (this.finished || !this.routed) return;
    this.finished = true;
    const r = this.routed;
    r.backend.outstanding--;
    r.backend.pendingPromptTokens -= r.parsed.promptTokens;
    if (this.entered) this.gw.leave();
    const m = /"completion_tokens"\s*:\s*(\d+)/g;
    let out = Number.NaN;
    for (let x = m.exec(this.response); x; x = m.exec(this.response)) out = Number(x[1]);
    this.gw.completed(r, Number.isFinite(out) ? out : 0, this.firstByte, aborted || !Number.isFinite(out));
  }
}

/**
 * The endpoint picker of the Gateway API Inference Extension: Envoy's ext_proc filter streams each
 * request's headers and body here; the same policy as the HTTP gateway picks a backend, named in the
 * `x-gateway-destination-endpoint` header and in `envoy.lb` dynamic metadata. No backend available:
 * an immediate 503; over --max-in-flight: 429; malformed JSON: 400. gRPC health is served too.
 */
export class EndpointPicker {
  readonly server = new grpc.Server();
  readonly health = new HealthImplementation({ '': 'SERVING', [EXT_PROC_SERVICE]: 'SERVING' });

  constructor(private readonly gw: Gateway) {
    const pkg = loadExtProc();
    this.server.addService(extProcService(pkg), {
      Process: (call: grpc.ServerDuplexStream<ProcessingRequest, object>) => {
        const s = new PickSession(this.gw, call);
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
    this.health.setStatus('', 'NOT_SERVING');
    this.health.setStatus(EXT_PROC_SERVICE, 'NOT_SERVING');
    return new Promise((resolve) => {
      const force = setTimeout(() => this.server.forceShutdown(), graceS * 1000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
