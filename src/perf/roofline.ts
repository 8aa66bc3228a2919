import { ConfigError } from '../core/errors.js';
import { headDim, kvBytesPerToken, type Deployment } from '../model/hardware.js';
import type { BatchShape, PerfAccuracy, PerfModel } from '../model/perfModel.js';
import { ROOFLINE_ACCURACY } from './accuracy.js';

export interface RooflineOptions {
  /** Fraction of peak FLOP/s reached by the linear layers (GEMMs) and the LM head. */
  readonly computeEfficiency: number;
  /** Fraction of peak FLOP/s reached by the attention kernels. */
  readonly attentionEfficiency: number;
  /** Fraction of peak HBM bandwidth reached (memory-bandwidth utilisation). */
  readonly memoryEfficiency: number;
  /** Fraction of the NVLink bandwidth an all-reduce reaches (bus bandwidth / link bandwidth). */
  readonly nvlinkEfficiency: number;
  /** Fixed CPU-side cost of one iteration: scheduling, input preparation, sampling, launches (seconds). */
  readonly iterationOverheadS: number;
  /** Latency of one all-reduce (seconds), on top of its bandwidth term. */
  readonly allReduceLatencyS: number;
  /**
   * Fraction of peak FLOP/s of the linear layers' work beyond `throttleTokens` tokens in one
   * iteration (calibrations: sustained GEMMs at the power limit run slower; see PERF_MODEL.md).
   */
  readonly throttledComputeEfficiency: number;
  /** Tokens per iteration beyond which throttledComputeEfficiency applies; Infinity (default): never. */
  readonly throttleTokens: number;
}

/**
 * Defaults chosen from public measurements before comparing with any validation data (sources in
 * docs/PERF_MODEL.md): dense GEMMs in serving reach 50-70% of peak (0.6); FlashAttention-2 forward
 * reaches about half of peak (0.5); decode GEMV and paged attention reach about 80% of HBM bandwidth
 * (0.8); NCCL all-reduce on DGX A100/H100 reaches 0.5-0.8 of NVLink bandwidth for large messages and
 * about 25 us for small ones (Vidur's all_reduce.csv profiles); CPU-side cost of one vLLM step 4 ms.
 */
export const DEFAULT_ROOFLINE: RooflineOptions = Object.freeze({
  computeEfficiency: 0.6,
  attentionEfficiency: 0.5,
  memoryEfficiency: 0.8,
  nvlinkEfficiency: 0.6,
  iterationOverheadS: 0.004,
  allReduceLatencyS: 25e-6,
  throttledComputeEfficiency: 0.6,
  throttleTokens: Infinity,
});

/** Checks option values and fills the defaults; unknown keys and out-of-range values are ConfigErrors. */
export function rooflineOptions(o: Partial<Record<string, number>> = {}): RooflineOptions {
  const valid = Object.keys(DEFAULT_ROOFLINE);
  const out: Record<string, number> = { ...DEFAULT_ROOFLINE };
  for (const [k, v] of Object.entries(o)) {
    if (!valid.includes(k)) throw new ConfigError(`roofline option '${k}' is unknown; valid: ${valid.join(', ')}`);
    if (v === undefined) continue;
    const isEff = k.endsWith('Efficiency');
    const isTokens = k === 'throttleTokens';
    if (isTokens ? !(v >= 1) || Number.isNaN(v) : !Number.isFinite(v) || (isEff ? !(v > 0 && v <= 1) : v < 0)) {
      throw new ConfigError(`roofline option '${k}': expected ${isEff ? 'a fraction in (0, 1]' : isTokens ? 'tokens >= 1 (or Infinity)' : 'seconds >= 0'}, got ${v}`);
    }
    out[k] = v;
  }
  return Object.freeze(out as unknown as RooflineOptions);
}

/** The parts of one iteration's time, in seconds (for tests, docs and `gaps perf time`). */
export interface RooflineBreakdown {
  linearCompute: number;
  linearMemory: number;
  prefillAttnCompute: number;
  prefillAttnMemory: number;
  decodeAttnCompute: number;
  decodeAttnMemory: number;
  allReduce: number;
  overhead: number;
  total: number;
}

/**
 * The analytic terms of one iteration on one GPU of a `tp`-way tensor-parallel instance, with all
 * per-shape constants precomputed. Shared by the roofline and the profile models (which take
 * attention, LM head and, without a profile, the all-reduce from here). Methods allocate nothing.
 */
