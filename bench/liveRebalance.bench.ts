/**
 * Live rebalancing on emulators: two backends (time scale 4, max_num_seqs 4), backend 0 slowed 6x;
 * after a warm-up that teaches the predictor, backend 1 is drained while 8 streamed chat requests
 * (200-word prompts, 80 tokens) land on backend 0, then restored. Reports, with `--rebalance` on and
 * off, the seconds from the restore until the last stream ends, the migrations, and whether every
 * stream arrived whole (80 content chunks, one [DONE]). One JSON line per run.
 * GAPS_BENCH_POLICY (default gaps:rebalanceIntervalS=0.25), GAPS_BENCH_RUNS (default 3).
 */
import { postJson, startCluster } from '../src/live/testCluster.js';

const policy = process.env.GAPS_BENCH_POLICY ?? 'gaps:rebalanceIntervalS=0.25';
const runs = Number(process.env.GAPS_BENCH_RUNS ?? 3);
const PROMPT = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
const body = { messages: [{ role: 'user', content: PROMPT }], max_tokens: 80, stream: true };

async function once(rebalance: boolean): Promise<object> {
  const c = await startCluster(2, { timeScale: 4, engine: { kvBlocks: 400, maxNumSeqs: 4 } }, { policy, rebalance, pollIntervalS: 0.05, maxNumSeqs: 4 });
  try {
    for (let i = 0; i < 12; i++) await Promise.all([0, 1].map(() => postJson(`${c.url}/v1/chat/completions`, body)));
    await postJson(`${c.servers[0]?.url}/admin/faults`, { slowdown: 6 });
    const b1 = c.gateway.backends[1];
    if (b1) b1.draining = true;
    const reqs = Array.from({ length: 8 }, () => postJson(`${c.url}/v1/chat/completions`, body));
    await new Promise((r) => setTimeout(r, 300));
    if (b1) b1.draining = false;
    const t0 = performance.now();
    const outs = await Promise.all(reqs);
    const s = (performance.now() - t0) / 1000;
    const whole = outs.every((o) => o.status === 200 && (o.text.match(/"content"/g) ?? []).length === 80 && (o.text.match(/\[DONE\]/g) ?? []).length === 1);
    return { policy, rebalance, secondsAfterRestore: Number(s.toFixed(3)), whole, migrations: c.gateway.migrations?.snapshot() ?? null };
  } finally {
    await c.close();
  }
}

for (let i = 0; i < runs; i++) {
  for (const rebalance of [true, false]) console.log(JSON.stringify(await once(rebalance)));
}
