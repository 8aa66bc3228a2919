import { ConfigError } from '../core/errors.js';
import { Registry, splitSpec } from '../core/registry.js';
import type { Deployment } from '../model/hardware.js';
import type { PerfModel } from '../model/perfModel.js';
import { LinearPerfModel } from './linear.js';
import { RooflinePerfModel } from './roofline.js';

export type PerfModelFactory = (arg: string | undefined, d: Deployment) => PerfModel;

function linear(arg: string | undefined): PerfModel {
  const xs = (arg ?? '').split(',').map((x) => Number(x));
  if (arg === undefined || xs.length < 1 || xs.length > 5 || xs.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new ConfigError(`perf model 'linear:A,B,C,D[,E]' needs 1 to 5 non-negative numbers, got '${arg ?? ''}'`);
  }
  if (!((xs[0] as number) > 0)) throw new ConfigError(`perf model 'linear': the constant A must be > 0, got ${xs[0]}`);
  return new LinearPerfModel(...(xs as [number, number?, number?, number?, number?]));
}

/** Performance models by name (`--perf-model`). */
export const perfModels = new Registry<PerfModelFactory>('perf model')
  .register(
    'roofline',
    (arg, d) => {
      if (arg !== undefined) throw new ConfigError(`perf model 'roofline' takes no argument, got '${arg}'`);
      return new RooflinePerfModel(d);
    },
    'analytic roofline from the model and GPU specs',
  )
  .register('linear', (arg) => linear(arg), 'A + B*prefill tokens + C*decode seqs + D*decode context (+ E*attention pairs)');

export function createPerfModel(spec: string, d: Deployment): PerfModel {
  const { name, arg } = splitSpec(spec);
  return perfModels.get(name)(arg, d);
}
