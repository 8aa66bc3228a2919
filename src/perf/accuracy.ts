import type { PerfAccuracy, PerfModel } from '../model/perfModel.js';

/** What a run says when its deployment has no measurements to calibrate against. */
export const UNCALIBRATED_NOTE = 'uncalibrated roofline, expect about 30% error';

/** The uncalibrated roofline's accuracy: 29.4% MAPE on the SplitwiseSim points (docs/PERF_MODEL.md). */
export const ROOFLINE_ACCURACY: PerfAccuracy = Object.freeze({ model: 'roofline (uncalibrated)', calibrated: false, note: UNCALIBRATED_NOTE });

/** The model's own accuracy, or a line saying it is unknown. */
export function perfModelAccuracy(m: PerfModel): PerfAccuracy {
  return m.accuracy ?? { model: m.name, calibrated: false, note: `${m.name} perf model: error against measurements unknown` };
}
