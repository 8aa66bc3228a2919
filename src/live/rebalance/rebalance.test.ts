import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { textOf } from '../emulator/responses.js';
import { postJson, sseData, startCluster, type TestCluster } from '../testCluster.js';

const N = 60;
const PROMPT = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');

interface Result {
  text: string;
  chunks: number;
  dones: number;
  usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  ids: Set<string>;
  backend: string | null;
}

/** Opens a streamed chat completion; resolves `started` once `k` chunks have arrived, `done` at the end. */
function stream(url: string, k: number): { started: Promise<void>; done: Promise<Result> } {
  let onStart: () => void = () => {};
  const started = new Promise<void>((r) => (onStart = r));
  const done = (async (): Promise<Result> => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: PROMPT }], max_tokens: N, stream: true, stream_options: { include_usage: true } }),
    });
    const r: Result = { text: '', chunks: 0, dones: 0, usage: undefined, ids: new Set(), backend: res.headers.get('x-gaps-backend') };
    for await (const data of sseData(res.body)) {
      if (data === '[DONE]') r.dones++;
      else {
        const j = JSON.parse(data) as { id: string; choices: { delta: { content?: string } }[]; usage?: Result['usage'] };
        r.ids.add(j.id);
        if (j.usage) r.usage = j.usage;
        if (j.choices.length > 0) {
          r.chunks++;
          r.text += j.choices[0]?.delta.content ?? '';
        }
        if (r.chunks === k) onStart();
      }
    }
    onStart();
    return r;
  })();
  return { started, done };
}

/** Output tokens an emulator produced (its vllm:generation_tokens_total). */
async function generated(url: string): Promise<number> {
  const m = await (await fetch(`${url}/metrics`)).text();
  return Number(/^vllm:generation_tokens_total(?:\{[^}]*\})? (\S+)$/m.exec(m)?.[1] ?? 'NaN');
}

/**
 * Three streams on backend 0, slowed 6x, while backend 1 is drained; then backend 1 comes back.
 * With Llumnix's migrator (threshold 50 steps of KV per request, on 100-block engines) backend 0 is
 * a source and backend 1 a destination: one stream is worth moving, by Llumnix's own rule.
 */
async function scenario(rebalance: boolean): Promise<{ c: TestCluster; results: Result[] }> {
  const c = await startCluster(2, { timeScale: 4, engine: { kvBlocks: 100 } }, { policy: 'llumnix:migrateOutThreshold=50', rebalance, pollIntervalS: 0.05, adminKeys: ['k'] });
  await postJson(`${c.servers[0]!.url}/admin/faults`, { slowdown: 6 });
  const b1 = c.gateway.backends[1]!;
  b1.draining = true;
  const streams = [0, 1, 2].map(() => stream(c.url, 3));
  await Promise.all(streams.map((s) => s.started));
  b1.draining = false;
  const results = await Promise.all(streams.map((s) => s.done));
  return { c, results };
}

/** The k for which `text` is the first k placeholder tokens then the first N - k again (a continuation restarts the emulator's word cycle). */
function splitPoint(text: string): number {
  for (let k = N; k >= 0; k--) if (text === textOf(0, k) + textOf(0, N - k)) return k;
  return -1;
}

describe('live rebalancing with emulators (loopback)', () => {
  test('--rebalance: Llumnix moves a stream off the slowed backend; the client gets it whole, in order, with the original usage', async () => {
    const { c, results } = await scenario(true);
    try {
      const st = c.gateway.migrations?.snapshot();
      assert.ok(st && st.succeeded >= 1, `a move succeeded: ${JSON.stringify(st)}`);
      for (const r of results) {
        assert.equal(r.chunks, N, 'every token, once');
        assert.equal(r.dones, 1);
        assert.ok(splitPoint(r.text) >= 0, `source tokens then the continuation's, in order: ${r.text.slice(0, 80)}...`);
        assert.deepEqual(r.usage && [r.usage.prompt_tokens, r.usage.completion_tokens], [200, N], 'usage of the original request');
        assert.equal(r.ids.size, 1, 'one id for the whole stream');
        assert.equal(r.backend, c.servers[0]!.url, 'the header names where the stream started');
      }
      assert.ok((await generated(c.servers[1]!.url)) > 0, 'the healthy backend produced the continuation');
      const state = (await (await fetch(`${c.url}/admin/state`, { headers: { authorization: 'Bearer k' } })).json()) as { rebalance: { enabled: boolean; migrations: { succeeded: number } } };
      assert.equal(state.rebalance.enabled, true);
      assert.equal(state.rebalance.migrations.succeeded, st.succeeded);
      const m = await (await fetch(`${c.url}/metrics`)).text();
      assert.match(m, /gaps_router_migrations_attempted_total [1-9]/);
      assert.equal(c.gateway.policy.stats?.().liveMigrations, st.attempted, 'the policy counted the moves it asked for');
    } finally {
      await c.close();
    }
  });

  test('--rebalance: GAPS\'s rebalancer moves streams queued on the slowed backend to the restored one, every stream whole', async () => {
    const c = await startCluster(2, { timeScale: 4, engine: { kvBlocks: 400, maxNumSeqs: 4 } }, { policy: 'gaps:rebalanceIntervalS=0.25', rebalance: true, pollIntervalS: 0.05, maxNumSeqs: 4 });
    try {
      const body = { messages: [{ role: 'user', content: PROMPT }], max_tokens: 40, stream: true };
      // One completed pair teaches the predictor the output length: cold, it predicts one token, and
      // GAPS's ledger would price the queue as empty.
      await Promise.all([0, 1].map(() => postJson(`${c.url}/v1/chat/completions`, body)));
      await postJson(`${c.servers[0]!.url}/admin/faults`, { slowdown: 6 });
      const before = await generated(c.servers[1]!.url);
      const b1 = c.gateway.backends[1]!;
      b1.draining = true;
      const reqs = Array.from({ length: 8 }, () => postJson(`${c.url}/v1/chat/completions`, body));
      await new Promise((r) => setTimeout(r, 200));
      b1.draining = false;
      const outs = await Promise.all(reqs);
      for (const o of outs) {
        assert.equal(o.status, 200);
        assert.equal((o.text.match(/"content"/g) ?? []).length, 40, 'every token once');
        assert.equal((o.text.match(/\[DONE\]/g) ?? []).length, 1);
      }
      const st = c.gateway.migrations?.snapshot();
      assert.ok(st && st.succeeded >= 1, `a move succeeded: ${JSON.stringify(st)}`);
      assert.equal(c.gateway.policy.stats?.().rebalanceMoves, st.attempted, 'the moves are the rebalancer\'s');
      assert.ok((await generated(c.servers[1]!.url)) > before, 'the restored backend served moved streams');
    } finally {
      await c.close();
    }
  });

  test('without --rebalance nothing moves', async () => {
    const { c, results } = await scenario(false);
    try {
      assert.equal(c.gateway.migrations, undefined);
      for (const r of results) {
        assert.equal(r.text, textOf(0, N));
        assert.deepEqual(r.usage && [r.usage.prompt_tokens, r.usage.completion_tokens], [200, N]);
      }
      assert.equal(await generated(c.servers[1]!.url), 0, 'the drained-then-restored backend got nothing');
      assert.equal(c.gateway.policy.stats?.().liveMigrations, 0);
      assert.doesNotMatch(await (await fetch(`${c.url}/metrics`)).text(), /gaps_router_migrations_attempted_total/);
    } finally {
      await c.close();
    }
  });
});
