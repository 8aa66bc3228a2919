import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';
import { Gateway } from '../gateway/gateway.js';
import { EndpointPicker, DESTINATION_HEADER, SERVED_KEY, SUBSET_KEY, SUBSET_NAMESPACE } from './endpointPicker.js';
import { extProcClient, loadExtProc } from './protos.js';

/** A gRPC client playing Envoy's ext_proc filter against the endpoint picker, on loopback. */
const BACKENDS = ['http://127.0.0.1:18101', 'http://127.0.0.1:18102', 'http://127.0.0.1:18103'];
const ENDPOINTS = BACKENDS.map((u) => u.slice('http://'.length));
type Msg = Record<string, unknown>;
type Client = grpc.Client & { Process(): grpc.ClientDuplexStream<object, Msg> };
let gw: Gateway;
let duplex: EndpointPicker;
let buffered: EndpointPicker;
let duplexClient: Client;
let bufferedClient: Client;
let port = 0;

before(async () => {
  // Backends that are never contacted: the picker only names them. Scrapes fail, so gauges are unknown.
  gw = new Gateway({ backends: BACKENDS, policy: 'least-outstanding', predictor: 'linear', scrapeTimeoutS: 0.05, retries: 1 });
  duplex = new EndpointPicker(gw);
  buffered = new EndpointPicker(gw, { mode: 'buffered' });
  port = await duplex.listen(0);
  const bport = await buffered.listen(0);
  const Client = extProcClient(loadExtProc());
  duplexClient = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Client;
  bufferedClient = new Client(`127.0.0.1:${bport}`, grpc.credentials.createInsecure()) as unknown as Client;
});
after(async () => {
  duplexClient.close();
  bufferedClient.close();
  await Promise.all([duplex.close(0.2), buffered.close(0.2)]);
});

/** One Process stream: write messages, wait for responses. */
class Envoy {
  readonly call: grpc.ClientDuplexStream<object, Msg>;
  readonly got: Msg[] = [];
  private waiters: (() => void)[] = [];
  constructor(client: Client) {
    this.call = client.Process();
    this.call.on('data', (r: Msg) => {
      this.got.push(r);
      for (const w of this.waiters.splice(0)) w();
    });
    this.call.on('error', () => {});
  }
  async send(msgs: object[], responses: number): Promise<Msg[]> {
    const from = this.got.length;
    for (const m of msgs) this.call.write(m);
    while (this.got.length < from + responses) await new Promise<void>((r) => this.waiters.push(r));
    return this.got.slice(from, from + responses);
  }
  end(): void {
    this.call.end();
  }
}

const bytes = (b: unknown): string => Buffer.from(b as Uint8Array).toString('utf8');
const reqHeaders = (eos = false, meta?: object) => ({
  request_headers: { headers: { headers: [{ key: ':path', raw_value: Buffer.from('/v1/completions') }] }, end_of_stream: eos },
  ...(meta ? { metadata_context: meta } : {}),
});
const reqBody = (text: string, eos = true) => ({ request_body: { body: Buffer.from(text), end_of_stream: eos } });
const respHeaders = (status: number, sse: boolean, meta?: object) => ({
  response_headers: {
    headers: { headers: [{ key: ':status', raw_value: Buffer.from(String(status)) }, ...(sse ? [{ key: 'content-type', raw_value: Buffer.from('text/event-stream') }] : [])] },
  },
  ...(meta ? { metadata_context: meta } : {}),
});
const respBody = (text: string, eos: boolean) => ({ response_body: { body: Buffer.from(text), end_of_stream: eos } });
const servedMeta = (endpoint: string) => ({ filter_metadata: { 'envoy.lb': { fields: { [SERVED_KEY]: { stringValue: endpoint } } } } });
const subsetMeta = (list: string[]) => ({ filter_metadata: { [SUBSET_NAMESPACE]: { fields: { [SUBSET_KEY]: { listValue: { values: list.map((s) => ({ stringValue: s })) } } } } } });
const inFlight = (): number => gw.backends.reduce((s, b) => s + b.outstanding, 0);
const pending = (): number => gw.backends.reduce((s, b) => s + b.pendingPromptTokens, 0);

function destination(r: Msg, phase: 'request_headers' | 'request_body'): { header: string; meta: string } {
  const common = (r[phase] as { response: { header_mutation: { set_headers: { header: { key: string; raw_value: Buffer } }[] } } }).response;
  const set = common.header_mutation.set_headers.find((h) => h.header.key === DESTINATION_HEADER)!.header;
  const meta = r.dynamic_metadata as { fields: Record<string, { structValue: { fields: Record<string, { stringValue: string }> } }> };
  return { header: bytes(set.raw_value), meta: meta.fields['envoy.lb']!.structValue.fields[DESTINATION_HEADER]!.stringValue };
}

const SSE = (n: number, usage: boolean): string => {
  let s = '';
  for (let k = 0; k < n; k++) s += `data: {"choices":[{"index":0,"text":" w${k}","finish_reason":null}]}\n\n`;
  if (usage) s += `data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":${n},"total_tokens":${3 + n}}}\n\n`;
  return `${s}data: [DONE]\n\n`;
};