export class RooflineTerms {
  /** Linear-layer FLOPs per token (per GPU), LM head excluded. */
  protected readonly linFlopsPerToken: number;
  protected readonly headFlopsPerSeq: number;
  /** Weights read once per iteration per GPU: all but the input embedding table. */
  protected readonly linWeightBytes: number;
  protected readonly headWeightBytes: number;
  protected readonly actBytesPerToken: number;
  private readonly attnFlopsPerPair: number;
  private readonly kvBytesPerTokenGpu: number;
  private readonly qoBytesPerToken: number;
  protected readonly flops: number;
  private readonly attnFlops: number;
  protected readonly bw: number;
  private readonly arFixed: number;
  private readonly arPerToken: number;
  readonly overheadS: number;

  constructor(d: Deployment, o: RooflineOptions = DEFAULT_ROOFLINE) {
    const m = d.model;
    const tp = d.tp;
    const h = m.hidden;
    const b = m.dtypeBytes;
    const embed = m.vocab * h;
    const qDim = m.heads * headDim(m);
    const kvDim = m.kvHeads * headDim(m);
    this.linFlopsPerToken = (2 * (m.params - 2 * embed)) / tp;
    this.headFlopsPerSeq = (2 * embed) / tp;
    this.linWeightBytes = ((m.params - 2 * embed) * b) / tp;
    this.headWeightBytes = (embed * b) / tp;
    // Activations read and written per token and layer: norms, residual adds and GEMM inputs use
    // full-width hidden states on every GPU (14h); QKV, attention output and MLP intermediates are
    // sharded (2h + 2kvDim + 6ffn) / tp. Plus the embedding row looked up once per token.
    this.actBytesPerToken = b * (m.layers * (14 * h + (2 * h + 2 * kvDim + 6 * m.ffn) / tp) + h);
    this.attnFlopsPerPair = (4 * m.layers * qDim) / tp;
    // With GQA, tp beyond the KV heads replicates them: each GPU holds max(1/tp, 1/kvHeads) of the KV.
    this.kvBytesPerTokenGpu = kvBytesPerToken(m) / Math.min(tp, m.kvHeads);
    this.qoBytesPerToken = (2 * m.layers * qDim * b) / tp;
    this.flops = d.gpu.flops * o.computeEfficiency;
    this.attnFlops = d.gpu.flops * o.attentionEfficiency;
    this.bw = d.gpu.memBandwidth * o.memoryEfficiency;
    // Two ring all-reduces per layer (after attention and after the MLP) of tokens*h*b bytes each;
    // a ring moves 2(tp-1)/tp of the buffer over each GPU's link.
    const perIter = tp > 1 ? 2 * m.layers : 0;
    this.arFixed = perIter * o.allReduceLatencyS;
    this.arPerToken = tp > 1 ? (perIter * ((2 * (tp - 1)) / tp) * h * b) / (d.gpu.nvlinkBandwidth * o.nvlinkEfficiency) : 0;
    this.overheadS = o.iterationOverheadS;
  }

  /** Linear layers and LM head: max(compute, weights + activations) over `tokens` tokens, `seqs` sampled. */
  linearLayers(tokens: number, seqs: number): number {
    const compute = (this.linFlopsPerToken * tokens + this.headFlopsPerSeq * seqs) / this.flops;
    const memory = (this.linWeightBytes + this.headWeightBytes + this.actBytesPerToken * tokens) / this.bw;
    return compute > memory ? compute : memory;
  }

  /** Linear layers' compute time (for breakdown; ThrottledRooflineTerms overrides it). */
  protected linearCompute(tokens: number, seqs: number): number {
    return (this.linFlopsPerToken * tokens + this.headFlopsPerSeq * seqs) / this.flops;
  }

  /** The LM head alone (the profile models' tables do not include it). */
  lmHead(seqs: number): number {
    if (seqs === 0) return 0;
    const compute = (this.headFlopsPerSeq * seqs) / this.flops;
    const memory = this.headWeightBytes / this.bw;
    return compute > memory ? compute : memory;
  }

  /** Prefill attention plus decode attention, each max(compute, memory): separate kernels. */
  attention(s: BatchShape): number {
    let t = 0;
    if (s.prefillTokens > 0) {
      const compute = (this.attnFlopsPerPair * s.prefillAttnPairs) / this.attnFlops;
      // Cached KV read once; new KV written to the cache and read by the kernel; Q read, O written.
      const memory =
        (this.kvBytesPerTokenGpu * (s.prefillPastTokens + 2 * s.prefillTokens) + this.qoBytesPerToken * s.prefillTokens) / this.bw;
      t += compute > memory ? compute : memory;
    }
    if (s.decodeSeqs > 0) {
      // Each decoding token attends to its context and to itself.
      const compute = (this.attnFlopsPerPair * (s.decodeContextTokens + s.decodeSeqs)) / this.attnFlops;
      const memory =
        (this.kvBytesPerTokenGpu * (s.decodeContextTokens + 2 * s.decodeSeqs) + this.qoBytesPerToken * s.decodeSeqs) / this.bw;
      t += compute > memory ? compute : memory;
    }
    return t;
  }

