import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { BackendState } from '../backend.js';
import { EndpointSlots } from './endpointsFile.js';
import { KubePodWatch, podEndpoint } from './kubeWatch.js';

const pod = (name: string, ip: string, ready: boolean, rv: string, extra: object = {}) => ({
  metadata: { name, resourceVersion: rv, ...extra },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

test('pod endpoint: Running, Ready, with an IP and not being deleted', () => {
  assert.equal(podEndpoint(pod('a', '10.0.0.1', true, '1'), 8000), 'http://10.0.0.1:8000');
  assert.equal(podEndpoint(pod('a', '10.0.0.1', false, '1'), 8000), undefined);
  assert.equal(podEndpoint(pod('a', '10.0.0.1', true, '1', { deletionTimestamp: '2026-01-01T00:00:00Z' }), 8000), undefined);
  assert.equal(podEndpoint(pod('a', 'fd00::1', true, '1'), 8000), 'http://[fd00::1]:8000');
});

test('pod watch against a fake API server on loopback: list, watch events, 410 Gone relists', async () => {
  const requests: string[] = [];
  let watchRes: ServerResponse | undefined;
  let lists = 0;
  const server = createServer((req, res) => {
    requests.push(`${req.headers.authorization} ${req.url}`);
    const u = new URL(req.url ?? '/', 'http://x');
    assert.equal(u.pathname, '/api/v1/namespaces/llm/pods');
    assert.equal(u.searchParams.get('labelSelector'), 'app=vllm');
    res.writeHead(200, { 'content-type': 'application/json' });
    if (u.searchParams.get('watch') !== '1') {
      lists++;
      const items = lists === 1 ? [pod('p1', '127.0.0.1', true, '5'), pod('p2', '127.0.0.2', false, '6')] : [pod('p3', '127.0.0.3', true, '20')];
      res.end(JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: lists === 1 ? '7' : '21' }, items }));
      return;
    }
    watchRes = res;
    res.flushHeaders();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const gw = { backends: [0, 1, 2].map((i) => new BackendState(i, '')) };
  const watch = new KubePodWatch(new EndpointSlots(gw.backends), { api, namespace: 'llm', selector: 'app=vllm', targetPort: 8000, token: 'tok', retryS: 0.05 });
  const live = (): string[] => gw.backends.filter((b) => !b.vacant).map((b) => b.url).sort();
  const until = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  try {
    watch.start();
    await watch.synced;
    assert.deepEqual(live(), ['http://127.0.0.1:8000'], 'p2 is not Ready');
    await until(() => watchRes !== undefined);
    assert.match(requests[1]!, /^Bearer tok .*watch=1.*resourceVersion=7/);
    const send = (type: string, object: object): boolean => watchRes!.write(`${JSON.stringify({ type, object })}\n`);
    send('MODIFIED', pod('p2', '127.0.0.2', true, '8'));
    await until(() => live().length === 2);
    assert.deepEqual(live(), ['http://127.0.0.1:8000', 'http://127.0.0.2:8000'], 'p2 became Ready');
    send('BOOKMARK', { metadata: { resourceVersion: '9' } });
    send('DELETED', pod('p1', '127.0.0.1', true, '10'));
    await until(() => live().length === 1);
    assert.deepEqual(live(), ['http://127.0.0.2:8000'], 'p1 deleted: its slot drained and freed (nothing in flight)');
    // The watch expires: an ERROR event (410 Gone) makes the client list again.
    const first = watchRes!;
    watchRes = undefined;
    first.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } })}\n`);
    await until(() => lists === 2 && live().includes('http://127.0.0.3:8000'));
    assert.deepEqual(live(), ['http://127.0.0.3:8000'], 'the new list replaces the set');
    await until(() => watchRes !== undefined);
    assert.match(requests.at(-1)!, /resourceVersion=21/);
  } finally {
    watch.stop();
    watchRes?.end();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
