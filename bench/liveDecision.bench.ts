/**
 * Policy decision time in the live router for 64 backends: the view refresh (scraped state and the
 * router's own counts into the ClusterView) plus `route`, per policy. Prints one JSON line per policy.
 */
import { performance } from 'node:perf_hooks';
import { RandomStreams, Rng } from '../src/kernel/rng.js';
import { BackendState } from '../src/live/backend.js';
import { LiveClusterView } from '../src/live/liveView.js';
import { parseDeployment } from '../src/perf/presets.js';
import { createPerfModel } from '../src/perf/registry.js';
import { buildPolicy } from '../src/run/simulate.js';
import { quantileSorted } from '../src/stats/quantile.js';

const N = 64;
const decisions = Number(process.env.GAPS_BENCH_DECISIONS ?? 200_000);
const batch = 1000;
const perf = createPerfModel('roofline', parseDeployment('llama-2-7b/a100-80gb'));
for (const policy of (process.env.GAPS_BENCH_POLICIES ?? 'round-robin,least-outstanding,least-kv,power-of-d,gaps').split(',')) {
  const rng = new Rng(`bench:${policy}`);
  const backends = Array.from({ length: N }, (_, i) => new BackendState(i, `http://10.0.0.${i}:8000`));
  for (const b of backends) {
    Object.assign(b.snapshot, { waiting: rng.int(8), running: rng.int(64), kvUsage: rng.next(), kvTotalBlocks: 7609, kvBlockSize: 16 });
    b.reportTime = 0;
  }
  const view = new LiveClusterView(backends, 1e9);
  const { router } = buildPolicy(policy, new RandomStreams(1), N, perf);
  const req = { id: 0, arrival: 0, promptTokens: 0, type: 'default', sessionId: undefined, predictedOutputTokens: 0 };
  const perBatch: number[] = [];
  let now = 0;
  for (let k = 0; k < decisions; k += batch) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) {
      req.id = k + j;
      now += 0.002;
      req.arrival = now;
      req.promptTokens = 100 + rng.int(2000);
      req.predictedOutputTokens = 50 + rng.int(400);
      const b = router.route(req, view.refresh(now));
      (backends[b] as BackendState).outstanding++;
      // Complete right away so stateful policies (GAPS's ledgers) stay at a steady size.
      (backends[b] as BackendState).outstanding--;
      router.onComplete?.({ id: req.id, instance: b, now, arrival: now, promptTokens: req.promptTokens, outputTokens: req.predictedOutputTokens, predictedOutputTokens: req.predictedOutputTokens, firstTokenTime: now, sloViolated: false, rejected: false });
    }
    perBatch.push(((performance.now() - t0) / batch) * 1000);
  }
  perBatch.sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(2));
  process.stdout.write(`${JSON.stringify({ policy, backends: N, decisions, usPerDecisionP50: r(quantileSorted(perBatch, 0.5)), usPerDecisionP99: r(quantileSorted(perBatch, 0.99)) })}\n`);
}
