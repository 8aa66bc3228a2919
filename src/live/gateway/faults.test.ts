import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Emulator } from '../emulator/server.js';
import { postJson, startCluster } from '../testCluster.js';
import { Gateway } from './gateway.js';

const EMU = { timeScale: 4 } as const;
const GW = { policy: 'round-robin', pollIntervalS: 0.05, staleAfterS: 0.3, upstreamTimeoutS: 0.4, cooldownS: 0.5, scrapeTimeoutS: 0.2 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function counter(m: { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> }, labels: Record<string, string>): Promise<number> {
  const v = await m.get();
  return v.values.filter((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val)).reduce((s, x) => s + x.value, 0);
}

test('fault: a backend answering 500 is retried on another before the first token; the client never sees it', async () => {
  const c = await startCluster(2, EMU, GW);
  try {
    await postJson(`${c.servers[0]!.url}/admin/faults`, { errorRate: 1 });
    const rs = await Promise.all([0, 1, 2, 3].map(() => postJson(`${c.url}/v1/completions`, { prompt: 'a b', max_tokens: 4, stream: true })));
    assert.deepEqual(rs.map((r) => r.status), [200, 200, 200, 200]);
    for (const r of rs) {
      assert.equal(r.headers.get('x-gaps-backend'), c.servers[1]!.url);
      assert.ok(r.text.trimEnd().endsWith('data: [DONE]'));
    }
    assert.ok((await counter(c.gateway.metrics.retries, { backend: c.servers[0]!.url })) >= 1);
    assert.ok((await counter(c.gateway.metrics.upstreamErrors, { kind: 'status' })) >= 1);
  } finally {
    await c.close();
  }
});

test('fault: a backend dropping the connection mid-stream ends the client stream with a clear error, not a hang', async () => {
  const c = await startCluster(1, EMU, GW);
  try {
    await postJson(`${c.servers[0]!.url}/admin/faults`, { dropAfterTokens: 3 });
    const client = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'llama-2-7b/a100-80gb', messages: [{ role: 'user', content: 'x' }], max_tokens: 20, stream: true });
    let got = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of stream) got++;
      })(),
      /mid-stream after 3 chunk/,
    );
    assert.equal(got, 3, 'the three tokens before the drop were delivered');
    assert.equal(await counter(c.gateway.metrics.upstreamErrors, { kind: 'midstream' }), 1);
    assert.equal(c.gateway.backends[0]!.outstanding, 0, 'the router released its count');
  } finally {
    await c.close();
  }
});

test('fault: /metrics stops answering; the gauges go stale (unknown), requests are still served', async () => {
  const c = await startCluster(2, EMU, GW);
  try {
    await postJson(`${c.servers[0]!.url}/admin/faults`, { metricsDown: true });
    // Stale after 0.3 s without a good scrape: poll for it (up to 2 s) instead of sleeping a fixed time.
    for (let i = 0; i < 200 && c.gateway.backends[0]!.fresh(c.gateway.clock.now(), 0.3); i++) await sleep(10);
    const now = c.gateway.clock.now();
    assert.equal(c.gateway.backends[0]!.fresh(now, 0.3), false);
    assert.equal(c.gateway.backends[1]!.fresh(now, 0.3), true);
    const rs = await Promise.all([0, 1].map(() => postJson(`${c.url}/v1/completions`, { prompt: 'a', max_tokens: 2 })));
    assert.deepEqual(rs.map((r) => r.status), [200, 200]);
    assert.ok((await counter(c.gateway.metrics.scrapeErrors, { backend: c.servers[0]!.url })) >= 1);
    await fetch(`${c.servers[0]!.url}/admin/faults`, { method: 'DELETE' });
    for (let i = 0; i < 200 && !c.gateway.backends[0]!.fresh(c.gateway.clock.now(), 0.3); i++) await sleep(10);
    assert.equal(c.gateway.backends[0]!.fresh(c.gateway.clock.now(), 0.3), true, 'fresh again once /metrics answers');
  } finally {
    await c.close();
  }
});

