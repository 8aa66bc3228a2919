import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulateConfig } from '../run/config.js';
import { runSimulation } from '../run/simulate.js';
import { activeSlos } from '../sim/slo.js';
import { requestRecords } from './requestRecords.js';
import { parseGoodput, parsePercentiles, vllmMetrics } from './vllm.js';

function run(): ReturnType<typeof runSimulation> {
  const requests = Array.from({ length: 300 }, (_, i) => ({ arrival: i * 0.02, promptTokens: 50 + ((i * 37) % 900), outputTokens: 1 + ((i * 53) % 300), type: 't' }));
  return runSimulation(parseSimulateConfig({ instances: 2, seed: 2 }), { requests });
}

/** numpy's percentile (linear) and population std, written out the slow way. */
function naive(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * (p / 100);
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo]! + (h - lo) * (s[lo + 1]! - s[lo]!) : s[lo]!;
}

test("vLLM's field names and units agree with the per-request records", () => {
  const out = run();
  const m = vllmMetrics(out.result, { percentiles: [50, 90, 99.9], goodput: { ttftMs: 200, e2elMs: 8000 } });
  const recs = requestRecords(out.result).filter((r) => r.state === 'done');
  assert.equal(m.completed, recs.length);
  assert.equal(m.failed, 0);
  assert.equal(m.total_input_tokens, recs.reduce((s, r) => s + r.promptTokens, 0));
  assert.equal(m.total_output_tokens, recs.reduce((s, r) => s + r.outputTokens, 0));
  const ttft = recs.map((r) => r.ttftS * 1000);
  const close = (a: unknown, b: number): void => assert.ok(typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${String(a)} vs ${b}`);
  close(m.mean_ttft_ms, ttft.reduce((s, x) => s + x, 0) / ttft.length);
  close(m.median_ttft_ms, naive(ttft, 50));
  close(m['p99.9_ttft_ms'], naive(ttft, 99.9));
  close(m.max_ttft_ms, Math.max(...ttft));
  const mean = ttft.reduce((s, x) => s + x, 0) / ttft.length;
  close(m.std_ttft_ms, Math.sqrt(ttft.reduce((s, x) => s + (x - mean) ** 2, 0) / ttft.length));
  const tpot = recs.filter((r) => r.outputTokens > 1).map((r) => r.tpotS * 1000);
  close(m.p90_tpot_ms, naive(tpot, 90));
  const good = recs.filter((r) => r.ttftS * 1000 <= 200 && r.e2eS * 1000 <= 8000).length;
  close(m.request_goodput, good / (m.duration as number));
  assert.ok(good > 0 && good < recs.length, 'the targets separate good from bad requests here');
  assert.deepEqual(m.goodput_targets_ms, { ttft: 200, e2el: 8000 });
  assert.ok((m.mean_itl_ms as number) > 0 && (m.max_itl_ms as number) >= (m.p90_itl_ms as number));
});

test('percentile and goodput flags: parsed as vLLM writes them, mistakes named', () => {
  assert.deepEqual(parsePercentiles('50,90,99,99.9'), [50, 90, 99, 99.9]);
  assert.throws(() => parsePercentiles('50,101'), /--percentiles.*'101'/);
  assert.deepEqual(parseGoodput(['ttft:100', 'tpot:20', 'e2el:3000']), { ttftMs: 100, tpotMs: 20, e2elMs: 3000 });
  assert.throws(() => parseGoodput(['itl:5']), /--goodput.*'itl:5'/);
  assert.throws(() => parseGoodput(['ttft:-1']), /--goodput/);
});

test('setting one SLO keeps the default end-to-end slack (issue 17 item 8); every active SLO is listed', () => {
  assert.equal(parseSimulateConfig({ slo: { ttftS: 0.1 } }).slo.e2eSlack, 5);
  assert.equal(parseSimulateConfig({ slo: {} }).slo.e2eSlack, 5);
  assert.equal(parseSimulateConfig({}).slo.e2eSlack, 5);
  assert.deepEqual(activeSlos(parseSimulateConfig({ slo: { ttftS: 0.1 } }).slo), { ttftS: 0.1, e2eSlack: 5 });
  // GAPS's calibrated deadline is an end-to-end deadline: it takes the slack's place unless both are given.
  assert.equal(parseSimulateConfig({ slo: { deadline: 'gaps' } }).slo.e2eSlack, undefined);
  assert.deepEqual(activeSlos(parseSimulateConfig({ slo: { deadline: 'gaps' } }).slo), { deadline: 'gaps', deadlineSlack: 5 });
  assert.equal(parseSimulateConfig({ slo: { deadline: 'gaps', e2eSlack: 4 } }).slo.e2eSlack, 4);
  const requests = Array.from({ length: 200 }, (_, i) => ({ arrival: i * 0.01, promptTokens: 800, outputTokens: 200, type: 't' }));
  const base = runSimulation(parseSimulateConfig({ instances: 1 }), { requests }).summary;
  const withTtft = runSimulation(parseSimulateConfig({ instances: 1, slo: { ttftS: 1000 } }), { requests }).summary;
  assert.ok(base.sloViolationRate > 0, 'overloaded: the slack SLO is violated');
  assert.equal(withTtft.sloViolationRate, base.sloViolationRate, 'a loose TTFT target does not drop the slack');
  assert.deepEqual(withTtft.slo, { ttftS: 1000, e2eSlack: 5 });
});
