import type { PhaseError } from '../calibrated.js';
import type { SetupFit } from './crossValidate.js';
import type { MeasuredPhase } from './points.js';

type Pooled = { prefill: PhaseError; decode: PhaseError };

function pool(errs: readonly (PhaseError | undefined)[]): PhaseError {
  let n = 0;
  let mape = 0;
  let bias = 0;
  for (const e of errs) {
    if (e === undefined || e.points === 0) continue;
    n += e.points;
    mape += e.mape * e.points;
    bias += e.bias * e.points;
  }
  return { points: n, mape: n ? mape / n : Number.NaN, bias: n ? bias / n : Number.NaN };
}

/** Held-out error per phase over every point of every setup (fractions). */
export function pooledHeldOut(fits: readonly SetupFit[]): Pooled {
  return { prefill: pool(fits.map((f) => f.heldOut.prefill)), decode: pool(fits.map((f) => f.heldOut.decode)) };
}

/** The same for the uncalibrated roofline. */
export function pooledBefore(fits: readonly SetupFit[]): Pooled {
  return { prefill: pool(fits.map((f) => f.before.prefill)), decode: pool(fits.map((f) => f.before.decode)) };
}

const pct = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');

/**
 * The per-setup error table of docs/PERF_MODEL.md: for each (model, GPU, TP) and phase, MAPE and
 * bias of the uncalibrated roofline and of the calibration on held-out points.
 */
export function formatSetupTable(fits: readonly SetupFit[]): string {
  let s = '| model | GPU | TP | phase | points | roofline MAPE | roofline bias | calibrated MAPE (held out) | calibrated bias (held out) |\n';
  s += '|---|---|---|---|---|---|---|---|---|\n';
  for (const f of fits) {
    for (const ph of ['prefill', 'decode', 'mixed'] as const satisfies readonly MeasuredPhase[]) {
      const b = f.before[ph];
      const h = f.heldOut[ph];
      s += `| ${f.model} | ${f.gpu} | ${f.tp} | ${ph} | ${b?.points ?? 0} | ${pct(b?.mape)} | ${pct(b?.bias)} | ${pct(h?.mape)} | ${pct(h?.bias)} |\n`;
    }
  }
  const before = pooledBefore(fits);
  const after = pooledHeldOut(fits);
  for (const ph of ['prefill', 'decode'] as const) {
    s += `| all | all | all | ${ph} | ${before[ph].points} | ${pct(before[ph].mape)} | ${pct(before[ph].bias)} | ${pct(after[ph].mape)} | ${pct(after[ph].bias)} |\n`;
  }
  return s;
}

/** Held-out error by phase and batch size, and by phase and TP, pooled over setups. */
export function formatBreakdowns(fits: readonly SetupFit[]): string {
  let s = '| phase | batch | points | roofline MAPE | calibrated MAPE (held out) | calibrated bias (held out) |\n|---|---|---|---|---|---|\n';
  const batches = [...new Set(fits.flatMap((f) => f.byBatch.map((b) => `${b.phase}:${b.batch}`)))];
  batches.sort((a, b) => {
    const [pa, ba] = a.split(':') as [string, string];
    const [pb, bb] = b.split(':') as [string, string];
    return pa === pb ? Number(ba) - Number(bb) : pa < pb ? 1 : -1;
  });
  for (const key of batches) {
    const [phase, batch] = key.split(':') as [MeasuredPhase, string];
    const rows = fits.flatMap((f) => f.byBatch.filter((b) => b.phase === phase && b.batch === Number(batch)));
    const before = pool(rows.map((r) => r.before));
    const held = pool(rows.map((r) => r.heldOut));
    s += `| ${phase} | ${batch} | ${held.points} | ${pct(before.mape)} | ${pct(held.mape)} | ${pct(held.bias)} |\n`;
  }
  s += '\n| phase | TP | points | roofline MAPE | calibrated MAPE (held out) | calibrated bias (held out) |\n|---|---|---|---|---|---|\n';
  for (const ph of ['prefill', 'decode'] as const) {
    for (const tp of [...new Set(fits.map((f) => f.tp))].sort((a, b) => a - b)) {
      const mine = fits.filter((f) => f.tp === tp);
      const before = pool(mine.map((f) => f.before[ph]));
      const held = pool(mine.map((f) => f.heldOut[ph]));
      s += `| ${ph} | ${tp} | ${held.points} | ${pct(before.mape)} | ${pct(held.mape)} | ${pct(held.bias)} |\n`;
    }
  }
  return s;
}

/** The fitted coefficients, one line per setup. */
export function formatCoefficients(fits: readonly SetupFit[]): string {
  let s = '| model | GPU | TP | compute eff. | attention eff. | memory eff. | NVLink eff. | overhead (ms) | prefill floor (ms) | decode floor (ms) | floor per seq (ms) | per prefill seq (ms) | throttle knee (tokens) | throttled compute eff. |\n';
  s += '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n';
  for (const f of fits) {
    const c = f.coefficients;
    const knee = Number.isFinite(c.throttleTokens);
    s += `| ${f.model} | ${f.gpu} | ${f.tp} | ${c.computeEfficiency.toFixed(3)} | ${c.attentionEfficiency.toFixed(3)} | ${c.memoryEfficiency.toFixed(3)} | ${c.nvlinkEfficiency.toFixed(3)} | ${(1000 * c.iterationOverheadS).toFixed(2)} | ${(1000 * c.prefillFloorS).toFixed(2)} | ${(1000 * c.decodeFloorS).toFixed(2)} | ${(1000 * c.floorPerSeqS).toFixed(3)} | ${(1000 * c.prefillSeqOverheadS).toFixed(2)} | ${knee ? c.throttleTokens : 'none'} | ${knee ? c.throttledComputeEfficiency.toFixed(3) : '-'} |\n`;
  }
  return s;
}
