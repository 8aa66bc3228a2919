import { headDim, kvBytesPerToken, type Deployment } from '../model/hardware.js';
import type { BatchShape, PerfModel } from '../model/perfModel.js';

export interface RooflineOptions {
  /** Fraction of peak FLOP/s reached by the linear layers (model FLOPs utilisation). */
  readonly computeEfficiency: number;
  /** Fraction of peak FLOP/s reached by attention kernels. */
  readonly attentionEfficiency: number;
  /** Fraction of peak HBM bandwidth reached (memory-bandwidth utilisation). */
  readonly memoryEfficiency: number;
  /** Fixed CPU-side cost of one iteration: scheduling, sampling, kernel launches (seconds). */
  readonly iterationOverheadS: number;
  /** Latency of one all-reduce (seconds), on top of its bandwidth term. */
  readonly allReduceLatencyS: number;
}

/**
 * Defaults from public measurements rather than from any paper's result: dense GEMMs on A100/H100
 * reach 50-70% of peak in serving (we take 0.6), FlashAttention-style kernels about 0.5, decode reaches
 * about 80% of HBM bandwidth, and vLLM's per-step CPU overhead is a few milliseconds (we take 4 ms).
 */
export const DEFAULT_ROOFLINE: RooflineOptions = {
  computeEfficiency: 0.6,
  attentionEfficiency: 0.5,
  memoryEfficiency: 0.8,
  iterationOverheadS: 0.004,
  allReduceLatencyS: 10e-6,
};

/**
 * Analytic roofline of one iteration on `tp` GPUs. Linear layers and attention are timed separately
 * as max(compute time, memory time), because a batch can be memory-bound in attention while
 * compute-bound in its GEMMs; tensor parallelism adds two ring all-reduces per layer.
 */
export class RooflinePerfModel implements PerfModel {
  readonly name = 'roofline';
  private readonly linFlopsPerToken: number;
  private readonly weightBytes: number;
  private readonly headFlopsPerSeq: number;
  private readonly attnFlopsPerPair: number;
  private readonly kvBytes: number;
  private readonly flops: number;
  private readonly attnFlops: number;
  private readonly bw: number;
  private readonly arBytesPerToken: number;
  private readonly arPerIter: number;
  private readonly arBw: number;
  private readonly overhead: number;

  constructor(
    d: Deployment,
    o: RooflineOptions = DEFAULT_ROOFLINE,
  ) {
    const m = d.model;
    const embed = m.vocab * m.hidden;
    this.linFlopsPerToken = 2 * (m.params - 2 * embed);
    this.headFlopsPerSeq = 2 * embed;
    this.weightBytes = m.params * m.dtypeBytes;
    this.attnFlopsPerPair = 4 * m.layers * m.heads * headDim(m);
    this.kvBytes = kvBytesPerToken(m);
    this.flops = d.gpu.flops * d.tp * o.computeEfficiency;
    this.attnFlops = d.gpu.flops * d.tp * o.attentionEfficiency;
    this.bw = d.gpu.memBandwidth * d.tp * o.memoryEfficiency;
    this.arBytesPerToken = m.hidden * m.dtypeBytes;
    this.arPerIter = d.tp > 1 ? 2 * m.layers : 0;
    this.arBw = d.tp > 1 ? (d.gpu.nvlinkBandwidth * d.tp) / (2 * (d.tp - 1)) : Number.POSITIVE_INFINITY;
    this.overhead = o.iterationOverheadS + this.arPerIter * (d.tp > 1 ? o.allReduceLatencyS : 0);
  }

  iterationTime(s: BatchShape): number {
    const tokens = s.prefillTokens + s.decodeSeqs;
    const seqs = s.prefillSeqs + s.decodeSeqs;
    const linCompute = (this.linFlopsPerToken * tokens + this.headFlopsPerSeq * seqs) / this.flops;
    const linMemory = this.weightBytes / this.bw;
    const pairs = s.prefillAttnPairs + s.decodeContextTokens + s.decodeSeqs;
    const attnCompute = (this.attnFlopsPerPair * pairs) / this.attnFlops;
    const attnMemory = (this.kvBytes * (s.decodeContextTokens + s.prefillPastTokens + tokens)) / this.bw;
    const comm = this.arPerIter > 0 ? (this.arPerIter * this.arBytesPerToken * tokens) / this.arBw : 0;
    return this.overhead + Math.max(linCompute, linMemory) + Math.max(attnCompute, attnMemory) + comm;
  }
}
