import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { Registry, splitSpec } from '../core/registry.js';
import type { Deployment } from '../model/hardware.js';
import type { PerfModel } from '../model/perfModel.js';
import { LinearPerfModel } from './linear.js';
import { loadSplitwisePerfModel } from './profile/splitwise.js';
import { loadVidurPerfModel } from './profile/vidur.js';
import { RooflinePerfModel, rooflineOptions } from './roofline.js';
import { BUILTIN_CALIBRATION } from './builtinCalibration.js';
import { CalibratedPerfModel, calibratedAccuracy, setupKey } from './calibrated.js';
import { parseCalibration, requireSetup, setupFor } from './calibrationFile.js';
import { deploymentName } from './presets.js';

/** Builds a model from the text after `name:` (undefined when absent); may read files (profiles). */
export type PerfModelFactory = (arg: string | undefined, d: Deployment) => PerfModel;

/** The built-in calibration where the deployment was measured, else the uncalibrated roofline. */
export const DEFAULT_PERF_MODEL = 'auto';

/** `key=value,...` into roofline options; keys and ranges are checked by rooflineOptions. */
function roofline(arg: string | undefined, d: Deployment): PerfModel {
  const o: Record<string, number> = {};
  for (const part of arg === undefined || arg === '' ? [] : arg.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = Number(part.slice(eq + 1));
    if (eq < 0 || key === '' || part.slice(eq + 1).trim() === '' || !Number.isFinite(value)) {
      throw new ConfigError(`perf model 'roofline[:KEY=VALUE,...]': cannot read '${part}' (e.g. roofline:computeEfficiency=0.5)`);
    }
    o[key] = value;
  }
  return new RooflinePerfModel(d, rooflineOptions(o));
}

/** The built-in calibrated model of a deployment, or undefined where nothing was measured. */
export function builtinCalibrated(d: Deployment): CalibratedPerfModel | undefined {
  const s = setupFor(BUILTIN_CALIBRATION, d);
  return s && new CalibratedPerfModel(d, s.coefficients, calibratedAccuracy(s, `built-in, ${setupKey(s.model, s.gpu, s.tp)}`));
}

/** `calibrated` (the built-in entry) or `calibrated:FILE` (a file written by `gaps perf fit`). */
function calibrated(arg: string | undefined, d: Deployment): PerfModel {
  if (arg === undefined || arg === '') {
    const m = builtinCalibrated(d);
    if (m) return m;
    const have = BUILTIN_CALIBRATION.setups.map((s) => setupKey(s.model, s.gpu, s.tp)).join(', ');
    throw new ConfigError(`perf model 'calibrated': no built-in calibration for ${deploymentName(d)} (built-in: ${have}); fit one with 'gaps perf fit' and use calibrated:FILE`);
  }
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (e) {
    throw new ConfigError(`perf model 'calibrated:FILE': cannot read '${arg}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const s = requireSetup(parseCalibration(text, arg), d, arg);
  return new CalibratedPerfModel(d, s.coefficients, calibratedAccuracy(s, `${arg}, ${setupKey(s.model, s.gpu, s.tp)}`));
}

function auto(arg: string | undefined, d: Deployment): PerfModel {
  if (arg !== undefined) throw new ConfigError(`perf model 'auto' takes no argument, got 'auto:${arg}'`);
  return builtinCalibrated(d) ?? new RooflinePerfModel(d);
}

function linear(arg: string | undefined): PerfModel {
  const xs = (arg ?? '').split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x)));
  if (arg === undefined || xs.length > 5 || xs.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new ConfigError(`perf model 'linear:A[,B,C,D,E]' needs 1 to 5 non-negative numbers (seconds, seconds per unit), got '${arg ?? ''}'`);
  }
  if (!((xs[0] as number) > 0)) throw new ConfigError(`perf model 'linear': the constant A must be > 0 seconds, got ${xs[0]}`);
  return new LinearPerfModel(...(xs as [number, number?, number?, number?, number?]));
}

function needPath(kind: string, placeholder: string, what: string, arg: string | undefined): string {
  if (arg === undefined || arg.trim() === '') throw new ConfigError(`perf model '${kind}' needs ${what}: '${kind}:${placeholder}'`);
  return arg;
}

/** Performance models by name (`--perf-model`). */
export const perfModels = new Registry<PerfModelFactory>('perf model')
  .register('auto', auto, 'default: the built-in calibrated roofline where the deployment was measured, else the uncalibrated roofline')
  .register('calibrated', calibrated, 'calibrated[:FILE]: roofline with coefficients fitted to measurements (built-in, or a file from gaps perf fit)')
  .register('roofline', roofline, 'analytic roofline from the model and GPU specs; options as roofline:KEY=VALUE,...')
  .register('vidur', (arg, d) => loadVidurPerfModel(needPath('vidur', 'DIR', 'the folder of Vidur profiles (with compute/ and network/)', arg), d), 'vidur:DIR, per-operator Vidur profiles (MLP, norms, all-reduce) + roofline attention')
  .register('splitwise', (arg, d) => loadSplitwisePerfModel(needPath('splitwise', 'FILE', "SplitwiseSim's perf_model.csv", arg), d), 'splitwise:FILE, measured SplitwiseSim prefill/decode times, interpolated')
  .register('linear', (arg) => linear(arg), 'linear:A,B,C,D[,E]: A + B*prefill tokens + C*decode seqs + D*decode context (+ E*attention pairs), seconds');

/** `auto` (default), `calibrated[:FILE]`, `roofline`, `roofline:KEY=V,...`, `vidur:DIR`, `splitwise:FILE` or `linear:A,B,C,D[,E]`. */
export function createPerfModel(spec: string, d: Deployment): PerfModel {
  const { name, arg } = splitSpec(spec);
  return perfModels.get(name)(arg, d);
}
