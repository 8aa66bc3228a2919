import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseSimulateConfig } from '../run/config.js';
import { runSimulation } from '../run/simulate.js';
import { distribution } from '../stats/quantile.js';
import { runLoad } from './loadgen/loadgen.js';
import { startCluster } from './testCluster.js';

/**
 * The simulator's prediction against the live measurement for the same workload, deployment and
 * policy (docs/ROUTER.md, "Simulator versus live"). The emulators run the modelled GPU F times
 * faster than real time and the load generator sends the same request sequence F times faster, so
 * live latencies should be the simulator's divided by F. Tolerance on each of P50 and P99 of TTFT
 * and end-to-end latency (wall ms): 20 % of the simulated value + 25 ms for three HTTP hops in one
 * process + twice the worst event-loop stall measured during the run (a request meets two timed
 * points where a stall adds to its latency whole: its receipt by the engine and its token's
 * delivery; the engine's own clock does not drift, its deadlines are absolute).
 */
/** Fraction of a core this process gets while it wants one (busy loop of `ms`). */
function cpuShare(ms: number): number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    // spin
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / (performance.now() - t0);
}

/** Below this share of a core, wall-clock emulation cannot keep its deadlines: the comparison is skipped. */
const MIN_CPU_SHARE = 0.5;

test('simulator versus live: P50 and P99 of TTFT and end-to-end latency agree within the stated tolerance', async (tc) => {
  const share = cpuShare(150);
  if (share < MIN_CPU_SHARE) {
    tc.skip(`the machine is too loaded for a wall-clock timing comparison: this process got ${(share * 100).toFixed(0)} % of a core (needs ${MIN_CPU_SHARE * 100} %)`);
    return;
  }
  const F = 3;
  const rate = 3;
  const workload = { preset: 'azure-conversation', numRequests: 30, prompt: 'lognormal:1000,0.5', output: 'lognormal:30,0.6' };
  const sim = runSimulation(parseSimulateConfig({ instances: 2, router: 'round-robin', seed: 7, workload: { ...workload, rate } }));
  const c = await startCluster(2, { timeScale: F }, { policy: 'round-robin' });
  const lag = monitorEventLoopDelay({ resolution: 5 });
  let live;
  try {
    lag.enable();
    live = await runLoad({ url: c.url, workload: { ...workload, rate: rate * F }, seed: 7, endpoint: 'completions', timeoutS: 30, warmup: 2 });
    lag.disable();
  } finally {
    await c.close();
  }
  assert.equal(live.report.failed, 0, live.report.errors.join('; '));
  const t = sim.result.table;
  assert.equal(live.specs.length, t.count, 'the same number of requests');
  live.specs.forEach((s, i) => {
    assert.ok(Math.abs(s.arrival * F - (t.arrival[i] as number)) < 1e-9, `request ${i}: same arrival (scaled)`);
    assert.equal(s.promptTokens, t.prompt[i]);
    assert.equal(s.outputTokens, t.output[i]);
  });
  const stallMs = lag.max / 1e6;
  const simMs = (x: number): number => (x / F) * 1000;
  const ttft = distribution(live.results.map((r) => r.ttft * 1000));
  const e2e = distribution(live.results.map((r) => r.latency * 1000));
  const rows = [
    ['TTFT P50', simMs(sim.summary.ttft.p50), ttft.p50],
    ['TTFT P99', simMs(sim.summary.ttft.p99), ttft.p99],
    ['e2e P50', simMs(sim.summary.e2e.p50), e2e.p50],
    ['e2e P99', simMs(sim.summary.e2e.p99), e2e.p99],
  ] as const;
  const report = rows.map(([k, s, l]) => `${k}: sim/F ${s.toFixed(1)} ms, live ${l.toFixed(1)} ms`).join('; ') + `; worst loop stall ${stallMs.toFixed(1)} ms`;
  for (const [k, s, l] of rows) {
    const tol = 0.2 * s + 25 + 2 * stallMs;
    assert.ok(Math.abs(l - s) <= tol, `${k} outside ${tol.toFixed(1)} ms: ${report}`);
  }
  console.log(`sim-vs-live (F=${F}): ${report}`);
});
