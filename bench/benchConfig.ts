import { parseSimulateConfig, type SimulateConfig } from '../src/run/config.js';

/** Instances of the benchmark cluster. */
export const BENCH_INSTANCES = 32;

/**
 * The benchmark's run: `azure-conversation` preset, 32 Llama-2-7B/A100 instances at 85% of nominal
 * capacity, seed 1. `spec` is a router name, optionally `ROUTER+PREDICTOR` (e.g. `gaps+linear`).
 */
export function benchConfig(spec: string, n: number): SimulateConfig {
  const [router, predictor] = spec.split('+');
  return parseSimulateConfig({
    seed: 1,
    instances: BENCH_INSTANCES,
    router,
    ...(predictor ? { predictor } : {}),
    workload: { preset: 'azure-conversation', load: 0.85, numRequests: n },
  });
}
