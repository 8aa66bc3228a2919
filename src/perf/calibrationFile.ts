import { ConfigError } from '../core/errors.js';
import type { Deployment } from '../model/hardware.js';
import { CALIBRATION_FORMAT, setupKey, type Calibration, type PhaseError, type SetupCalibration } from './calibrated.js';
import type { SetupFit } from './fit/crossValidate.js';
import type { CalibratedCoefficients } from './fit/rooflineFit.js';

/** The coefficient keys of a calibration and what each must be. */
const COEFFICIENT_KINDS: Readonly<Record<keyof CalibratedCoefficients, 'fraction' | 'seconds' | 'tokens'>> = Object.freeze({
  computeEfficiency: 'fraction',
  attentionEfficiency: 'fraction',
  memoryEfficiency: 'fraction',
  nvlinkEfficiency: 'fraction',
  throttledComputeEfficiency: 'fraction',
  iterationOverheadS: 'seconds',
  allReduceLatencyS: 'seconds',
  mixedInterferenceS: 'seconds',
  prefillSeqOverheadS: 'seconds',
  prefillFloorS: 'seconds',
  decodeFloorS: 'seconds',
  floorPerSeqS: 'seconds',
  throttleTokens: 'tokens',
});

const METHOD =
  'least squares on relative error per (model, GPU, TP); held-out error by k-fold over measured configurations (docs/PERF_MODEL.md)';

/** A calibration from fitted setups (what `gaps perf fit` writes). */
export function calibrationFromFits(fits: readonly SetupFit[], source: string, folds: number): Calibration {
  const phase = (e: PhaseError | undefined): PhaseError => e ?? { points: 0, mape: Number.NaN, bias: Number.NaN };
  return {
    format: CALIBRATION_FORMAT,
    source,
    method: METHOD,
    folds,
    setups: fits.map((f) => ({
      model: f.model,
      gpu: f.gpu,
      tp: f.tp,
      coefficients: f.coefficients,
      heldOut: { prefill: phase(f.heldOut.prefill), decode: phase(f.heldOut.decode), ...(f.heldOut.mixed ? { mixed: f.heldOut.mixed } : {}) },
    })),
  };
}

