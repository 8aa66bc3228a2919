/**
 * `npm run bench`: simulates 1,000,000 conversation-shaped requests on 32 instances at about 85%
 * load with least-outstanding routing, and prints wall time, events per second and peak memory.
 * Figures and the target are in docs/PERFORMANCE.md. Not a test: nothing here asserts a time.
 */
import { performance } from 'node:perf_hooks';
import { parseSimulateConfig } from '../src/run/config.js';
import { runSimulation } from '../src/run/simulate.js';

const n = Number(process.env.GAPS_BENCH_REQUESTS ?? 1_000_000);
const config = parseSimulateConfig({
  seed: 1,
  instances: 32,
  router: 'least-outstanding',
  workload: { preset: 'azure-conversation', load: 0.85, numRequests: n },
});
const t0 = performance.now();
const out = runSimulation(config);
const wall = (performance.now() - t0) / 1000;
// The process's peak resident set size (the OS counts it, so no sampling is needed).
const peakRss = process.resourceUsage().maxRSS * 1024;
const s = out.summary;
const line = {
  requests: s.completed,
  instances: 32,
  wallS: Number(wall.toFixed(3)),
  events: s.events,
  eventsPerS: Math.round(s.events / wall),
  iterations: s.iterations,
  simTimeS: Number(s.simTimeS.toFixed(1)),
  speedupVsRealTime: Math.round(s.simTimeS / wall),
  peakRssMB: Math.round(peakRss / 2 ** 20),
  utilization: Number(s.utilization.mean.toFixed(3)),
  p99E2eS: Number(s.e2e.p99.toFixed(3)),
};
process.stdout.write(`${JSON.stringify(line)}\n`);
