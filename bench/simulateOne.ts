/**
 * One benchmark run in its own process (so its peak memory is its own): simulates N requests of the
 * `azure-conversation` preset on 32 instances at 85% load with the router given, and prints one JSON
 * line. Usage: node dist/bench/simulateOne.js ROUTER[+PREDICTOR] N. Driven by simulate.bench.ts.
 */
import { performance } from 'node:perf_hooks';
import { benchConfig } from './benchConfig.js';
import { runSimulation } from '../src/run/simulate.js';

const spec = process.argv[2] ?? 'least-outstanding';
const n = Number(process.argv[3] ?? 1_000_000);
const config = benchConfig(spec, n);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const out = runSimulation(config);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
// The process's peak resident set size (the OS counts it, so no sampling is needed).
const peakRss = process.resourceUsage().maxRSS * 1024;
const s = out.summary;
const line = {
  router: spec,
  requests: s.completed,
  wallS: Number(wall.toFixed(3)),
  cpuS: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
  events: s.events,
  eventsPerS: Math.round(s.events / wall),
  iterations: s.iterations,
  simTimeS: Number(s.simTimeS.toFixed(1)),
  peakRssMB: Math.round(peakRss / 2 ** 20),
  utilization: Number(s.utilization.mean.toFixed(3)),
  p99E2eS: Number(s.e2e.p99.toFixed(3)),
  migrations: s.migrations,
};
process.stdout.write(`${JSON.stringify(line)}\n`);
