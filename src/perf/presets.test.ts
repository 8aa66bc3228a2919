import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { headDim, kvBytesPerToken, kvCapacityBlocks } from '../model/hardware.js';
import { deploymentName, deployments, gpus, models, parseDeployment } from './presets.js';

test('every model preset: params equal the count implied by the architecture (catches typos)', () => {
  for (const name of models.names()) {
    const m = models.get(name);
    const hd = headDim(m);
    assert.ok(Number.isInteger(hd), `${name}: hidden/heads is an integer`);
    const perLayer = 2 * m.hidden * m.hidden + 2 * m.hidden * m.kvHeads * hd + 3 * m.hidden * m.ffn + 2 * m.hidden;
    const implied = m.layers * perLayer + 2 * m.vocab * m.hidden + m.hidden;
    assert.equal(implied, m.params, name);
  }
});

test('GQA where the real models use it, MHA for Llama-2 7B/13B', () => {
  for (const n of ['llama-2-70b', 'llama-3-8b', 'llama-3-70b', 'codellama-34b']) assert.ok(models.get(n).kvHeads < models.get(n).heads, n);
  for (const n of ['llama-2-7b', 'llama-2-13b']) assert.equal(models.get(n).kvHeads, models.get(n).heads, n);
});

test('GPU presets are ordered as the datasheets say', () => {
  const a100 = gpus.get('a100-80gb');
  const h100 = gpus.get('h100-80gb');
  assert.ok(h100.flops > 3 * a100.flops && h100.memBandwidth > a100.memBandwidth);
  assert.ok(gpus.get('a100-40gb').memBytes < a100.memBytes && gpus.get('a100-40gb').memBandwidth < a100.memBandwidth);
  for (const n of gpus.names()) {
    const g = gpus.get(n);
    for (const v of [g.flops, g.memBandwidth, g.memBytes, g.pcieBandwidth, g.nvlinkBandwidth, g.interconnectBandwidth]) assert.ok(v > 0, n);
  }
});

test('named deployments and MODEL/GPU[/tpN] parse to the same thing', () => {
  assert.deepEqual(parseDeployment('llama-2-7b/a100-80gb'), parseDeployment('llama-2-7b/a100-80gb/tp1'));
  const d = parseDeployment('llama-2-70b/h100-80gb/tp8');
  assert.equal(d.tp, 8);
  assert.equal(d.model.name, 'llama-2-70b');
  for (const n of ['llama-2-7b/a100-80gb', 'llama-2-70b/h100-80gb/tp4', 'llama-2-70b/h100-80gb/tp8', 'llama-3-8b/h100-80gb', 'llama-2-70b/a100-80gb/tp4']) {
    assert.ok(deployments.has(n), n);
    assert.equal(deploymentName(parseDeployment(n)).startsWith(n.split('/').slice(0, 2).join('/')), true);
  }
});

test('unknown or impossible deployments are ConfigErrors that say what is valid', () => {
  assert.throws(() => parseDeployment('llama-9/a100-80gb'), (e: unknown) => e instanceof ConfigError && /valid: .*llama-2-7b/.test(e.message));
  assert.throws(() => parseDeployment('llama-2-7b/v100'), (e: unknown) => e instanceof ConfigError && /valid: .*h100-80gb/.test(e.message));
  assert.throws(() => parseDeployment('llama-2-7b'), (e: unknown) => e instanceof ConfigError && /MODEL\/GPU/.test(e.message));
  assert.throws(() => parseDeployment('llama-2-7b/a100-80gb/x4'), ConfigError);
  assert.throws(() => parseDeployment('llama-2-7b/a100-80gb/tp16'), /tp1\.\.tp8/);
  assert.throws(() => parseDeployment('llama-2-70b/a100-80gb/tp3'), /divide the 64 attention heads/);
  assert.throws(() => parseDeployment('llama-2-70b/a100-80gb'), /do not fit.*at least tp2/);
});

test('KV capacity of Llama-2-7B on one A100-80GB at 0.9 utilisation is about 7.6k blocks of 16', () => {
  const d = parseDeployment('llama-2-7b/a100-80gb');
  assert.equal(kvBytesPerToken(d.model), 2 * 32 * 4096 * 2); // 0.5 MiB per token
  const blocks = kvCapacityBlocks(d, 16, 0.9);
  // 0.9 * 80 GiB - 13.5 GB weights = 63.8 GB over 8 MiB blocks; vLLM logs ~7k after activations.
  assert.ok(blocks > 6_500 && blocks < 8_500, `got ${blocks}`);
  const big = kvCapacityBlocks(parseDeployment('llama-2-70b/h100-80gb/tp8'), 16, 0.9);
  assert.ok(big > blocks, 'a 70B model on 8 GPUs with GQA has more KV room than 7B on one');
});

test('Mistral-7B on one RTX 6000 Ada (SLAI): GQA, datasheet figures, KV capacity from the arithmetic', () => {
  const d = parseDeployment('mistral-7b/rtx6000ada');
  assert.equal(d.model.kvHeads, 8);
  assert.equal(d.model.heads, 32);
  assert.equal(kvBytesPerToken(d.model), 2 * 32 * 8 * 128 * 2); // 128 KiB per token
  const g = gpus.get('rtx6000ada');
  // 1,457 TFLOP/s FP8 with sparsity on the datasheet is four times the dense FP16/BF16 rate.
  assert.ok(Math.abs(4 * g.flops - 1457e12) < 1e12);
  assert.equal(g.memBandwidth, 960e9);
  // (0.9 x 48 GiB - 14.5 GB of weights) / (128 KiB x 16) = 31.9 GB / 2 MiB, about 15.2k blocks of 16 tokens.
  const blocks = kvCapacityBlocks(d, 16, 0.9);
  assert.ok(blocks > 14_800 && blocks < 15_600, `got ${blocks}`);
});
