import { ConfigError } from '../core/errors.js';
import { Registry } from '../core/registry.js';
import { weightBytes, type Deployment, type GpuSpec, type ModelSpec } from '../model/hardware.js';

const GiB = 1024 ** 3;

function model(name: string, params: number, layers: number, hidden: number, heads: number, kvHeads: number, ffn: number, vocab: number): ModelSpec {
  return Object.freeze({ name, params, layers, hidden, heads, kvHeads, ffn, vocab, dtypeBytes: 2 });
}

/**
 * Model architectures, from each model's Hugging Face `config.json` (num_hidden_layers, hidden_size,
 * num_attention_heads, num_key_value_heads, intermediate_size, vocab_size). `params` is the exact
 * parameter count of the bf16 checkpoint; it equals layers*(2h^2 + 2h*kvDim + 3h*ffn + 2h) + 2*vocab*h + h
 * (untied input embedding and LM head), which presets.test.ts checks.
 */
export const models = new Registry<ModelSpec>('model')
  .register('llama-2-7b', model('llama-2-7b', 6_738_415_616, 32, 4096, 32, 32, 11008, 32000), 'meta-llama/Llama-2-7b-hf, MHA')
  .register('llama-2-13b', model('llama-2-13b', 13_015_864_320, 40, 5120, 40, 40, 13824, 32000), 'meta-llama/Llama-2-13b-hf, MHA')
  .register('llama-2-70b', model('llama-2-70b', 68_976_648_192, 80, 8192, 64, 8, 28672, 32000), 'meta-llama/Llama-2-70b-hf, GQA 8 KV heads')
  .register('llama-3-8b', model('llama-3-8b', 8_030_261_248, 32, 4096, 32, 8, 14336, 128256), 'meta-llama/Meta-Llama-3-8B, GQA 8 KV heads')
  .register('llama-3-70b', model('llama-3-70b', 70_553_706_496, 80, 8192, 64, 8, 28672, 128256), 'meta-llama/Meta-Llama-3-70B, GQA 8 KV heads')
  .register('codellama-34b', model('codellama-34b', 33_743_970_304, 48, 8192, 64, 8, 22016, 32000), 'codellama/CodeLlama-34b-hf, GQA 8 KV heads')
  .register(
    'mistral-7b',
    model('mistral-7b', 7_241_732_096, 32, 4096, 32, 8, 14336, 32000),
    'mistralai/Mistral-7B-v0.1, GQA 8 KV heads (its 4096-token sliding window is not modelled: full-context KV)',
  );

function gpu(g: GpuSpec): GpuSpec {
  return Object.freeze(g);
}

/**
 * GPUs, from NVIDIA's datasheets: dense (no sparsity) BF16 tensor-core FLOP/s, HBM/GDDR bandwidth and
 * capacity (HBM stacks are binary: "80 GB" is 80 GiB), host link = PCIe x16 per direction
 * (datasheets print the bidirectional figure), NVLink per direction (datasheets print the
 * bidirectional figure). The inter-instance bandwidth is one NIC per GPU as in the DGX systems
 * (DGX A100: ConnectX-6 200 Gb/s; DGX H100: ConnectX-7 400 Gb/s); for the A40 (no DGX) we assume
 * the same 200 Gb/s NIC per GPU. See docs/PERF_MODEL.md for the table and links.
 */
export const gpus = new Registry<GpuSpec>('gpu')
  .register(
    'a100-80gb',
    gpu({ name: 'a100-80gb', flops: 312e12, memBandwidth: 2.039e12, memBytes: 80 * GiB, pcieBandwidth: 32e9, nvlinkBandwidth: 300e9, interconnectBandwidth: 25e9 }),
    'A100 SXM4 80GB: 312 TFLOP/s bf16, 2.04 TB/s HBM2e, NVLink3 600 GB/s bidir',
  )
  .register(
    'a100-40gb',
    gpu({ name: 'a100-40gb', flops: 312e12, memBandwidth: 1.555e12, memBytes: 40 * GiB, pcieBandwidth: 32e9, nvlinkBandwidth: 300e9, interconnectBandwidth: 25e9 }),
    'A100 SXM4 40GB: 312 TFLOP/s bf16, 1.56 TB/s HBM2',
  )
  .register(
    'h100-80gb',
    gpu({ name: 'h100-80gb', flops: 989.4e12, memBandwidth: 3.35e12, memBytes: 80 * GiB, pcieBandwidth: 64e9, nvlinkBandwidth: 450e9, interconnectBandwidth: 50e9 }),
    'H100 SXM5 80GB: 989 TFLOP/s bf16, 3.35 TB/s HBM3, NVLink4 900 GB/s bidir',
  )
  .register(
    'a40',
    gpu({ name: 'a40', flops: 149.7e12, memBandwidth: 0.696e12, memBytes: 48 * GiB, pcieBandwidth: 32e9, nvlinkBandwidth: 56.25e9, interconnectBandwidth: 25e9 }),
    'A40 48GB GDDR6: 149.7 TFLOP/s bf16, 696 GB/s, NVLink bridge 112.5 GB/s bidir',
  )
  .register(
    'rtx6000ada',
    // Datasheet: 1,457 TFLOP/s FP8 with sparsity = 4 x 364.2 dense FP16/BF16 (142 SMs x 2,505 MHz x
    // 1,024 FLOP/clk/SM). No NVLink: GPU-to-GPU traffic goes over PCIe 4.0 x16, 32 GB/s per direction.
    gpu({ name: 'rtx6000ada', flops: 364.2e12, memBandwidth: 0.96e12, memBytes: 48 * GiB, pcieBandwidth: 32e9, nvlinkBandwidth: 32e9, interconnectBandwidth: 25e9 }),
    'RTX 6000 Ada 48GB GDDR6: 364.2 TFLOP/s fp16/bf16 dense, 960 GB/s, no NVLink (peer traffic over PCIe 4.0)',
  );

