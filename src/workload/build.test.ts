import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ConfigError, InputError } from '../core/errors.js';
import type { RequestSpec } from '../model/request.js';
import { buildWorkload, type WorkloadOptions } from './build.js';
import { countDispersion } from './traceStats.js';
import { dataFile, gapMoments, median, NO_DATA, take, tempFiles } from './testSupport.js';

function within(actual: number, expected: number, relTol: number, what: string): void {
  assert.ok(Math.abs(actual / expected - 1) <= relTol, `${what}: ${actual} vs ${expected} (±${relTol * 100}%)`);
}

function assertWellFormed(rs: readonly RequestSpec[]): void {
  let prev = 0;
  for (const r of rs) {
    assert.ok(r.arrival >= prev, 'arrivals never decrease');
    assert.ok(Number.isInteger(r.promptTokens) && r.promptTokens >= 1 && Number.isInteger(r.outputTokens) && r.outputTokens >= 1);
    prev = r.arrival;
  }
}

const rateOf = (rs: readonly RequestSpec[]): number => (rs.length - 1) / (rs[rs.length - 1]!.arrival - rs[0]!.arrival);

function outputMedianForPrompts(rs: readonly RequestSpec[], lo: number, hi: number): number {
  return median(rs.filter((r) => r.promptTokens >= lo && r.promptTokens < hi).map((r) => r.outputTokens));
}

describe('presets reproduce the Azure 2023 traces', () => {
  const n = 100_000;
  const code = take(buildWorkload({ preset: 'azure-code', numRequests: n }, 1).make());
  const conv = take(buildWorkload({ preset: 'azure-conversation', numRequests: n }, 1).make());

  it('azure-code: medians 1,469 / 13, output independent of prompt length', () => {
    assert.equal(code.length, n);
    assertWellFormed(code);
    within(median(code.map((r) => r.promptTokens)), 1469, 0.02, 'prompt median');
    assert.ok(Math.abs(median(code.map((r) => r.outputTokens)) - 13) <= 1);
    for (const [lo, hi] of [[1, 512], [512, 2048], [2048, 1e9]] as const) {
      assert.ok(Math.abs(outputMedianForPrompts(code, lo, hi) - 13) <= 1.5, `output median for prompts in [${lo}, ${hi})`);
    }
    assert.ok(code.every((r) => r.type === 'code' && r.promptTokens <= 7437 && r.outputTokens <= 1899));
  });

  it('azure-code: arrives in on/off bursts at the trace mean rate', () => {
    const times = code.map((r) => r.arrival);
    assert.ok(gapMoments(times).cv > 6, `gap CV ${gapMoments(times).cv}`);
    const tenSeconds = countDispersion(times, 10);
    assert.ok(tenSeconds.emptyFraction > 0.4, `empty 10 s windows ${tenSeconds.emptyFraction}`);
    assert.ok(tenSeconds.indexOfDispersion > 30, `IDC(10 s) ${tenSeconds.indexOfDispersion}`);
    within(rateOf(code), 2.5664, 0.12, 'mean rate'); // bursty: 4 standard errors at IDC 170
  });

  it('azure-conversation: medians 1,020 / 129, output depends on the prompt bin, near-Poisson', () => {
    assertWellFormed(conv);
    within(median(conv.map((r) => r.promptTokens)), 1020, 0.02, 'prompt median');
    within(median(conv.map((r) => r.outputTokens)), 129, 0.05, 'output median');
    within(outputMedianForPrompts(conv, 256, 512), 93, 0.1, 'output median, prompts 256-511');
    within(outputMedianForPrompts(conv, 1024, 2048), 396, 0.05, 'output median, prompts 1024-2047');
    const m = gapMoments(conv.map((r) => r.arrival));
    within(m.cv, 1.094, 0.05, 'gap CV');
    within(1 / m.meanGap, 5.530, 0.02, 'mean rate');
  });

  it('stats agree with what the stream produces', () => {
    for (const [preset, rs] of [['azure-code', code], ['azure-conversation', conv]] as const) {
      const st = buildWorkload({ preset }, 1).stats;
      within(rs.reduce((s, r) => s + r.promptTokens, 0) / rs.length, st.meanPromptTokens, 0.02, `${preset} mean prompt`);
      within(rs.reduce((s, r) => s + r.outputTokens, 0) / rs.length, st.meanOutputTokens, 0.04, `${preset} mean output`);
    }
  });

  it('azure-mixed interleaves both types in proportion to their rates, code still bursty', () => {
    const h = buildWorkload({ preset: 'azure-mixed', numRequests: 50_000 }, 2);
    assert.deepEqual(h.stats.types, ['code', 'conversation']);
    within(h.stats.meanRatePerS, 2.5664 + 5.53014, 1e-9, 'mean rate');
    const rs = take(h.make());
    assertWellFormed(rs);
    const codeTimes = rs.filter((r) => r.type === 'code').map((r) => r.arrival);
    assert.ok(gapMoments(codeTimes).cv > 6, 'the code part keeps its bursts');
    // With Poisson arrivals the share is binomial, so a tight check of the proportion is possible.
    const poisson = take(buildWorkload({ preset: 'azure-mixed', arrival: 'poisson', numRequests: 50_000 }, 2).make());
    within(poisson.filter((r) => r.type === 'code').length / poisson.length, 2.5664 / (2.5664 + 5.53014), 0.03, 'code share');
  });

  it('a preset without limits yields as many requests as its source trace', () => {
    assert.equal(take(buildWorkload({ preset: 'azure-code' }, 1).make()).length, 8819);
  });
});