  /** Tensor-parallel all-reduces of one iteration over `tokens` tokens (0 at tp1). */
  allReduce(tokens: number): number {
    return this.arPerToken === 0 ? 0 : this.arFixed + this.arPerToken * tokens;
  }

  /** Every term separately; allocates, so not for the hot path. */
  breakdown(s: BatchShape): RooflineBreakdown {
    const tokens = s.prefillTokens + s.decodeSeqs;
    const seqs = s.prefillSeqs + s.decodeSeqs;
    const pre: BatchShape = { ...s, decodeSeqs: 0, decodeContextTokens: 0 };
    const dec: BatchShape = { ...s, prefillSeqs: 0, prefillTokens: 0, prefillAttnPairs: 0, prefillPastTokens: 0 };
    const split = (x: BatchShape): [number, number] => {
      if (x.prefillTokens + x.decodeSeqs === 0) return [0, 0];
      const c = (this.attnFlopsPerPair * (x.prefillAttnPairs + x.decodeContextTokens + x.decodeSeqs)) / this.attnFlops;
      const kvTokens = x.prefillPastTokens + 2 * x.prefillTokens + x.decodeContextTokens + 2 * x.decodeSeqs;
      const mem = (this.kvBytesPerTokenGpu * kvTokens + this.qoBytesPerToken * (x.prefillTokens + x.decodeSeqs)) / this.bw;
      return [c, mem];
    };
    const [pc, pm] = split(pre);
    const [dc, dm] = split(dec);
    const r: RooflineBreakdown = {
      linearCompute: tokens === 0 ? 0 : this.linearCompute(tokens, seqs),
      linearMemory: tokens === 0 ? 0 : (this.linWeightBytes + this.headWeightBytes + this.actBytesPerToken * tokens) / this.bw,
      prefillAttnCompute: pc,
      prefillAttnMemory: pm,
      decodeAttnCompute: dc,
      decodeAttnMemory: dm,
      allReduce: tokens === 0 ? 0 : this.allReduce(tokens),
      overhead: tokens === 0 ? 0 : this.overheadS,
      total: 0,
    };
    r.total =
      Math.max(r.linearCompute, r.linearMemory) +
      Math.max(pc, pm) +
      Math.max(dc, dm) +
      r.allReduce +
      r.overhead;
    return r;
  }
}

/**
 * RooflineTerms with a throttle knee: the share (tokens − knee) / tokens of the linear layers'
 * compute runs at throttledComputeEfficiency. A subclass, so that the default roofline's hot path
 * keeps no extra branch (it cost about a third of a call when inline).
 */
export class ThrottledRooflineTerms extends RooflineTerms {
  private readonly knee: number;
  /** computeEfficiency / throttledComputeEfficiency: how much slower work beyond the knee runs. */
  private readonly throttleRatio: number;

  constructor(d: Deployment, o: RooflineOptions) {
    super(d, o);
    this.knee = o.throttleTokens;
    this.throttleRatio = o.computeEfficiency / o.throttledComputeEfficiency;
  }

  protected override linearCompute(tokens: number, seqs: number): number {
    const t = (this.linFlopsPerToken * tokens + this.headFlopsPerSeq * seqs) / this.flops;
    return tokens > this.knee ? (t * (this.knee + (tokens - this.knee) * this.throttleRatio)) / tokens : t;
  }

  override linearLayers(tokens: number, seqs: number): number {
    const compute = this.linearCompute(tokens, seqs);
    const memory = (this.linWeightBytes + this.headWeightBytes + this.actBytesPerToken * tokens) / this.bw;
    return compute > memory ? compute : memory;
  }
}

/**
 * Analytic roofline of one iteration: overhead + linear layers + prefill attention + decode
 * attention + all-reduces, each phase max(compute time, memory time). An empty batch takes 0 s.
 */
export class RooflinePerfModel implements PerfModel {
  readonly name = 'roofline';
  /** Every term grows with the tokens and the context (the throttle knee slows the growth, never reverses it). */
  readonly decodeMonotone = true;
  readonly accuracy: PerfAccuracy = ROOFLINE_ACCURACY;
  readonly terms: RooflineTerms;
  readonly options: RooflineOptions;

  constructor(d: Deployment, o: RooflineOptions = DEFAULT_ROOFLINE) {
    this.options = o;
    this.terms = Number.isFinite(o.throttleTokens) ? new ThrottledRooflineTerms(d, o) : new RooflineTerms(d, o);
  }

  iterationTime(s: BatchShape): number {
    const tokens = s.prefillTokens + s.decodeSeqs;
    if (tokens === 0) return 0;
    const t = this.terms;
    return t.overheadS + t.linearLayers(tokens, s.prefillSeqs + s.decodeSeqs) + t.attention(s) + t.allReduce(tokens);
  }
}
