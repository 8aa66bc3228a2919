import { isUserError } from '../core/errors.js';
import { parseSimulateConfig, type SimulateInput } from '../run/config.js';
import { runSimulation } from '../run/simulate.js';

/** One unit of work: a config (its seed inside) under a content-derived id (see pointId.ts). */
export interface PointTask {
  readonly id: string;
  readonly config: SimulateInput;
}

/**
 * What a point gives back: the run summary (read by key path, whatever fields it has) plus the
 * offered rate and the GPUs the configuration uses, or the error that stopped it. An error is a
 * result, not a crash: the sweep goes on and the table marks the point.
 */
export type PointOutcome =
  | { readonly ok: true; readonly metrics: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly error: string };

/** Runs one point in this thread. Never throws: failures come back as `{ ok: false }`. */
export function runPoint(config: SimulateInput): PointOutcome {
  try {
    const out = runSimulation(parseSimulateConfig(config, 'sweep point'));
    const r = out.resolved;
    const metrics = {
      ...out.summary,
      offeredRps: r.rate ?? null,
      nominalCapacityRps: r.capacityPerInstance * r.config.instances,
      gpus: r.config.instances * r.deployment.tp,
      gpu: r.deployment.gpu.name,
    };
    // Through JSON once, so a local result is exactly what a queue worker would send back.
    return { ok: true, metrics: JSON.parse(JSON.stringify(metrics)) as Record<string, unknown> };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, error: isUserError(e) ? msg : `${e instanceof Error ? e.name : 'Error'}: ${msg}` };
  }
}
