import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from './cliSupport.js';

/** Issue 13's "done when": every trace format simulates with `gaps simulate --trace ... --json`. */
const gaps = (...args: string[]): CliRun => runCli(args);

test('BurstGPT, ShareGPT, vLLM result, mapped CSV and our requests.csv each simulate; --metrics vllm prints vLLM names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-traces-'));
  try {
    const w = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const burst = w('burst.csv', `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n${Array.from({ length: 40 }, (_, i) => `${i * 0.7},ChatGPT,${100 + i * 13},${20 + (i % 9) * 11},0,Conversation log`).join('\n')}\n`);
    const share = w('sg.json', JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ id: String(i), conversations: [{ from: 'human', value: `Tell me about ${i}. `.repeat(1 + (i % 5)) }, { from: 'gpt', value: 'Sure, here it is. '.repeat(2 + (i % 7)) }] }))));
    const vllm = w('vllm.json', JSON.stringify({ backend: 'vllm', completed: 25, input_lens: Array.from({ length: 25 }, (_, i) => 64 + i * 10), output_lens: Array.from({ length: 25 }, (_, i) => 16 + i) }));
    const csv = w('mine.csv', `ts_ms,in,out\n${Array.from({ length: 30 }, (_, i) => `${1000 + i * 250},${50 + i},${10 + i}`).join('\n')}\n`);
    const cases: [string, string[]][] = [
      ['burstgpt', ['--trace', burst]],
      ['sharegpt', ['--trace', share, '--arrival', 'poisson', '--rate', '4']],
      ['vllm-result', ['--trace', vllm]],
      ['csv', ['--trace', csv, '--trace-columns', 'arrival=ts_ms,prompt=in,output=out', '--trace-time-unit', 'ms']],
    ];
    for (const [name, args] of cases) {
      const r = gaps('simulate', ...args, '--instances', '2', '--json');
      assert.equal(r.code, 0, `${name}: ${r.err}`);
      const s = JSON.parse(r.out);
      assert.ok(s.completed > 0 && s.completed === s.arrived, name);
    }
    // Our own requests.csv, written by --out, reads back as a trace with the same requests.
    const out = join(dir, 'run');
    assert.equal(gaps('simulate', '--trace', burst, '--instances', '2', '--out', out).code, 0);
    const again = gaps('simulate', '--trace', join(out, 'requests.csv'), '--instances', '2', '--json');
    assert.equal(again.code, 0, again.err);
    assert.equal(JSON.parse(again.out).arrived, 40);
    const v = gaps('simulate', '--trace', burst, '--instances', '2', '--metrics', 'vllm', '--percentiles', '50,99.9', '--goodput', 'ttft:500', '--json');
    assert.equal(v.code, 0, v.err);
    const m = JSON.parse(v.out);
    for (const k of ['completed', 'failed', 'duration', 'total_input_tokens', 'total_output_tokens', 'request_throughput', 'request_goodput', 'output_throughput', 'mean_ttft_ms', 'median_ttft_ms', 'std_ttft_ms', 'p50_ttft_ms', 'p99.9_ttft_ms', 'mean_tpot_ms', 'p99.9_itl_ms', 'mean_e2el_ms']) assert.ok(k in m, k);
    assert.deepEqual(m.slo, { e2eSlack: 5 });
    const bad = gaps('simulate', '--trace', csv);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /cannot tell the format .* --trace-columns arrival=/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