describe('rate overrides and limits', () => {
  it('make(rate) sets the mean rate of synthetic arrivals', () => {
    const h = buildWorkload({ preset: 'azure-conversation', numRequests: 50_000 }, 3);
    within(rateOf(take(h.make(20))), 20, 0.03, 'conversation at 20 req/s');
    within(rateOf(take(buildWorkload({ preset: 'azure-conversation', rate: 9, numRequests: 50_000 }, 3).make())), 9, 0.03, 'rate option');
    const code = buildWorkload({ preset: 'azure-code', numRequests: 200_000 }, 3);
    within(rateOf(take(code.make(10))), 10, 0.12, 'code at 10 req/s');
  });

  it("a preset's own arrivals are time-scaled by a rate override: same requests, times x natural/rate", () => {
    for (const preset of ['azure-code', 'azure-conversation', 'azure-mixed']) {
      const h = buildWorkload({ preset, numRequests: 3000 }, 9);
      const base = take(h.make());
      const fast = take(h.make(h.stats.meanRatePerS * 4));
      assert.deepEqual(fast.map((r) => [r.promptTokens, r.outputTokens, r.type]), base.map((r) => [r.promptTokens, r.outputTokens, r.type]));
      fast.forEach((r, i) => assert.ok(Math.abs(r.arrival * 4 - base[i]!.arrival) <= 1e-9 * (1 + base[i]!.arrival), `${preset} #${i}`));
    }
  });

  it('durationS stops at the first arrival after it; numRequests after N', () => {
    const rs = take(buildWorkload({ preset: 'azure-conversation', durationS: 100 }, 4).make());
    assert.ok(rs.length > 400 && rs[rs.length - 1]!.arrival <= 100);
    const more = take(buildWorkload({ preset: 'azure-conversation', numRequests: rs.length + 1 }, 4).make());
    assert.ok(more[rs.length]!.arrival > 100, 'the next request is the first after 100 s');
    assert.equal(take(buildWorkload({ preset: 'azure-code', numRequests: 7 }, 4).make()).length, 7);
  });

  it('arrival and length overrides on a preset', () => {
    const rs = take(buildWorkload({ preset: 'azure-code', arrival: 'poisson', prompt: 'fixed:100', output: 'lognormal:50,0.5', numRequests: 20_000 }, 5).make());
    assert.ok(rs.every((r) => r.promptTokens === 100));
    within(median(rs.map((r) => r.outputTokens)), 50, 0.03, 'output median');
    within(gapMoments(rs.map((r) => r.arrival)).cv, 1, 0.05, 'Poisson gap CV');
    const bursty = take(buildWorkload({ preset: 'azure-conversation', arrival: 'onoff', numRequests: 20_000 }, 5).make());
    assert.ok(gapMoments(bursty.map((r) => r.arrival)).cv > 3);
  });

  it('generates lazily: a practically endless stream yields its first request at once; 1,000,000 stream through', () => {
    const endless = buildWorkload({ preset: 'azure-mixed', durationS: 1e12 }, 6).make();
    assert.equal(endless.next().done, false);
    const w = buildWorkload({ preset: 'azure-conversation', numRequests: 1_000_000 }, 6).make();
    let count = 0;
    let prev = 0;
    for (let r = w.next(); !r.done; r = w.next()) {
      if (r.value.arrival < prev) assert.fail('out of order');
      prev = r.value.arrival;
      count++;
    }
    assert.equal(count, 1_000_000);
  });
});

