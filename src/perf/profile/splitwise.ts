import { readFileSync } from 'node:fs';
import { ConfigError } from '../../core/errors.js';
import type { Deployment } from '../../model/hardware.js';
import type { BatchShape, PerfAccuracy, PerfModel } from '../../model/perfModel.js';
import { groupedGrid, median, PiecewiseLinear } from '../interp.js';
import { columnIndex, numberField, parseCsv, textField } from './csv.js';

/** One measured configuration of SplitwiseSim's `perf_model.csv` (times in milliseconds). */
export interface SplitwiseRow {
  readonly model: string;
  readonly hardware: string;
  readonly tp: number;
  readonly promptSize: number;
  readonly batchSize: number;
  readonly tokenSize: number;
  readonly promptTimeMs: number;
  readonly tokenTimeMs: number;
  readonly e2eTimeMs: number;
  readonly line: number;
}

/** Our model names to the CSV's `model` values. */
export const SPLITWISE_MODELS: Readonly<Record<string, string>> = Object.freeze({ 'llama-2-70b': 'llama2-70b' });

/**
 * Our GPU names to the CSV's `hardware` values. `h100-80gb-pcap` (power-capped H100) has no entry:
 * its rows are excluded (see exclusionReason).
 */
export const SPLITWISE_GPUS: Readonly<Record<string, string>> = Object.freeze({ 'a100-80gb': 'a100-80gb', 'h100-80gb': 'h100-80gb' });

/** Parses and checks every row; the first malformed field is an InputError with file, line and field. */
export function parseSplitwiseCsv(text: string, file: string): SplitwiseRow[] {
  const t = parseCsv(text, file);
  const c = {
    model: columnIndex(t, 'model'),
    hardware: columnIndex(t, 'hardware'),
    tp: columnIndex(t, 'tensor_parallel'),
    prompt: columnIndex(t, 'prompt_size'),
    batch: columnIndex(t, 'batch_size'),
    token: columnIndex(t, 'token_size'),
    promptTime: columnIndex(t, 'prompt_time'),
    tokenTime: columnIndex(t, 'token_time'),
    e2e: columnIndex(t, 'e2e_time'),
  };
  const rows: SplitwiseRow[] = [];
  for (let r = 0; r < t.rows.length; r++) {
    const int = (col: number): number => numberField(t, r, col, { integer: true, min: 1 });
    const pos = (col: number): number => numberField(t, r, col, { min: 0 });
    rows.push({
      model: textField(t, r, c.model),
      hardware: textField(t, r, c.hardware),
      tp: int(c.tp),
      promptSize: int(c.prompt),
      batchSize: int(c.batch),
      tokenSize: int(c.token),
      promptTimeMs: pos(c.promptTime),
      tokenTimeMs: pos(c.tokenTime),
      e2eTimeMs: pos(c.e2e),
      line: t.lines[r]!,
    });
  }
  return rows;
}

/** The rows the data README says not to use, and why. */
export const SPLITWISE_EXCLUSIONS = Object.freeze({
  powerCapped: 'h100-80gb-pcap: power-capped H100, token_time copied from the h100-80gb rows (data README)',
  failedRun: 'llama2-70b TP2 batch 64: failed run, prompt_time below batch 32 and e2e_time 14-17x prompt + tokens (data README)',
});

/**
 * Why a row is left out, or undefined. Two named cases from the data README, nothing inferred:
 * the power-capped H100 rows (their decode times duplicate the h100-80gb rows) and the Llama-2-70B
 * TP2 batch-64 runs on every hardware (a run that did not fit in memory).
 */
export function exclusionReason(r: SplitwiseRow): string | undefined {
  if (r.hardware === 'h100-80gb-pcap') return SPLITWISE_EXCLUSIONS.powerCapped;
  if (r.model === 'llama2-70b' && r.tp === 2 && r.batchSize === 64) return SPLITWISE_EXCLUSIONS.failedRun;
  return undefined;
}

/** The interpolation tables of one (model, hardware, TP), times in seconds. */
export interface SplitwiseTable {
  /** Prefill time vs batch tokens (prompt_size x batch_size), median of the rows at each point. */
  readonly prompt: PiecewiseLinear;
  /** Decode-iteration time vs batch size, median of the rows at each point. */
  readonly token: PiecewiseLinear;
  readonly rowsUsed: number;
  readonly rowsExcluded: number;
}