test('ext_proc full duplex: headers answered after the body, endpoint + fallback in header and envoy.lb metadata, include_usage injected, usage chunk stripped, counts released, predictor taught', async () => {
  const e2eBefore = (await gw.metrics.e2e.get()).values.filter((v) => v.metricName?.endsWith('_count')).reduce((s, v) => s + v.value, 0);
  const envoy = new Envoy(duplexClient);
  const body = JSON.stringify({ prompt: 'a b c', max_tokens: 4, stream: true });
  // Headers and the first body chunk: no answer yet (the destination goes on the headers' answer).
  const [h, b] = await envoy.send([reqHeaders(), reqBody(body.slice(0, 10), false), reqBody(body.slice(10), true)], 2);
  assert.equal(h!.response, 'request_headers');
  const d = destination(h!, 'request_headers');
  assert.equal(d.header, d.meta, 'header and metadata carry the same value');
  const [primary, fallback, ...rest] = d.header.split(',');
  assert.ok(ENDPOINTS.includes(primary!) && ENDPOINTS.includes(fallback!) && primary !== fallback, d.header);
  assert.equal(rest.length, 0, '--retries 1: one fallback');
  const sent = bytes((b!.request_body as { response: { body_mutation: { streamed_response: { body: Buffer; end_of_stream: boolean } } } }).response.body_mutation.streamed_response.body);
  assert.deepEqual(JSON.parse(sent).stream_options, { include_usage: true }, 'include_usage added by body mutation');
  const cl = (h!.request_headers as { response: { header_mutation: { set_headers: { header: { key: string; raw_value: Buffer } }[] } } }).response.header_mutation.set_headers;
  assert.equal(bytes(cl.find((x) => x.header.key === 'content-length')!.header.raw_value), String(Buffer.byteLength(sent)));
  assert.equal(inFlight(), 1);
  assert.equal(pending(), 3, 'three prompt tokens wait for a first token');
  // The response, split mid-event; the usage chunk the picker asked for never reaches the client.
  const stream = SSE(4, true);
  const parts = [stream.slice(0, 30), stream.slice(30, 200), stream.slice(200)];
  const rs = await envoy.send([respHeaders(200, true), respBody(parts[0]!, false), respBody(parts[1]!, false), respBody(parts[2]!, true)], 4);
  assert.equal(rs[0]!.response, 'response_headers');
  const forwarded = rs.slice(1).map((r) => bytes((r.response_body as { response: { body_mutation: { streamed_response: { body: Buffer } } } }).response.body_mutation.streamed_response.body)).join('');
  assert.equal(forwarded, SSE(4, false), 'everything but the usage chunk, byte for byte');
  envoy.end();
  assert.equal(inFlight(), 0, 'released at the end of the response');
  assert.equal(pending(), 0);
  const e2eAfter = (await gw.metrics.e2e.get()).values.filter((v) => v.metricName?.endsWith('_count')).reduce((s, v) => s + v.value, 0);
  assert.equal(e2eAfter, e2eBefore + 1, 'a completion observed');
  const err = await gw.metrics.predictionError.get();
  assert.equal(err.values.find((v) => v.metricName?.endsWith('_count'))?.value, 1, 'the predictor learnt from the usage it asked for');
});

test('ext_proc buffered: headers CONTINUE at once, the body routed with the destination on its answer, body replaced only when include_usage is injected', async () => {
  const envoy = new Envoy(bufferedClient);
  const [h] = await envoy.send([reqHeaders()], 1);
  assert.equal((h!.request_headers as { response: { status?: string } }).response.status ?? 'CONTINUE', 'CONTINUE');
  const [b] = await envoy.send([reqBody(JSON.stringify({ messages: [{ role: 'user', content: 'hello there' }], max_tokens: 8 }))], 1);
  const d = destination(b!, 'request_body');
  assert.equal(d.header, d.meta);
  assert.equal((b!.request_body as { response: { body_mutation?: unknown } }).response.body_mutation ?? null, null, 'not streamed: nothing injected, body untouched');
  // A non-streamed JSON answer with usage: learnt, released.
  await envoy.send([respHeaders(200, false), respBody('{"usage":{"completion_tokens":8}}', true)], 2);
  envoy.end();
  assert.equal(inFlight(), 0);
  const env2 = new Envoy(bufferedClient);
  await env2.send([reqHeaders()], 1);
  const [b2] = await env2.send([reqBody(JSON.stringify({ prompt: 'x y', stream: true, max_tokens: 2 }))], 1);
  const mut = (b2!.request_body as { response: { body_mutation: { body: Buffer } } }).response.body_mutation;
  assert.deepEqual(JSON.parse(bytes(mut.body)).stream_options, { include_usage: true });
  const rs = await env2.send([respHeaders(200, true), respBody(SSE(2, true), true)], 2);
  const out = (rs[1]!.response_body as { response: { body_mutation: { body: Buffer } } }).response.body_mutation.body;
  assert.equal(bytes(out), SSE(2, false), 'STREAMED/BUFFERED response: the chunk replaced without the usage event');
  env2.end();
  assert.equal(inFlight(), 0);
});

