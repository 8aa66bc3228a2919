import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway } from '../gateway/gateway.js';
import type { RunningServer } from '../emulator/server.js';
import { eventData } from '../gateway/sse.js';
import { sseData } from '../testCluster.js';
import { continuationBody, notMovable, stitchChunk } from './continuation.js';

/**
 * A fake upstream: streams `max_tokens` chunks whose text is `<tag><k>` (k from 0), one every
 * `everyMs`, then a usage chunk and [DONE]. It records every request body it received; `mode`
 * makes it refuse (400) or die after its first chunk.
 */
class FakeUpstream {
  readonly bodies: Record<string, unknown>[] = [];
  mode: 'ok' | 'refuse' | 'die-after-first' = 'ok';
  /** Milliseconds before the response headers (a request waiting in the engine's queue). */
  headerDelayMs = 0;
  /** Cut the connection after this many chunks (a backend dying mid-stream). */
  dieAfter: number | undefined;
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly tag: string,
    private readonly everyMs: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === '/metrics') return void res.end('');
    let raw = '';
    for await (const c of req) raw += c;
    const body = JSON.parse(raw) as Record<string, unknown>;
    this.bodies.push(body);
    if (this.mode === 'refuse') {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { message: 'continue_final_message is not supported' } }));
    }
    if (this.headerDelayMs > 0) await new Promise((r) => setTimeout(r, this.headerDelayMs));
    if (res.destroyed) return;
    const chat = req.url === '/v1/chat/completions';
    const n = body.max_tokens as number;
    const id = `${this.tag}-${this.bodies.length}`;
    const created = 1000 + this.bodies.length;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let k = 0;
    const timer = setInterval(() => {
      const text = ` ${this.tag}${k}`;
      const choice = chat ? { index: 0, delta: k === 0 ? { role: 'assistant', content: text } : { content: text }, finish_reason: k === n - 1 ? 'length' : null } : { index: 0, text, finish_reason: k === n - 1 ? 'length' : null };
      res.write(`data: ${JSON.stringify({ id, created, model: `model-${this.tag}`, object: 'chunk', choices: [choice] })}\n\n`);
      k++;
      if (this.dieAfter !== undefined && k >= this.dieAfter) {
        clearInterval(timer);
        res.destroy();
        return;
      }
      if (this.mode === 'die-after-first') {
        clearInterval(timer);
        setTimeout(() => res.destroy(), 30);
        return;
      }
      if (k === n) {
        clearInterval(timer);
        const prompt = chat ? (body.messages as { content: string }[]).reduce((s, m) => s + m.content.trim().split(/\s+/).length, 0) : (body.prompt as string).trim().split(/\s+/).length;
        res.write(`data: ${JSON.stringify({ id, created, model: `model-${this.tag}`, choices: [], usage: { prompt_tokens: prompt, completion_tokens: n, total_tokens: prompt + n } })}\n\n`);
        res.end('data: [DONE]\n\n');
      }
    }, this.everyMs);
    res.on('close', () => clearInterval(timer));
  }

  close(): Promise<void> {
    const p = new Promise<void>((r) => this.server?.close(() => r()));
    this.server?.closeAllConnections();
    return p;
  }
}

interface Received {
  chunks: Record<string, unknown>[];
  text: string;
  dones: number;
  errors: string[];
}

/** Streams a request through the gateway; after `moveAt` content chunks reached the client, asks the gateway to move it to backend 1. */
async function streamAndMove(gw: Gateway, url: string, path: string, body: object, moveAt: number): Promise<{ r: Received; moved: boolean }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const r: Received = { chunks: [], text: '', dones: 0, errors: [] };
  let moved = false;
  for await (const data of sseData(res.body)) {
    if (data === '[DONE]') r.dones++;
    else {
      const j = JSON.parse(data) as Record<string, unknown>;
      if (j.error) r.errors.push(JSON.stringify(j.error));
      else {
        r.chunks.push(j);
        const c = (j.choices as Record<string, unknown>[])[0];
        r.text += c ? ((c.text as string | undefined) ?? ((c.delta as { content?: string }).content ?? '')) : '';
      }
    }
    const content = r.chunks.filter((c) => (c.choices as unknown[]).length > 0).length;
    if (!moved && content >= moveAt) {
      moved = true;
      const on0 = gw.control?.requestsOn(0) ?? [];
      assert.equal(on0.length, 1, 'the stream is listed on its backend');
      assert.equal(on0[0]?.phase, 'decoding');
      assert.ok(gw.control?.migrationCost(on0[0]?.id as number) as number > 0.005, 'a decoding request costs a re-prefill');
      assert.equal(gw.control?.migrate(on0[0]?.id as number, 1), true, 'the move starts');
      assert.equal(gw.control?.migrate(on0[0]?.id as number, 1), false, 'not twice at once');
    }
  }
  return { r, moved };
}