/** Builds the tables for one deployment; no rows for it is a ConfigError listing what the file has. */
export function buildSplitwiseTable(rows: readonly SplitwiseRow[], d: Deployment, file: string): SplitwiseTable {
  const csvModel = SPLITWISE_MODELS[d.model.name];
  const csvGpu = SPLITWISE_GPUS[d.gpu.name];
  if (csvModel === undefined || csvGpu === undefined) {
    throw new ConfigError(
      `splitwise profile: no mapping for ${csvModel === undefined ? `model '${d.model.name}'` : `gpu '${d.gpu.name}'`}; ` +
        `supported models: ${Object.keys(SPLITWISE_MODELS).join(', ')}; gpus: ${Object.keys(SPLITWISE_GPUS).join(', ')}`,
    );
  }
  const mine = rows.filter((r) => r.model === csvModel && r.hardware === csvGpu && r.tp === d.tp);
  if (mine.length === 0) {
    const have = [...new Set(rows.map((r) => `${r.model}/${r.hardware}/tp${r.tp}`))].sort();
    throw new ConfigError(`splitwise profile ${file}: no rows for ${csvModel}/${csvGpu}/tp${d.tp}; the file has ${have.join(', ')}`);
  }
  const used = mine.filter((r) => exclusionReason(r) === undefined);
  const p = groupedGrid(
    used.map((r) => r.promptSize * r.batchSize),
    used.map((r) => r.promptTimeMs / 1000),
    median,
  );
  const k = groupedGrid(
    used.map((r) => r.batchSize),
    used.map((r) => r.tokenTimeMs / 1000),
    median,
  );
  return {
    prompt: new PiecewiseLinear(p.xs, p.ys, `${file} prompt_time`),
    token: new PiecewiseLinear(k.xs, k.ys, `${file} token_time`),
    rowsUsed: used.length,
    rowsExcluded: mine.length - used.length,
  };
}

/**
 * Measured SplitwiseSim times, interpolated (P = prefill tokens, D = decoding sequences):
 * - prefill-only iteration: prompt(P), whatever the number of sequences P is split over;
 * - decode-only iteration: token(D) (context length is not a feature of the file);
 * - mixed iteration (chunked prefill): prompt(P) + token(D) - F, the prefill part plus the decode
 *   part minus one shared fixed overhead F = token at the smallest measured batch (one sequence).
 *   A one-sequence decode step is almost all fixed cost: one read of the weights and the per-step
 *   CPU and launch work, which a mixed step pays once, inside prompt(P). So the decodes add only
 *   their growth over one sequence, token(D) - F (taken as >= 0). The result is never below
 *   token(D) (prompt(.) is held flat below its smallest point, so it is not below prompt(128)).
 * An empty batch takes 0 s. The constructor does no I/O; see loadSplitwisePerfModel.
 */
export class SplitwisePerfModel implements PerfModel {
  readonly name = 'splitwise';
  readonly accuracy: PerfAccuracy = {
    model: 'SplitwiseSim measurements, interpolated',
    calibrated: true,
    note: 'SplitwiseSim measurements, interpolated (in-sample about 2% error; mixed steps by rule, not measured)',
  };
  /** The shared fixed overhead of a mixed iteration, seconds. */
  readonly sharedOverheadS: number;
  private readonly prompt: PiecewiseLinear;
  private readonly token: PiecewiseLinear;

  constructor(readonly table: SplitwiseTable) {
    this.prompt = table.prompt;
    this.token = table.token;
    this.sharedOverheadS = table.token.ys[0]!;
  }

  iterationTime(s: BatchShape): number {
    const p = s.prefillTokens;
    const d = s.decodeSeqs;
    if (p === 0) return d === 0 ? 0 : this.token.at(d);
    const pre = this.prompt.at(p);
    if (d === 0) return pre;
    const dec = this.token.at(d);
    const growth = dec - this.sharedOverheadS;
    const mixed = growth > 0 ? pre + growth : pre;
    return mixed > dec ? mixed : dec;
  }
}

/** Reads a perf_model.csv (the only I/O of this model) and builds the model for one deployment. */
export function loadSplitwiseRows(file: string): SplitwiseRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`splitwise profile: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSplitwiseCsv(text, file);
}

export function loadSplitwisePerfModel(file: string, d: Deployment): SplitwisePerfModel {
  return new SplitwisePerfModel(buildSplitwiseTable(loadSplitwiseRows(file), d, file));
}