/** Largest tensor-parallel degree: one node of 8 GPUs (the all-reduce is modelled over NVLink). */
export const MAX_TP = 8;

/** Builds and checks a deployment: tp in 1..8, dividing the attention heads, weights fitting in memory. */
export function makeDeployment(modelName: string, gpuName: string, tp: number, spec = `${modelName}/${gpuName}/tp${tp}`): Deployment {
  const m = models.get(modelName);
  const g = gpus.get(gpuName);
  if (!Number.isInteger(tp) || tp < 1 || tp > MAX_TP) {
    throw new ConfigError(`deployment '${spec}': tensor parallelism must be tp1..tp${MAX_TP} (one node), got ${tp}`);
  }
  if (m.heads % tp !== 0) {
    throw new ConfigError(`deployment '${spec}': tp${tp} must divide the ${m.heads} attention heads of ${m.name}`);
  }
  if (weightBytes(m) >= tp * g.memBytes) {
    const need = Math.ceil(weightBytes(m) / g.memBytes);
    throw new ConfigError(
      `deployment '${spec}': ${m.name} weights (${(weightBytes(m) / 1e9).toFixed(1)} GB) do not fit in ${tp} x ${g.name}; use at least tp${need}`,
    );
  }
  return Object.freeze({ model: m, gpu: g, tp });
}

/** Named deployments used throughout the docs and experiments. */
export const deployments = new Registry<Deployment>('deployment')
  .register('llama-2-7b/a100-80gb', makeDeployment('llama-2-7b', 'a100-80gb', 1), 'Llama-2-7B on one A100-80GB')
  .register('llama-2-70b/a100-80gb/tp4', makeDeployment('llama-2-70b', 'a100-80gb', 4), 'Llama-2-70B on 4 x A100-80GB')
  .register('llama-2-70b/h100-80gb/tp4', makeDeployment('llama-2-70b', 'h100-80gb', 4), 'Llama-2-70B on 4 x H100-80GB')
  .register('llama-2-70b/h100-80gb/tp8', makeDeployment('llama-2-70b', 'h100-80gb', 8), 'Llama-2-70B on 8 x H100-80GB')
  .register('llama-3-8b/h100-80gb', makeDeployment('llama-3-8b', 'h100-80gb', 1), 'Llama-3-8B on one H100-80GB')
  .register('mistral-7b/rtx6000ada', makeDeployment('mistral-7b', 'rtx6000ada', 1), 'Mistral-7B on one RTX 6000 Ada (the SLAI paper\'s setup)');

/**
 * A named deployment, or `MODEL/GPU[/tpN]` (tp1 when omitted). Unknown models, GPUs or names are
 * ConfigErrors that list the valid ones.
 */
export function parseDeployment(spec: string): Deployment {
  if (deployments.has(spec)) return deployments.get(spec);
  const parts = spec.split('/');
  if (parts.length < 2 || parts.length > 3) {
    throw new ConfigError(
      `deployment '${spec}': expected a named deployment (${deployments.names().join(', ')}) or MODEL/GPU[/tpN] ` +
        `with MODEL one of ${models.names().join(', ')} and GPU one of ${gpus.names().join(', ')}`,
    );
  }
  const [modelName, gpuName, tpPart] = parts as [string, string, string | undefined];
  let tp = 1;
  if (tpPart !== undefined) {
    const m = /^tp(\d+)$/.exec(tpPart);
    if (!m) throw new ConfigError(`deployment '${spec}': tensor parallelism must look like tp1..tp${MAX_TP}, got '${tpPart}'`);
    tp = Number(m[1]);
  }
  return makeDeployment(modelName, gpuName, tp, spec);
}

/** The canonical `MODEL/GPU/tpN` name of a deployment. */
export function deploymentName(d: Deployment): string {
  return `${d.model.name}/${d.gpu.name}/tp${d.tp}`;
}