describe('live rebalancing: stitching a moved stream (fake upstreams, loopback)', () => {
  const a = new FakeUpstream('a', 15);
  const b = new FakeUpstream('b', 5);
  let gw: Gateway;
  let server: RunningServer;
  before(async () => {
    await a.start();
    await b.start();
  });
  after(async () => {
    await a.close();
    await b.close();
  });
  const open = async (moveTimeoutS = 5): Promise<void> => {
    a.bodies.length = 0;
    b.bodies.length = 0;
    // round-robin: the first request goes to backend 0 (a)
    gw = new Gateway({ backends: [a.url, b.url], policy: 'round-robin', rebalance: true, pollIntervalS: 0.05, moveTimeoutS });
    server = await gw.listen(0);
  };

  test('chat: one stream, same id/created/model, no duplicate or missing text, one [DONE], usage summed', async () => {
    await open();
    try {
      const messages = [{ role: 'user', content: 'one two three four five' }];
      const { r } = await streamAndMove(gw, server.url, '/v1/chat/completions', { messages, max_tokens: 12, stream: true, stream_options: { include_usage: true } }, 3);
      const sent = b.bodies[0] as { messages: { role: string; content: string }[]; max_tokens: number; continue_final_message: boolean; add_generation_prompt: boolean };
      const k = 12 - sent.max_tokens;
      assert.ok(k >= 3 && k < 12, `moved after ${k} tokens`);
      const before = Array.from({ length: k }, (_, i) => ` a${i}`).join('');
      assert.deepEqual(sent.messages, [...messages, { role: 'assistant', content: before }], 'the target got the prompt plus the text the client had');
      assert.equal(sent.continue_final_message, true);
      assert.equal(sent.add_generation_prompt, false);
      assert.equal(r.text, before + Array.from({ length: 12 - k }, (_, i) => ` b${i}`).join(''), 'whole and in order');
      assert.equal(r.dones, 1);
      assert.deepEqual(r.errors, []);
      const ids = new Set(r.chunks.map((c) => `${c.id}|${c.created}|${c.model}`));
      assert.deepEqual([...ids], ['a-1|1001|model-a'], 'every chunk carries the first upstream\'s id, created and model');
      const roles = r.chunks.filter((c) => ((c.choices as { delta?: { role?: string } }[])[0]?.delta?.role) !== undefined);
      assert.equal(roles.length, 1, 'one role, in the first delta');
      const usage = r.chunks.at(-1)?.usage as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      assert.deepEqual(usage, { prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
      const st = gw.migrations?.snapshot();
      assert.equal(st?.attempted, 1);
      assert.equal(st?.succeeded, 1);
      assert.equal(st?.resentGeneratedTokens, k);
      const m = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(m, /gaps_router_migrations_succeeded_total 1/);
      assert.match(m, new RegExp(`gaps_router_migration_resent_tokens_total\\{kind="generated"\\} ${k}`));
      assert.equal(gw.backends[0]?.outstanding, 0);
      assert.equal(gw.backends[1]?.outstanding, 0);
      assert.equal(gw.backends[1]?.pendingPromptTokens, 0);
    } finally {
      await server.close();
    }
  });

  test('completions: the prompt is extended, usage stripped when the client did not ask for it', async () => {
    await open();
    try {
      const { r } = await streamAndMove(gw, server.url, '/v1/completions', { prompt: 'x y', max_tokens: 10, stream: true }, 2);
      const sent = b.bodies[0] as { prompt: string; max_tokens: number; stream_options: { include_usage: boolean } };
      const k = 10 - sent.max_tokens;
      const before = Array.from({ length: k }, (_, i) => ` a${i}`).join('');
      assert.equal(sent.prompt, `x y${before}`);
      assert.equal(sent.stream_options.include_usage, true, 'the router still learns the usage');
      assert.equal(r.text, before + Array.from({ length: 10 - k }, (_, i) => ` b${i}`).join(''));
      assert.equal(r.dones, 1);
      assert.ok(r.chunks.every((c) => c.usage === undefined), 'no usage chunk the client did not ask for');
    } finally {
      await server.close();
    }
  });

  test('a refused continuation leaves the stream on its source, whole; a target dying after the switch ends it with an error event', async () => {
    await open();
    b.mode = 'refuse';
    try {
      const { r } = await streamAndMove(gw, server.url, '/v1/completions', { prompt: 'x', max_tokens: 10, stream: true }, 2);
      assert.equal(r.text, Array.from({ length: 10 }, (_, i) => ` a${i}`).join(''), 'the held chunks were replayed: nothing lost');
      assert.equal(r.dones, 1);
      assert.deepEqual(gw.migrations?.snapshot().failed, { refused: 1 });
      // The source finishes while the target is still silent: the held chunks are replayed, the target aborted.
      // A target that stays silent past --move-timeout: abandoned, the stream goes on from its source.
      await server.close();
      await open(0.05);
      b.mode = 'ok';
      b.headerDelayMs = 1000;
      const silent = await streamAndMove(gw, server.url, '/v1/completions', { prompt: 'x', max_tokens: 16, stream: true }, 2);
      assert.equal(silent.r.text, Array.from({ length: 16 }, (_, i) => ` a${i}`).join(''));
      assert.deepEqual(gw.migrations?.snapshot().failed, { timeout: 1 });
      await server.close();
      await open(); // round-robin from backend 0 again
      const raced = await streamAndMove(gw, server.url, '/v1/completions', { prompt: 'x', max_tokens: 6, stream: true }, 2);
      b.headerDelayMs = 0;
      assert.equal(raced.r.text, Array.from({ length: 6 }, (_, i) => ` a${i}`).join(''));
      assert.equal(raced.r.dones, 1);
      assert.deepEqual(gw.migrations?.snapshot().failed, { 'source-finished': 1 });
      assert.equal(gw.backends[1]?.outstanding, 0, 'the aborted continuation released its counts');
      await server.close();
      await open(); // round-robin from backend 0 again
      b.mode = 'die-after-first';
      const died = await streamAndMove(gw, server.url, '/v1/completions', { prompt: 'x', max_tokens: 10, stream: true }, 2);
      assert.equal(died.r.dones, 0, 'no [DONE] after a failure');
      assert.equal(died.r.errors.length, 1, 'an error event, not a silent truncation');
      const k = 10 - ((b.bodies[0] as { max_tokens: number }).max_tokens);
      assert.equal(died.r.text, `${Array.from({ length: k }, (_, i) => ` a${i}`).join('')} b0`, 'switched, then the target died');
      assert.equal(gw.migrations?.snapshot().succeeded, 1);
      assert.equal(gw.backends[0]?.outstanding, 0);
      assert.equal(gw.backends[1]?.outstanding, 0);
    } finally {
      b.mode = 'ok';
      await server.close();
    }
  });
});

test('a source dying while a move is under way: the continuation takes over, the stream still ends whole', async () => {
  const a = new FakeUpstream('a', 15);
  const b = new FakeUpstream('b', 5);
  await a.start();
  await b.start();
  a.dieAfter = 6;
  b.headerDelayMs = 150;
  const gw = new Gateway({ backends: [a.url, b.url], policy: 'round-robin', rebalance: true });
  const server = await gw.listen(0);
  try {
    const { r } = await streamAndMove(gw, server.url, '/v1/completions', { prompt: 'x', max_tokens: 10, stream: true }, 2);
    const k = 10 - (b.bodies[0] as { max_tokens: number }).max_tokens;
    assert.ok(k < 6, `moved after ${k} tokens, before the source died`);
    assert.equal(r.text, Array.from({ length: k }, (_, i) => ` a${i}`).join('') + Array.from({ length: 10 - k }, (_, i) => ` b${i}`).join(''));
    assert.equal(r.dones, 1);
    assert.deepEqual(r.errors, []);
    assert.equal(gw.migrations?.snapshot().succeeded, 1);
    assert.ok(!(gw.backends[0]?.available(gw.clock.now()) ?? true), 'the source that died is in cooldown');
  } finally {
    await server.close();
    await a.close();
    await b.close();
  }
});

test('a waiting request moves before its source has answered: the client gets the target\'s stream only', async () => {
  const a = new FakeUpstream('a', 15);
  const b = new FakeUpstream('b', 5);
  await a.start();
  await b.start();
  a.headerDelayMs = 400;
  const gw = new Gateway({ backends: [a.url, b.url], policy: 'round-robin', rebalance: true });
  const server = await gw.listen(0);
  try {
    const body = { prompt: 'p q r', max_tokens: 6, stream: true, stream_options: { include_usage: true } };
    const pending = fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await new Promise((r) => setTimeout(r, 100));
    const on0 = gw.control?.requestsOn(0) ?? [];
    assert.equal(on0[0]?.phase, 'waiting');
    assert.equal(gw.control?.migrationCost(on0[0]?.id as number), 0.005, 'a waiting request costs only the re-send');
    assert.equal(gw.control?.migrate(on0[0]?.id as number, 1), true);
    const res = await pending;
    assert.equal(res.headers.get('x-gaps-backend'), b.url, 'the client\'s stream starts on the target');
    const text = await res.text();
    const datas = text.split('\n\n').map(eventData).filter((d) => d !== undefined);
    assert.equal(datas.at(-1), '[DONE]');
    const chunks = datas.slice(0, -1).map((d) => JSON.parse(d as string) as { choices: { text: string }[]; usage?: object });
    assert.equal(chunks.map((c) => c.choices[0]?.text ?? '').join(''), ' b0 b1 b2 b3 b4 b5');
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
    assert.deepEqual(b.bodies[0], { ...body }, 'the original request, re-sent unchanged');
    assert.equal(gw.migrations?.snapshot().succeeded, 1);
    assert.equal(gw.backends[0]?.outstanding, 0);
    assert.equal(gw.backends[1]?.outstanding, 0);
  } finally {
    await server.close();
    await a.close();
    await b.close();
  }
});

test('continuation bodies and what cannot move', () => {
  const chat = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, max_completion_tokens: 10, min_tokens: 4, stream: true };
  assert.deepEqual(continuationBody('chat', chat, ' so far', 3), {
    ...chat,
    messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: ' so far' }],
    max_tokens: 7,
    max_completion_tokens: 7,
    min_tokens: 1,
    continue_final_message: true,
    add_generation_prompt: false,
  });
  assert.deepEqual(continuationBody('chat', chat, '', 0), chat, 'a waiting request is re-sent as it was');
  assert.deepEqual(continuationBody('completions', { prompt: ['p'], max_tokens: 5 }, ' t', 1), { prompt: 'p t', max_tokens: 4 });
  assert.equal(notMovable('completions', { prompt: [1, 2, 3] }), 'token-id prompt');
  assert.equal(notMovable('chat', { messages: [], n: 2 }), 'n > 1');
  assert.equal(notMovable('chat', { messages: [], tools: [] }), 'tool calls');
  assert.equal(notMovable('completions', { prompt: 'x' }), undefined);
  const c: Record<string, unknown> = { id: 'b', created: 2, model: 'm2', choices: [{ delta: { role: 'assistant', content: 'x' } }], usage: { prompt_tokens: 13, completion_tokens: 7 } };
  stitchChunk(c, { id: 'a', created: 1, model: 'm1' }, 3);
  assert.deepEqual(c, { id: 'a', created: 1, model: 'm1', choices: [{ delta: { content: 'x' } }], usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 } });
});
