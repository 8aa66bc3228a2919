import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';
import { Gateway } from '../gateway/gateway.js';
import { EndpointPicker, DESTINATION_HEADER } from './endpointPicker.js';
import { extProcClient, loadExtProc } from './protos.js';

/** A gRPC client playing Envoy's ext_proc filter against the endpoint picker, on loopback. */
const BACKENDS = ['http://127.0.0.1:18101', 'http://127.0.0.1:18102'];
let gw: Gateway;
let picker: EndpointPicker;
let client: grpc.Client & { Process(): grpc.ClientDuplexStream<object, Record<string, unknown>> };
let port = 0;

before(async () => {
  // Backends that are never contacted: the picker only names them. Scrapes fail, so gauges are unknown.
  gw = new Gateway({ backends: BACKENDS, policy: 'least-outstanding', scrapeTimeoutS: 0.05 });
  picker = new EndpointPicker(gw);
  port = await picker.listen(0);
  const Client = extProcClient(loadExtProc());
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as typeof client;
});
after(async () => {
  client.close();
  await picker.close(0.2);
});

/** Sends `msgs` on one Process stream and collects the responses until `count` arrived. */
function exchange(msgs: object[], count: number, end = true): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const call = client.Process();
    const got: Record<string, unknown>[] = [];
    call.on('data', (r: Record<string, unknown>) => {
      got.push(r);
      if (got.length === count) {
        if (end) call.end();
        resolve(got);
      }
    });
    call.on('error', reject);
    for (const m of msgs) call.write(m);
  });
}

const headers = (eos: boolean) => ({ request_headers: { headers: { headers: [{ key: ':path', raw_value: Buffer.from('/v1/chat/completions') }] }, end_of_stream: eos } });
const body = (obj: unknown) => ({ request_body: { body: Buffer.from(JSON.stringify(obj)), end_of_stream: true } });

test('ext_proc: headers CONTINUE, then the body is routed: endpoint in the header mutation and in envoy.lb metadata', async () => {
  const rs = await exchange([headers(false), body({ messages: [{ role: 'user', content: 'hello there' }], max_tokens: 8 })], 2, false);
  assert.equal(rs[0]!.response, 'request_headers');
  assert.equal(rs[1]!.response, 'request_body');
  const common = (rs[1]!.request_body as { response: { header_mutation: { set_headers: { header: { key: string; raw_value: Buffer } }[] } } }).response;
  const set = common.header_mutation.set_headers[0]!.header;
  assert.equal(set.key, DESTINATION_HEADER);
  const endpoint = Buffer.from(set.raw_value).toString();
  assert.ok(['127.0.0.1:18101', '127.0.0.1:18102'].includes(endpoint), endpoint);
  const meta = rs[1]!.dynamic_metadata as { fields: Record<string, { structValue: { fields: Record<string, { stringValue: string }> } }> };
  assert.equal(meta.fields['envoy.lb']!.structValue.fields[DESTINATION_HEADER]!.stringValue, endpoint);
  assert.equal(gw.backends.reduce((s, b) => s + b.outstanding, 0), 1, 'the router counts it in flight');
});

test('ext_proc: the response end releases the router\'s count and the predictor learns from usage', async () => {
  const call = client.Process();
  const got: Record<string, unknown>[] = [];
  await new Promise<void>((resolve, reject) => {
    call.on('data', (r: Record<string, unknown>) => {
      got.push(r);
      if (got.length === 4) resolve();
    });
    call.on('error', reject);
    call.write(headers(false));
    call.write(body({ prompt: 'a b c', max_tokens: 2 }));
    call.write({ response_headers: { headers: { headers: [] }, end_of_stream: false } });
    call.write({ response_body: { body: Buffer.from('{"usage":{"completion_tokens":2}}'), end_of_stream: true } });
  });
  call.end();
  assert.deepEqual(got.map((r) => r.response), ['request_headers', 'request_body', 'response_headers', 'response_body']);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(gw.backends.reduce((s, b) => s + b.outstanding, 0), 1, 'only the first test\'s request is still in flight');
  const m = await gw.metrics.registry.getSingleMetricAsString('gaps_router_e2e_seconds');
  assert.match(m, /gaps_router_e2e_seconds_count\{backend="[^"]+"\} 1/);
});

test('ext_proc: 503 as an immediate response when no endpoint is available; 400 on malformed JSON', async () => {
  for (const b of gw.backends) b.draining = true;
  try {
    const rs = await exchange([headers(false), body({ prompt: 'x' })], 2);
    const imm = rs[1]!.immediate_response as { status: { code: string | number }; body: Buffer };
    assert.ok(imm, 'an immediate response');
    assert.ok(['ServiceUnavailable', 503].includes(imm.status.code), String(imm.status.code));
    assert.match(Buffer.from(imm.body).toString(), /no backend is available/);
  } finally {
    for (const b of gw.backends) b.draining = false;
  }
  const rs = await exchange([headers(false), { request_body: { body: Buffer.from('{nope'), end_of_stream: true } }], 2);
  const imm = rs[1]!.immediate_response as { status: { code: string | number } };
  assert.ok(['BadRequest', 400].includes(imm.status.code), String(imm.status.code));
});

test('ext_proc: gRPC health answers SERVING', async () => {
  const def = protoLoader.loadSync(healthProto, { keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  const h = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Check(req: object, cb: (e: Error | null, r: { status: string | number }) => void): void;
  };
  const r = await new Promise<{ status: string | number }>((resolve, reject) => h.Check({ service: '' }, (e, x) => (e ? reject(e) : resolve(x))));
  h.close();
  assert.ok(['SERVING', 1].includes(r.status), String(r.status));
});
