import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../core/errors.js';
import type { Deployment } from '../../model/hardware.js';
import type { BatchShape, PerfAccuracy, PerfModel } from '../../model/perfModel.js';
import { groupedGrid, mean, PiecewiseLinear } from '../interp.js';
import { DEFAULT_ROOFLINE, RooflineTerms, type RooflineOptions } from '../roofline.js';
import { columnIndex, numberField, parseCsv, type CsvTable } from './csv.js';

/** Our model names to Vidur's `<org>/<model>` folders. */
export const VIDUR_MODELS: Readonly<Record<string, string>> = Object.freeze({
  'llama-2-7b': 'meta-llama/Llama-2-7b-hf',
  'llama-2-70b': 'meta-llama/Llama-2-70b-hf',
  'llama-3-8b': 'meta-llama/Meta-Llama-3-8B',
  'llama-3-70b': 'meta-llama/Meta-Llama-3-70B',
  'codellama-34b': 'codellama/CodeLlama-34b-Instruct-hf',
});

/** Our GPU names to Vidur's compute folders and to the node types whose all_reduce.csv applies. */
export const VIDUR_GPUS: Readonly<Record<string, { compute: string; network: readonly string[] }>> = Object.freeze({
  'a100-80gb': { compute: 'a100', network: ['a100_dgx'] },
  'h100-80gb': { compute: 'h100', network: ['h100_dgx'] },
  a40: { compute: 'a40', network: [] },
});

/**
 * Operators of one transformer layer summed per layer (Vidur's per-layer sum without attention and
 * kv-save, which are not in this copy). Vidur counts one `add` per layer: vLLM fuses the other
 * residual add into the RMSNorm kernel.
 */
export const VIDUR_LAYER_OPS = Object.freeze([
  'input_layernorm',
  'attn_pre_proj',
  'attn_rope',
  'attn_post_proj',
  'post_attention_layernorm',
  'mlp_up_proj',
  'mlp_act',
  'mlp_down_proj',
  'add',
] as const);

/** Interpolation tables for one deployment, times in seconds vs tokens in the batch. */
export interface VidurProfile {
  /** Sum of VIDUR_LAYER_OPS medians for one layer. */
  readonly layer: PiecewiseLinear;
  /** Token embedding, once per iteration. */
  readonly embedding: PiecewiseLinear;
  /** One all-reduce of tokens x hidden x 2 bytes, or undefined (then the analytic ring model). */
  readonly allReduce: PiecewiseLinear | undefined;
  readonly sources: readonly string[];
}

/** Checks that a profile row describes this model's shape; a mismatch names line and field. */
function checkShape(t: CsvTable, row: number, d: Deployment): void {
  const m = d.model;
  const expect: [string, number][] = [
    ['n_embd', m.hidden],
    ['n_head', m.heads],
    ['n_kv_head', m.kvHeads],
    ['n_expanded_embd', m.ffn],
  ];
  for (const [col, want] of expect) {
    const got = numberField(t, row, columnIndex(t, col));
    if (got !== want) throw new InputError(t.file, t.lines[row]!, col, `profile is for another model shape: ${m.name} has ${col} = ${want}, file has ${got}`);
  }
}

/** Parses an mlp.csv and keeps the rows of this deployment's TP degree (pure: text in, tables out). */
export function parseVidurMlp(text: string, file: string, d: Deployment): { layer: PiecewiseLinear; embedding: PiecewiseLinear } {
  const t = parseCsv(text, file);
  const tokCol = columnIndex(t, 'num_tokens');
  const tpCol = columnIndex(t, 'num_tensor_parallel_workers');
  const opCols = VIDUR_LAYER_OPS.map((op) => columnIndex(t, `time_stats.${op}.median`));
  const embCol = columnIndex(t, 'time_stats.emb.median');
  const tokens: number[] = [];
  const layer: number[] = [];
  const emb: number[] = [];
  const tps = new Set<number>();
  for (let r = 0; r < t.rows.length; r++) {
    const tp = numberField(t, r, tpCol, { integer: true, min: 1 });
    tps.add(tp);
    if (tp !== d.tp) continue;
    if (tokens.length === 0) checkShape(t, r, d);
    tokens.push(numberField(t, r, tokCol, { integer: true, min: 1 }));
    let sum = 0;
    for (const c of opCols) sum += numberField(t, r, c, { min: 0 });
    layer.push(sum / 1000);
    emb.push(numberField(t, r, embCol, { min: 0 }) / 1000);
  }
  if (tokens.length === 0) {
    throw new ConfigError(`vidur profile ${file}: no rows for tp${d.tp}; it has num_tensor_parallel_workers ${[...tps].sort((a, b) => a - b).join(', ')}`);
  }
  // A few token counts are profiled twice (e.g. 4096); average the repeats.
  const l = groupedGrid(tokens, layer, mean);
  const e = groupedGrid(tokens, emb, mean);
  return { layer: new PiecewiseLinear(l.xs, l.ys, `${file} layer`), embedding: new PiecewiseLinear(e.xs, e.ys, `${file} emb`) };
}

