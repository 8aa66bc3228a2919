import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyShape, type PerfModel } from '../model/perfModel.js';
import { RequestTable } from '../model/requestTable.js';
import { parseDeployment } from '../perf/presets.js';
import { RooflinePerfModel } from '../perf/roofline.js';
import { LinearPerfModel } from '../perf/linear.js';
import { Rng } from '../kernel/rng.js';
import { SloJudge } from './slo.js';

/** The unloaded latency as first written: both iteration times evaluated on every call. */
function reference(perf: PerfModel, prompt: number, output: number): number {
  const s = emptyShape();
  s.prefillSeqs = 1;
  s.prefillTokens = prompt;
  s.prefillAttnPairs = (prompt * (prompt + 1)) / 2;
  let total = perf.iterationTime(s);
  if (output > 1) {
    s.prefillSeqs = s.prefillTokens = s.prefillPastTokens = s.prefillAttnPairs = 0;
    s.decodeSeqs = 1;
    s.decodeContextTokens = prompt + (output - 1) / 2;
    total += (output - 1) * perf.iterationTime(s);
  }
  return total;
}

test('the memoised unloaded latency is the same double as the direct evaluation', () => {
  const models: PerfModel[] = [new RooflinePerfModel(parseDeployment('llama-2-7b/a100-80gb')), new LinearPerfModel(0.01, 1e-5, 1e-4, 3e-7, 1e-9)];
  for (const perf of models) {
    const judge = new SloJudge(perf, new RequestTable(16), {});
    const rng = new Rng('slo-memo-test');
    const pairs: [number, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      // Small ranges so that keys repeat (memo hits), pairs sharing 2·prompt + output, and some
      // keys past the memo's limit, non-integers and degenerate outputs.
      const r = rng.next();
      const prompt = r < 0.9 ? 1 + Math.floor(rng.next() * 3000) : r < 0.95 ? 600_000 + Math.floor(rng.next() * 1000) : 10.5 + Math.floor(rng.next() * 50);
      const output = Math.floor(rng.next() * 1200) - 2;
      pairs.push([prompt, output]);
      if (i % 3 === 0) pairs.push([prompt + 1, output - 2]);
    }
    for (const [p, o] of pairs) assert.equal(judge.unloadedLatency(p, o), reference(perf, p, o), `${perf.name}: prompt ${p}, output ${o}`);
    // And again, now from the memos.
    for (const [p, o] of pairs) assert.equal(judge.unloadedLatency(p, o), reference(perf, p, o), `${perf.name}: prompt ${p}, output ${o} (memoised)`);
  }
});
