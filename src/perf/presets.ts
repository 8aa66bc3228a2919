import { ConfigError } from '../core/errors.js';
import { Registry } from '../core/registry.js';
import type { Deployment, GpuSpec, ModelSpec } from '../model/hardware.js';

/** Model architectures (from the models' published configs). */
export const models = new Registry<ModelSpec>('model')
  .register('llama-2-7b', { name: 'llama-2-7b', params: 6.74e9, layers: 32, hidden: 4096, heads: 32, kvHeads: 32, ffn: 11008, vocab: 32000, dtypeBytes: 2 })
  .register('llama-2-13b', { name: 'llama-2-13b', params: 13.0e9, layers: 40, hidden: 5120, heads: 40, kvHeads: 40, ffn: 13824, vocab: 32000, dtypeBytes: 2 })
  .register('llama-2-70b', { name: 'llama-2-70b', params: 69.0e9, layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffn: 28672, vocab: 32000, dtypeBytes: 2 })
  .register('llama-3-8b', { name: 'llama-3-8b', params: 8.03e9, layers: 32, hidden: 4096, heads: 32, kvHeads: 8, ffn: 14336, vocab: 128256, dtypeBytes: 2 })
  .register('llama-3-70b', { name: 'llama-3-70b', params: 70.6e9, layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffn: 28672, vocab: 128256, dtypeBytes: 2 })
  .register('codellama-34b', { name: 'codellama-34b', params: 33.7e9, layers: 48, hidden: 8192, heads: 64, kvHeads: 8, ffn: 22016, vocab: 32000, dtypeBytes: 2 });

/** GPUs (vendor datasheets: dense BF16 tensor FLOP/s, HBM bandwidth and capacity; PCIe 4/5 x16; NVLink). */
export const gpus = new Registry<GpuSpec>('gpu')
  .register('a100-80gb', { name: 'a100-80gb', flops: 312e12, memBandwidth: 2.039e12, memBytes: 80e9, pcieBandwidth: 25e9, nvlinkBandwidth: 300e9, interconnectBandwidth: 25e9 })
  .register('a100-40gb', { name: 'a100-40gb', flops: 312e12, memBandwidth: 1.555e12, memBytes: 40e9, pcieBandwidth: 25e9, nvlinkBandwidth: 300e9, interconnectBandwidth: 25e9 })
  .register('h100-80gb', { name: 'h100-80gb', flops: 989e12, memBandwidth: 3.35e12, memBytes: 80e9, pcieBandwidth: 50e9, nvlinkBandwidth: 450e9, interconnectBandwidth: 50e9 })
  .register('a40', { name: 'a40', flops: 149.7e12, memBandwidth: 0.696e12, memBytes: 48e9, pcieBandwidth: 25e9, nvlinkBandwidth: 56e9, interconnectBandwidth: 25e9 });

/** Named deployments used throughout the docs and experiments. */
export const deployments = new Registry<string>('deployment')
  .register('llama-2-7b/a100-80gb', 'llama-2-7b/a100-80gb/tp1')
  .register('llama-2-70b/h100-80gb/tp4', 'llama-2-70b/h100-80gb/tp4')
  .register('llama-2-70b/h100-80gb/tp8', 'llama-2-70b/h100-80gb/tp8')
  .register('llama-2-70b/a100-80gb/tp4', 'llama-2-70b/a100-80gb/tp4')
  .register('llama-3-8b/h100-80gb', 'llama-3-8b/h100-80gb/tp1');

/** `MODEL/GPU[/tpN]` (or a named deployment) to a Deployment; unknown names list the valid ones. */
export function parseDeployment(spec: string): Deployment {
  const parts = spec.split('/');
  if (parts.length < 2 || parts.length > 3) {
    throw new ConfigError(`deployment '${spec}': expected MODEL/GPU[/tpN], e.g. llama-2-7b/a100-80gb; named: ${deployments.names().join(', ')}`);
  }
  const model = models.get(parts[0] as string);
  const gpu = gpus.get(parts[1] as string);
  let tp = 1;
  if (parts[2] !== undefined) {
    const m = /^tp(\d+)$/.exec(parts[2]);
    tp = m ? Number(m[1]) : Number.NaN;
    if (!Number.isInteger(tp) || tp < 1 || tp > 64) throw new ConfigError(`deployment '${spec}': tensor parallelism must look like tp1..tp64, got '${parts[2]}'`);
  }
  return { model, gpu, tp };
}