describe('determinism', () => {
  const first = (opts: WorkloadOptions, seed: number) => take(buildWorkload(opts, seed).make(), 2000);
  for (const preset of ['azure-code', 'azure-conversation', 'azure-mixed']) {
    it(`${preset}: same seed => same stream, different seed => different stream`, () => {
      assert.deepEqual(first({ preset }, 42), first({ preset }, 42));
      const h = buildWorkload({ preset }, 42);
      assert.deepEqual(take(h.make(), 500), take(h.make(), 500), 'make() twice gives the same stream');
      assert.notDeepEqual(first({ preset }, 42), first({ preset }, 43));
    });
  }
});

describe('traces through buildWorkload', () => {
  const t = tempFiles({
    'AzureLLMInferenceTrace_code.csv': ['TIMESTAMP,ContextTokens,GeneratedTokens', ...Array.from({ length: 101 }, (_, i) => `2023-11-16 18:00:${String(Math.floor(i / 2)).padStart(2, '0')}.${i % 2 ? '5' : '0'},${10 + i},${i % 7}`)].join('\n'),
    'trace.jsonl': Array.from({ length: 20 }, (_, i) => `{"timestamp": ${i * 500}, "input_length": 600, "output_length": 9, "hash_ids": [0, ${i + 1}]}`).join('\n'),
    'bad.csv': 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,1,x\n',
    'one.csv': 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,4,5\n',
  });
  after(t.cleanup);
  const csv = t.path('AzureLLMInferenceTrace_code.csv');

  it('replays with stats from one pass, counting raised zeros', () => {
    const h = buildWorkload({ trace: csv }, 1);
    const rs = take(h.make());
    assert.equal(rs.length, 101);
    assert.equal(rs[100]!.arrival, 50);
    assert.equal(h.stats.meanRatePerS, 2);
    assert.deepEqual(h.stats.types, ['code']);
    assert.equal(h.stats.meanPromptTokens, 60);
    assert.match(h.description, /15 rows with 0 output tokens raised to 1/);
  });

  it('rate scaling compresses timestamps; limits apply in scaled time', () => {
    const h = buildWorkload({ trace: csv, traceType: 'mine' }, 1);
    const rs = take(h.make(8));
    assert.equal(rs[100]!.arrival, 12.5);
    assert.ok(rs.every((r) => r.type === 'mine'));
    assert.equal(take(buildWorkload({ trace: csv, durationS: 10, rate: 4 }, 1).make()).length, 41);
  });

  it('synthetic arrivals and length overrides on a trace; prefix hashes are dropped with a new prompt', () => {
    const jsonl = t.path('trace.jsonl');
    const kept = take(buildWorkload({ trace: jsonl, output: 'fixed:3' }, 1).make());
    assert.ok(kept.every((r) => r.prefixHashes?.length === 2 && r.outputTokens === 3 && r.promptTokens === 600));
    const replaced = take(buildWorkload({ trace: jsonl, prompt: 'fixed:50', arrival: 'gamma:0.5' }, 1).make());
    assert.ok(replaced.every((r) => r.prefixHashes === undefined && r.promptTokens === 50 && r.outputTokens === 9));
    assert.notEqual(replaced[5]!.arrival, 2.5);
  });

  it('a trace spanning no time replays, but cannot be rate-scaled', () => {
    const one = t.path('one.csv');
    assert.equal(take(buildWorkload({ trace: one }, 1).make()).length, 1);
    assert.throws(() => buildWorkload({ trace: one }, 1).make(3), (e: unknown) => e instanceof ConfigError && /cannot be rate-scaled/.test(e.message));
    assert.throws(() => buildWorkload({ trace: one, arrival: 'poisson' }, 1).make(), (e: unknown) => e instanceof ConfigError && /give workload.rate/.test(e.message));
    assert.equal(take(buildWorkload({ trace: one, arrival: 'poisson', rate: 2 }, 1).make()).length, 1);
  });

  it('malformed trace rows surface as InputError at build time', () => {
    assert.throws(() => buildWorkload({ trace: t.path('bad.csv') }, 1), (e: unknown) => e instanceof InputError && /bad\.csv:2: field 'GeneratedTokens'/.test(e.message));
  });

  const mooncake = dataFile('mooncake', 'conversation_trace.jsonl');
  it('the real Mooncake conversation trace replays at a scaled rate', { skip: mooncake ? false : NO_DATA }, () => {
    const h = buildWorkload({ trace: mooncake! }, 1);
    const rs = take(h.make(h.stats.meanRatePerS * 2));
    assert.equal(rs.length, 12031);
    within(rateOf(rs), h.stats.meanRatePerS * 2, 1e-9, 'doubled rate');
  });
});