/**
 * Parses an all_reduce.csv, keeping single-node groups of `tp` GPUs; `size` is the buffer in bytes
 * (Vidur converts it as size / hidden / 2 tokens), so x = size / (hidden x dtypeBytes) tokens.
 * Returns undefined when the file has no such group.
 */
export function parseVidurAllReduce(text: string, file: string, d: Deployment): PiecewiseLinear | undefined {
  const t = parseCsv(text, file);
  const c = {
    time: columnIndex(t, 'time_stats.all_reduce.median'),
    workers: columnIndex(t, 'num_workers'),
    perNode: columnIndex(t, 'devices_per_node'),
    size: columnIndex(t, 'size'),
  };
  const xs: number[] = [];
  const ys: number[] = [];
  const bytesPerToken = d.model.hidden * d.model.dtypeBytes;
  for (let r = 0; r < t.rows.length; r++) {
    const w = numberField(t, r, c.workers, { integer: true, min: 1 });
    const n = numberField(t, r, c.perNode, { integer: true, min: 1 });
    if (w !== d.tp || n !== d.tp) continue;
    xs.push(numberField(t, r, c.size, { min: 1 }) / bytesPerToken);
    ys.push(numberField(t, r, c.time, { min: 0 }) / 1000);
  }
  if (xs.length === 0) return undefined;
  const g = groupedGrid(xs, ys, mean);
  return new PiecewiseLinear(g.xs, g.ys, `${file} all_reduce`);
}

/**
 * Vidur-profile model of one iteration with T = prefill tokens + decode sequences:
 * overhead + emb(T) + layers x (layer(T) + 2 all_reduce(T)) + attention + LM head,
 * attention and LM head (and the all-reduce without a network profile) from the roofline terms.
 */
export class VidurPerfModel implements PerfModel {
  readonly name = 'vidur';
  readonly accuracy: PerfAccuracy = {
    model: 'Vidur operator profiles + roofline attention (uncalibrated)',
    calibrated: false,
    note: 'Vidur operator profiles + roofline attention, uncalibrated: about 26% error on the SplitwiseSim measurements',
  };
  private readonly layer: PiecewiseLinear;
  private readonly embedding: PiecewiseLinear;
  private readonly allReduce: PiecewiseLinear;
  private readonly hasAllReduce: boolean;
  private readonly layers: number;
  private readonly allReducesPerIteration: number;
  private readonly terms: RooflineTerms;

  constructor(
    d: Deployment,
    readonly profile: VidurProfile,
    options: RooflineOptions = DEFAULT_ROOFLINE,
  ) {
    this.layer = profile.layer;
    this.embedding = profile.embedding;
    this.hasAllReduce = profile.allReduce !== undefined && d.tp > 1;
    this.allReduce = profile.allReduce ?? new PiecewiseLinear([1], [0]);
    this.layers = d.model.layers;
    this.allReducesPerIteration = 2 * d.model.layers;
    this.terms = new RooflineTerms(d, options);
  }

  iterationTime(s: BatchShape): number {
    const tokens = s.prefillTokens + s.decodeSeqs;
    if (tokens === 0) return 0;
    const t = this.terms;
    const comm = this.hasAllReduce ? this.allReducesPerIteration * this.allReduce.at(tokens) : t.allReduce(tokens);
    return (
      t.overheadS +
      this.embedding.at(tokens) +
      this.layers * this.layer.at(tokens) +
      comm +
      t.attention(s) +
      t.lmHead(s.prefillSeqs + s.decodeSeqs)
    );
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`vidur profile: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Reads `DIR/compute/<gpu>/<org>/<model>/mlp.csv` and, if present, `DIR/network/<node>/all_reduce.csv`. */
export function loadVidurProfile(dir: string, d: Deployment): VidurProfile {
  const modelDir = VIDUR_MODELS[d.model.name];
  const gpu = VIDUR_GPUS[d.gpu.name];
  if (modelDir === undefined) throw new ConfigError(`vidur profile: no profile for model '${d.model.name}'; supported: ${Object.keys(VIDUR_MODELS).join(', ')}`);
  if (gpu === undefined) throw new ConfigError(`vidur profile: no profile for gpu '${d.gpu.name}'; supported: ${Object.keys(VIDUR_GPUS).join(', ')}`);
  const mlp = join(dir, 'compute', gpu.compute, modelDir, 'mlp.csv');
  if (!existsSync(mlp)) throw new ConfigError(`vidur profile: '${mlp}' not found (DIR must hold compute/<gpu>/<org>/<model>/mlp.csv)`);
  const { layer, embedding } = parseVidurMlp(readText(mlp), mlp, d);
  const sources = [mlp];
  let allReduce: PiecewiseLinear | undefined;
  for (const node of gpu.network) {
    const f = join(dir, 'network', node, 'all_reduce.csv');
    if (d.tp === 1 || !existsSync(f)) continue;
    allReduce = parseVidurAllReduce(readText(f), f, d);
    if (allReduce) {
      sources.push(f);
      break;
    }
  }
  return { layer, embedding, allReduce, sources };
}

export function loadVidurPerfModel(dir: string, d: Deployment, options: RooflineOptions = DEFAULT_ROOFLINE): VidurPerfModel {
  return new VidurPerfModel(d, loadVidurProfile(dir, d), options);
}
