import type { Deployment } from '../model/hardware.js';
import type { BatchShape, PerfAccuracy, PerfModel } from '../model/perfModel.js';
import type { CalibratedCoefficients } from './fit/rooflineFit.js';
import { RooflinePerfModel, rooflineOptions } from './roofline.js';

/** Error of one phase, as fractions: mape = mean |pred/meas − 1|, bias = mean (pred/meas − 1). */
export interface PhaseError {
  readonly points: number;
  readonly mape: number;
  readonly bias: number;
}

/** One fitted (model, GPU, TP) with its cross-validated (held-out) error. */
export interface SetupCalibration {
  readonly model: string;
  readonly gpu: string;
  readonly tp: number;
  readonly coefficients: CalibratedCoefficients;
  /** Error on points the fit did not see (k-fold by measured configuration; see docs/PERF_MODEL.md). */
  /** Mixed (chunked-prefill) steps only where the measurements had some. */
  readonly heldOut: { readonly prefill: PhaseError; readonly decode: PhaseError; readonly mixed?: PhaseError };
}

/** A calibration file: where the measurements came from and one entry per setup. */
export interface Calibration {
  readonly format: typeof CALIBRATION_FORMAT;
  /** The measurement file, as given to `gaps perf fit`. */
  readonly source: string;
  /** How the held-out error was obtained. */
  readonly method: string;
  readonly folds: number;
  readonly setups: readonly SetupCalibration[];
}

export const CALIBRATION_FORMAT = 'gaps-perf-calibration/1';

export function setupKey(model: string, gpu: string, tp: number): string {
  return `${model}/${gpu}/tp${tp}`;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a';
}

/** "held-out MAPE prefill 4.2% (bias -0.3%), decode 3.1% (bias 0.2%)". */
export function describeHeldOut(h: SetupCalibration['heldOut']): string {
  const mixed = h.mixed && h.mixed.points > 0 ? `, mixed ${pct(h.mixed.mape)} (bias ${pct(h.mixed.bias)})` : '';
  return `held-out MAPE prefill ${pct(h.prefill.mape)} (bias ${pct(h.prefill.bias)}), decode ${pct(h.decode.mape)} (bias ${pct(h.decode.bias)})${mixed}`;
}

/** What a run reports for a setup's calibration (`origin`: "built-in, ..." or the file). */
export function calibratedAccuracy(c: SetupCalibration, origin: string): PerfAccuracy {
  const h = c.heldOut;
  return {
    model: `calibrated roofline (${origin})`,
    calibrated: true,
    heldOut: { prefill: { mape: h.prefill.mape, bias: h.prefill.bias }, decode: { mape: h.decode.mape, bias: h.decode.bias } },
    note: `calibrated roofline (${origin}), ${describeHeldOut(h)}`,
  };
}

/**
 * The roofline with fitted coefficients: overhead + max(floor, GPU time) + per-prefill-sequence
 * cost + `mixedInterferenceS` per decoding sequence of a mixed iteration, where the GPU time is the
 * roofline's (linear layers, attention, all-reduce) and the floor is the prefill or decode one.
 * Allocation-free like the roofline.
 */
export class CalibratedPerfModel implements PerfModel {
  readonly name = 'calibrated';
  readonly roofline: RooflinePerfModel;
  private readonly interference: number;
  private readonly perPrefillSeq: number;
  private readonly prefillFloor: number;
  private readonly decodeFloor: number;
  private readonly overhead: number;
  private readonly floorPerSeq: number;

  constructor(
    d: Deployment,
    readonly coefficients: CalibratedCoefficients,
    readonly accuracy?: PerfAccuracy,
  ) {
    const { mixedInterferenceS, prefillSeqOverheadS, prefillFloorS, decodeFloorS, floorPerSeqS, iterationOverheadS, ...roof } = coefficients;
    this.floorPerSeq = floorPerSeqS;
    this.perPrefillSeq = prefillSeqOverheadS;
    this.prefillFloor = prefillFloorS;
    this.decodeFloor = decodeFloorS;
    this.overhead = iterationOverheadS;
    // The GPU part: the roofline without its overhead, which is added outside the floor.
    this.roofline = new RooflinePerfModel(d, rooflineOptions({ ...roof, iterationOverheadS: 0 }));
    this.interference = mixedInterferenceS;
    this.decodeMonotone = floorPerSeqS >= 0;
  }

  /** The roofline is; the decode floor is when its per-sequence term is not negative. */
  readonly decodeMonotone: boolean;

  iterationTime(s: BatchShape): number {
    const gpu = this.roofline.iterationTime(s);
    if (gpu === 0) return 0;
    const perSeq = this.floorPerSeq * (s.prefillSeqs + s.decodeSeqs);
    if (s.prefillTokens === 0) {
      const floor = this.decodeFloor + perSeq;
      return this.overhead + (gpu >= floor ? gpu : floor);
    }
    const floor = this.prefillFloor + perSeq;
    const t = this.overhead + (gpu >= floor ? gpu : floor) + this.perPrefillSeq * s.prefillSeqs;
    return s.decodeSeqs > 0 ? t + this.interference * s.decodeSeqs : t;
  }
}