test('ext_proc retries: the data plane served a fallback, so the primary is put in cooldown and the counts move; a 5xx puts the server in cooldown', async () => {
  const envoy = new Envoy(duplexClient);
  const [h] = await envoy.send([reqHeaders(), reqBody(JSON.stringify({ prompt: 'p q', max_tokens: 1 }))], 2);
  const [primary, fallback] = destination(h!, 'request_headers').header.split(',') as [string, string];
  const p = gw.backends.find((b) => b.url.endsWith(primary))!;
  const f = gw.backends.find((b) => b.url.endsWith(fallback))!;
  assert.deepEqual([p.outstanding, f.outstanding], [1, 0]);
  await envoy.send([respHeaders(200, false, servedMeta(fallback))], 1);
  assert.deepEqual([p.outstanding, f.outstanding], [0, 1], 'the counts follow the endpoint that served');
  assert.equal(p.available(gw.clock.now()), false, 'the primary failed: cooldown');
  const retries = await gw.metrics.retries.get();
  assert.equal(retries.values.find((v) => v.labels.backend === p.url)?.value, 1);
  await envoy.send([respBody('{"usage":{"completion_tokens":1}}', true)], 1);
  envoy.end();
  assert.equal(inFlight(), 0);
  // A 5xx answer from the server that was picked.
  const env2 = new Envoy(duplexClient);
  const [h2] = await env2.send([reqHeaders(), reqBody(JSON.stringify({ prompt: 'p', max_tokens: 1 }))], 2);
  const picked = gw.backends.find((b) => b.url.endsWith(destination(h2!, 'request_headers').header.split(',')[0]!))!;
  assert.notEqual(picked, p, 'the backend in cooldown is not picked');
  await env2.send([respHeaders(503, false), respBody('{"error":"overloaded"}', true)], 2);
  env2.end();
  assert.equal(picked.available(gw.clock.now()), false);
  for (const b of gw.backends) b.downUntil = Number.NEGATIVE_INFINITY;
});

test('ext_proc subset hint: only listed endpoints are picked; none eligible is a 503', async () => {
  const envoy = new Envoy(duplexClient);
  const [h] = await envoy.send([reqHeaders(false, subsetMeta([ENDPOINTS[2]!])), reqBody(JSON.stringify({ prompt: 'x' }))], 2);
  assert.equal(destination(h!, 'request_headers').header, ENDPOINTS[2], 'the subset holds one endpoint: no fallback outside it');
  await envoy.send([respHeaders(200, false), respBody('{}', true)], 2);
  envoy.end();
  const env2 = new Envoy(duplexClient);
  const [imm] = await env2.send([reqHeaders(false, subsetMeta(['10.9.9.9:8000'])), reqBody(JSON.stringify({ prompt: 'x' }))], 1);
  env2.end();
  const code = (imm!.immediate_response as { status: { code: string | number } }).status.code;
  assert.ok(['ServiceUnavailable', 503].includes(code), String(code));
});

test('ext_proc: 503 as an immediate response when no endpoint is available; 400 on malformed JSON', async () => {
  for (const b of gw.backends) b.draining = true;
  try {
    const envoy = new Envoy(duplexClient);
    const [imm] = await envoy.send([reqHeaders(), reqBody(JSON.stringify({ prompt: 'x' }))], 1);
    envoy.end();
    const i = imm!.immediate_response as { status: { code: string | number }; body: Buffer };
    assert.ok(['ServiceUnavailable', 503].includes(i.status.code), String(i.status.code));
    assert.match(bytes(i.body), /no backend is available/);
  } finally {
    for (const b of gw.backends) b.draining = false;
  }
  const envoy = new Envoy(bufferedClient);
  const rs = await envoy.send([reqHeaders(), { request_body: { body: Buffer.from('{nope'), end_of_stream: true } }], 2);
  envoy.end();
  const code = (rs[1]!.immediate_response as { status: { code: string | number } }).status.code;
  assert.ok(['BadRequest', 400].includes(code), String(code));
  assert.equal(inFlight(), 0);
});

test('ext_proc: gRPC health answers SERVING for the service, liveness and readiness', async () => {
  const def = protoLoader.loadSync(healthProto, { keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  const h = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Check(req: object, cb: (e: Error | null, r: { status: string | number }) => void): void;
  };
  for (const service of ['', 'liveness', 'readiness', 'envoy.service.ext_proc.v3.ExternalProcessor']) {
    const r = await new Promise<{ status: string | number }>((resolve, reject) => h.Check({ service }, (e, x) => (e ? reject(e) : resolve(x))));
    assert.ok(['SERVING', 1].includes(r.status), `${service}: ${r.status}`);
  }
  h.close();
});
