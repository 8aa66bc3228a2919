import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AZURE_CODE_FIT, AZURE_CONVERSATION_FIT } from './azurePresetData.js';
import { fitAzurePresets } from './fitPresets.js';
import { columnStats, countDispersion, gapCv, pearson, promptBinStats, traceStats, traceStatsOf } from './traceStats.js';
import { dataFile, NO_DATA, sharedDataDir } from './testSupport.js';

describe('trace statistics (pure functions)', () => {
  it('gap CV: 0 for regular arrivals, sqrt of the sample variance ratio otherwise', () => {
    assert.equal(gapCv([0, 1, 2, 3, 4]), 0);
    // gaps 1 and 3: mean 2, population sd 1
    assert.equal(gapCv([0, 1, 4]), 0.5);
  });

  it('count dispersion over full windows, dropping the partial last one', () => {
    // windows of 1 s over [0, 4): counts 3, 0, 1, 0 -> mean 1, variance 1.5; the arrival at 4.5 is in a partial window
    const d = countDispersion([0, 0.2, 0.5, 2.1, 4, 4.5], 1);
    assert.equal(d.indexOfDispersion, 1.5);
    assert.equal(d.emptyFraction, 0.5);
  });

  it('Pearson correlation and column statistics', () => {
    assert.equal(pearson([1, 2, 3], [2, 4, 6]), 1);
    assert.ok(Math.abs(pearson([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12);
    const c = columnStats([4, 1, 3, 2]); // type 7: p90 = 3 + 0.7 (4 - 3), p99 = 3 + 0.97
    assert.deepEqual([c.mean, c.min, c.p50, c.max], [2.5, 1, 2.5, 4]);
    assert.ok(Math.abs(c.p90 - 3.7) < 1e-12 && Math.abs(c.p99 - 3.97) < 1e-12);
  });

  it('prompt bins hold the outputs of their prompts; empty bins are left out', () => {
    const bins = promptBinStats([5, 150, 160, 5000], [1, 10, 20, 7], [1, 128, 256, 4096]);
    assert.deepEqual(
      bins.map((b) => [b.fromTokens, b.toTokens, b.count, b.output.p50]),
      [[1, 128, 1, 1], [128, 256, 2, 15], [4096, Infinity, 1, 7]],
    );
  });

  it('traceStatsOf puts it together', () => {
    const s = traceStatsOf({
      type: 't',
      arrival: Float64Array.from([0, 1, 2, 3]),
      prompt: Float64Array.from([10, 20, 30, 40]),
      output: Float64Array.from([1, 2, 3, 4]),
    });
    assert.deepEqual([s.count, s.durationS, s.meanRatePerS, s.gapCv, s.correlation], [4, 3, 1, 0, 1]);
  });
});

describe('statistics of the real Azure 2023 traces', () => {
  const code = dataFile('azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
  const conv = dataFile('azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

  it('code: bursty, uncorrelated, medians 1,469 / 13', { skip: code ? false : NO_DATA }, () => {
    const s = traceStats(code!);
    assert.equal(s.count, 8819);
    assert.ok(Math.abs(s.durationS / 60 - 57.27) < 0.01);
    assert.ok(Math.abs(s.meanRatePerS - 2.566) < 0.001);
    assert.ok(s.gapCv > 10, `gap CV ${s.gapCv}`);
    assert.ok(s.dispersion.every((d) => d.indexOfDispersion > 10));
    assert.deepEqual([s.prompt.p50, s.output.p50], [1469, 13]);
    assert.ok(Math.abs(s.correlation) < 0.01);
  });

  it('conversation: near-Poisson, output depends on the prompt bin, medians 1,020 / 129', { skip: conv ? false : NO_DATA }, () => {
    const s = traceStats(conv!);
    assert.equal(s.count, 19366);
    assert.ok(Math.abs(s.meanRatePerS - 5.530) < 0.001);
    assert.ok(s.gapCv > 1 && s.gapCv < 1.2, `gap CV ${s.gapCv}`);
    assert.deepEqual([s.prompt.p50, s.output.p50], [1020, 129]);
    assert.ok(Math.abs(s.correlation - -0.112) < 0.001);
    const medians = s.promptBins.map((b) => b.output.p50);
    assert.ok(Math.max(...medians) / Math.min(...medians) > 4, `bin medians ${medians}`);
  });
});

describe('embedded preset constants', () => {
  const dir = sharedDataDir();
  const have = dataFile('azure-llm-2023', 'AzureLLMInferenceTrace_code.csv') && dataFile('azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
  it('are exactly what fitAzurePresets computes from the trace files', { skip: have ? false : NO_DATA }, () => {
    const fits = fitAzurePresets(`${dir}/azure-llm-2023`);
    assert.deepEqual(AZURE_CODE_FIT, fits.code);
    assert.deepEqual(AZURE_CONVERSATION_FIT, fits.conversation);
  });
});