test('fault: a backend that stops answering at all times out and the request moves to another', async () => {
  const c = await startCluster(2, EMU, GW);
  try {
    await postJson(`${c.servers[0]!.url}/admin/faults`, { hang: true });
    const rs = await Promise.all([0, 1].map(() => postJson(`${c.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, stream: true })));
    assert.deepEqual(rs.map((r) => r.status), [200, 200]);
    assert.ok(rs.every((r) => r.headers.get('x-gaps-backend') === c.servers[1]!.url));
    assert.ok((await counter(c.gateway.metrics.upstreamErrors, { backend: c.servers[0]!.url, kind: 'timeout' })) >= 1);
    const m = await (await fetch(`${c.url}/metrics`)).text();
    assert.ok(m.includes(`gaps_router_backend_up{backend="${c.servers[0]!.url}"} 0`), 'the hung backend is out');
  } finally {
    await c.close();
  }
});

test('fault: a slowed backend stretches its iterations by the factor', async () => {
  const c = await startCluster(1, EMU, GW);
  try {
    const time = async (): Promise<number> => {
      const t0 = performance.now();
      const r = await postJson(`${c.servers[0]!.url}/v1/completions`, { prompt: 'a b c', max_tokens: 16 });
      assert.equal(r.status, 200);
      return performance.now() - t0;
    };
    await time(); // warm
    const base = await time();
    await postJson(`${c.servers[0]!.url}/admin/faults`, { slowdown: 5 });
    const slow = await time();
    assert.ok(slow > 2.5 * base, `slowdown 5: ${slow.toFixed(0)} ms vs ${base.toFixed(0)} ms healthy`);
    const bad = await postJson(`${c.servers[0]!.url}/admin/faults`, { slowdown: 0.5, bogus: 1 });
    assert.equal(bad.status, 400);
  } finally {
    await c.close();
  }
});

test('graceful shutdown drains a stream in flight and then refuses new requests', async () => {
  const c = await startCluster(1, { timeScale: 1 }, GW);
  try {
    const streaming = postJson(`${c.url}/v1/completions`, { prompt: 'a', max_tokens: 15, stream: true });
    // Close once the stream is in flight (not after a fixed sleep: the other tests share the CPU).
    for (let i = 0; i < 200 && c.gateway.backends[0]!.outstanding === 0; i++) await sleep(5);
    const closing = c.gatewayServer.close();
    const r = await streaming;
    await closing;
    assert.equal(r.status, 200);
    assert.ok(r.text.trimEnd().endsWith('data: [DONE]'), 'the stream finished whole');
    assert.equal(r.text.split('"text"').length - 1, 15);
    assert.equal((await fetch(`${c.url}/health`).catch(() => undefined))?.status ?? 'refused', 'refused', 'closed after the drain');
  } finally {
    await Promise.all(c.servers.map((s) => s.close()));
  }
});

test('a backend that refused the first scrapes is routable as soon as it answers one (router started first)', async () => {
  const probe = new Emulator({ deployment: 'llama-2-7b/a100-80gb' });
  const p = await probe.listen(0);
  const port = p.port;
  await p.close();
  const gw = new Gateway({ backends: [`http://127.0.0.1:${port}`], policy: 'round-robin', pollIntervalS: 0.05, cooldownS: 30 });
  const g = await gw.listen(0);
  try {
    assert.equal(gw.backends[0]!.available(gw.clock.now()), false, 'refused: in cooldown');
    const e = new Emulator({ deployment: 'llama-2-7b/a100-80gb', timeScale: 4 });
    const s = await e.listen(port);
    try {
      // The next scrapes (every 50 ms) find it: poll instead of sleeping a fixed time.
      for (let i = 0; i < 100 && !gw.backends[0]!.available(gw.clock.now()); i++) await sleep(10);
      assert.equal(gw.backends[0]!.available(gw.clock.now()), true, 'a good scrape closes a breaker a refused scrape opened (cooldown 30 s)');
      assert.equal((await postJson(`${g.url}/v1/completions`, { prompt: 'a', max_tokens: 2 })).status, 200);
    } finally {
      await s.close();
    }
  } finally {
    await g.close();
  }
});
