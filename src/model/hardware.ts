/** Static descriptions of a model, a GPU and a deployment (model on GPUs with tensor parallelism). */

export interface ModelSpec {
  readonly name: string;
  /** Parameter count. */
  readonly params: number;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  /** FFN intermediate size. */
  readonly ffn: number;
  readonly vocab: number;
  /** Bytes per weight and per KV element (2 for fp16/bf16). */
  readonly dtypeBytes: number;
}

export interface GpuSpec {
  readonly name: string;
  /** Dense fp16/bf16 tensor throughput, FLOP/s. */
  readonly flops: number;
  /** HBM bandwidth, bytes/s. */
  readonly memBandwidth: number;
  /** HBM capacity, bytes. */
  readonly memBytes: number;
  /** Host link bandwidth (PCIe), bytes/s: swap and host offload. */
  readonly pcieBandwidth: number;
  /** GPU-to-GPU bandwidth within a node (NVLink), bytes/s: tensor-parallel collectives. */
  readonly nvlinkBandwidth: number;
  /** Bandwidth between instances (KV transfer, migration), bytes/s. */
  readonly interconnectBandwidth: number;
}

export interface Deployment {
  readonly model: ModelSpec;
  readonly gpu: GpuSpec;
  /** Tensor-parallel degree: GPUs per instance. */
  readonly tp: number;
}

export function headDim(m: ModelSpec): number {
  return m.hidden / m.heads;
}

/** KV-cache bytes per token for the whole model (keys and values, all layers). */
export function kvBytesPerToken(m: ModelSpec): number {
  return 2 * m.layers * m.kvHeads * headDim(m) * m.dtypeBytes;
}

export function weightBytes(m: ModelSpec): number {
  return m.params * m.dtypeBytes;
}

/**
 * KV blocks that fit on one instance: the GPUs' memory times `memoryUtilization` (vLLM's
 * gpu_memory_utilization), minus weights and an activation reserve, in blocks of `blockSize` tokens.
 */
export function kvCapacityBlocks(
  d: Deployment,
  blockSize: number,
  memoryUtilization = 0.9,
  activationReserveBytes = 0,
): number {
  const usable = d.tp * d.gpu.memBytes * memoryUtilization - weightBytes(d.model) - activationReserveBytes;
  return Math.max(0, Math.floor(usable / (kvBytesPerToken(d.model) * blockSize)));
}