/** JSON text; an infinite throttleTokens (no knee) is written as null. */
export function serializeCalibration(c: Calibration): string {
  return `${JSON.stringify(c, (_k, v: unknown) => (v === Infinity ? null : v), 2)}\n`;
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(readonly file: string) {}
  fail(key: string, problem: string): never {
    throw new ConfigError(`calibration file '${this.file}': key '${key}': ${problem}`);
  }
  obj(v: unknown, key: string, allowed: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, `expected an object, got ${JSON.stringify(v)}`);
    const o = v as Obj;
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(key ? `${key}.${k}` : k, `unknown key; valid: ${allowed.join(', ')}`);
    for (const k of allowed) if (!(k in o)) this.fail(key ? `${key}.${k}` : k, 'missing');
    return o;
  }
  str(v: unknown, key: string): string {
    if (typeof v !== 'string' || v === '') this.fail(key, `expected a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }
  num(v: unknown, key: string, ok: (x: number) => boolean, what: string): number {
    if (typeof v !== 'number' || !ok(v)) this.fail(key, `expected ${what}, got ${JSON.stringify(v)}`);
    return v;
  }
}

function readPhase(r: Reader, v: unknown, key: string): PhaseError {
  const o = r.obj(v, key, ['points', 'mape', 'bias']);
  const points = r.num(o.points, `${key}.points`, (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
  // No points, no error: written as null (JSON has no NaN).
  if (points === 0 && o.mape === null && o.bias === null) return { points, mape: Number.NaN, bias: Number.NaN };
  return {
    points,
    mape: r.num(o.mape, `${key}.mape`, (x) => Number.isFinite(x) && x >= 0, 'a fraction >= 0'),
    bias: r.num(o.bias, `${key}.bias`, Number.isFinite, 'a finite fraction'),
  };
}

function readCoefficients(r: Reader, v: unknown, key: string): CalibratedCoefficients {
  const o = r.obj(v, key, Object.keys(COEFFICIENT_KINDS));
  const out: Record<string, number> = {};
  for (const [k, kind] of Object.entries(COEFFICIENT_KINDS)) {
    const at = `${key}.${k}`;
    if (kind === 'tokens') out[k] = o[k] === null ? Infinity : r.num(o[k], at, (x) => Number.isFinite(x) && x >= 1, 'tokens >= 1, or null for none');
    else if (kind === 'fraction') out[k] = r.num(o[k], at, (x) => x > 0 && x <= 1, 'a fraction in (0, 1]');
    else out[k] = r.num(o[k], at, (x) => Number.isFinite(x) && x >= 0, 'seconds >= 0');
  }
  return out as unknown as CalibratedCoefficients;
}

/** Parses and checks a calibration file; any problem is a ConfigError naming the file and the key. */
export function parseCalibration(text: string, file: string): Calibration {
  const r = new Reader(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`calibration file '${file}': not JSON: ${(e as Error).message}`);
  }
  const top = r.obj(json, '', ['format', 'source', 'method', 'folds', 'setups']);
  if (top.format !== CALIBRATION_FORMAT) r.fail('format', `expected '${CALIBRATION_FORMAT}', got ${JSON.stringify(top.format)}`);
  if (!Array.isArray(top.setups) || top.setups.length === 0) r.fail('setups', 'expected a non-empty array');
  const seen = new Set<string>();
  const setups = (top.setups as unknown[]).map((s, i): SetupCalibration => {
    const key = `setups[${i}]`;
    const o = r.obj(s, key, ['model', 'gpu', 'tp', 'coefficients', 'heldOut']);
    const model = r.str(o.model, `${key}.model`);
    const gpu = r.str(o.gpu, `${key}.gpu`);
    const tp = r.num(o.tp, `${key}.tp`, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
    if (seen.has(setupKey(model, gpu, tp))) r.fail(key, `a second entry for ${setupKey(model, gpu, tp)}`);
    seen.add(setupKey(model, gpu, tp));
    const hasMixed = typeof o.heldOut === 'object' && o.heldOut !== null && 'mixed' in o.heldOut;
    const h = r.obj(o.heldOut, `${key}.heldOut`, hasMixed ? ['prefill', 'decode', 'mixed'] : ['prefill', 'decode']);
    return {
      model,
      gpu,
      tp,
      coefficients: readCoefficients(r, o.coefficients, `${key}.coefficients`),
      heldOut: {
        prefill: readPhase(r, h.prefill, `${key}.heldOut.prefill`),
        decode: readPhase(r, h.decode, `${key}.heldOut.decode`),
        ...(hasMixed ? { mixed: readPhase(r, h.mixed, `${key}.heldOut.mixed`) } : {}),
      },
    };
  });
  return {
    format: CALIBRATION_FORMAT,
    source: r.str(top.source, 'source'),
    method: r.str(top.method, 'method'),
    folds: r.num(top.folds, 'folds', (x) => Number.isInteger(x) && x >= 2, 'an integer >= 2'),
    setups,
  };
}

/** The calibration's entry for a deployment, or undefined. */
export function setupFor(c: Calibration, d: Deployment): SetupCalibration | undefined {
  return c.setups.find((s) => s.model === d.model.name && s.gpu === d.gpu.name && s.tp === d.tp);
}

/** As setupFor, but a missing entry is a ConfigError listing what the file has. */
export function requireSetup(c: Calibration, d: Deployment, file: string): SetupCalibration {
  const s = setupFor(c, d);
  if (s === undefined) {
    const have = c.setups.map((x) => setupKey(x.model, x.gpu, x.tp)).join(', ');
    throw new ConfigError(`calibration file '${file}': no entry for ${setupKey(d.model.name, d.gpu.name, d.tp)}; it has ${have}`);
  }
  return s;
}

/** The TypeScript module of built-in calibrations (coefficients and held-out errors only, no data). */
export function calibrationModule(c: Calibration, command: string): string {
  const body = serializeCalibration(c).trimEnd().replace(/"throttleTokens": null/g, '"throttleTokens": Infinity');
  return (
    `// Generated by \`${command}\`; do not edit by hand.\n` +
    `// Fitted coefficients and held-out errors only; the measurements stay in the profiles folder.\n` +
    `import type { Calibration } from './calibrated.js';\n\n` +
    `export const BUILTIN_CALIBRATION: Calibration = ${body};\n`
  );
}