describe('validation', () => {
  const cases: [WorkloadOptions, string][] = [
    [{ preset: 'azure' }, "workload.preset: unknown preset 'azure'; valid: azure-code, azure-conversation, azure-mixed, sharegpt, alpaca"],
    [{ arrival: 'bursty' }, "workload.arrival: unknown arrival process 'bursty'; valid: poisson, gamma, onoff, trace"],
    [{ arrival: 'gamma:0' }, "workload.arrival: 'gamma:0': CV must be > 0, got '0'"],
    [{ arrival: 'trace' }, "workload.arrival: 'trace' replays a trace file and needs workload.trace; a preset takes poisson, gamma:CV or onoff"],
    [{ prompt: 'uniform:1,5' }, "workload.prompt: unknown length distribution 'uniform'; valid: fixed, lognormal, lognormal-mu, pareto"],
    [{ output: 'fixed:-3' }, "workload.output: 'fixed:-3': N must be an integer >= 1, got '-3'"],
    [{ rate: -1 }, 'workload.rate: expected a rate > 0 req/s, got -1'],
    [{ rate: 0 }, 'workload.rate: expected a rate > 0 req/s, got 0'],
    [{ numRequests: 0 }, 'workload.numRequests: expected an integer >= 1, got 0'],
    [{ durationS: -5 }, 'workload.durationS: expected a number > 0, got -5'],
    [{ traceType: 'x' }, 'workload.traceType: applies only with workload.trace'],
    [{ trace: '/nonexistent/AzureLLMInferenceTrace_code.csv' }, "workload.trace: file not found: '/nonexistent/AzureLLMInferenceTrace_code.csv'"],
    [{ trace: '/tmp/trace.parquet' }, "workload.trace: cannot tell the trace format of '/tmp/trace.parquet'; expected a file ending in .csv (azure) or .jsonl (mooncake)"],
    [{ trace: '/nonexistent/a.csv', preset: 'azure-code' }, "workload.preset and workload.trace are exclusive; give one\nworkload.trace: file not found: '/nonexistent/a.csv'"],
    [
      { preset: 'x', rate: -1, numRequests: 2.5, prompt: 'fixed:0', arrival: 'gamma' },
      [
        'workload.rate: expected a rate > 0 req/s, got -1',
        'workload.numRequests: expected an integer >= 1, got 2.5',
        "workload.prompt: 'fixed:0': N must be an integer >= 1, got '0'",
        "workload.preset: unknown preset 'x'; valid: azure-code, azure-conversation, azure-mixed, sharegpt, alpaca",
        "workload.arrival: 'gamma': expected CV, got 0 value(s)",
      ].join('\n'),
    ],
  ];
  for (const [opts, message] of cases) {
    it(`${JSON.stringify(opts)} => ConfigError`, () => {
      assert.throws(() => buildWorkload(opts, 1), (e: unknown) => e instanceof ConfigError && e.message === message);
    });
  }

  it('make(rate) rejects a bad rate', () => {
    const h = buildWorkload({}, 1);
    assert.throws(() => h.make(-2), (e: unknown) => e instanceof ConfigError && e.message === 'rate: expected a rate > 0 req/s, got -2');
    assert.throws(() => h.make(Number.NaN), ConfigError);
  });
});
