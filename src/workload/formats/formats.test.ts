import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestSpec } from '../../model/request.js';
import { openTrace, summarizeTrace, traceFormatOf } from '../traces.js';
import { parseColumnMap, splitCsvLine } from './columns.js';
import { JsonArraySource } from './jsonScan.js';
import type { FormatOptions } from './registry.js';
import { countTokens } from './tokenizer.js';

/** Fixtures are generated here, never real data. */
const dir = mkdtempSync(join(tmpdir(), 'gaps-formats-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function readAll(path: string, o: FormatOptions = {}): RequestSpec[] {
  return [...openTrace(path, o)].map((r) => ({ ...r }));
}

test('BurstGPT CSV: detected by its header, seconds relative to the first row, zero responses counted', () => {
  const p = file('burst.csv', 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n45.5,ChatGPT,1087,0,1087,Conversation log\n118,GPT-4,417,276,693,API log\n');
  assert.equal(traceFormatOf(p), 'burstgpt');
  const rs = readAll(p);
  assert.deepEqual(rs.map((r) => [r.arrival, r.promptTokens, r.outputTokens]), [[0, 472, 18], [40.5, 1087, 1], [113, 417, 276]]);
  const s = summarizeTrace(p);
  assert.equal(s.zeroOutputRows, 1);
  assert.equal(s.format, 'burstgpt');
});

test('generic CSV with a mapping and a time unit; quoted fields; bad rows name file, line and field', () => {
  const p = file('my.csv', 'req,ts,"in",out,note\n1,1000,10,20,"a, quoted ""note"""\n2,1500,30,40,x\n3,2250,5,6,y\n');
  assert.throws(() => traceFormatOf(p), (e: Error) => /cannot tell the format/.test(e.message) && /--trace-columns arrival=/.test(e.message) && /burstgpt/.test(e.message));
  const o = { columns: 'arrival=ts,prompt=in,output=out', timeUnit: 'ms' };
  assert.equal(traceFormatOf(p, 'workload.trace', o), 'csv');
  assert.deepEqual(readAll(p, o).map((r) => [r.arrival, r.promptTokens, r.outputTokens]), [[0, 10, 20], [0.5, 30, 40], [1.25, 5, 6]]);
  const bad = file('bad.csv', 'ts,in,out\n1,10,20\n2,ten,20\n');
  assert.throws(() => readAll(bad, { columns: 'arrival=ts,prompt=in,output=out' }), (e: Error) => e.message.startsWith(`${bad}:3: field 'in'`));
  assert.throws(() => readAll(bad, { columns: 'arrival=time,prompt=in,output=out' }), /field 'header': no column for arrival=time; the header has: 'ts', 'in', 'out'/);
  assert.throws(() => parseColumnMap('arrival=ts,prompt=in'), /output=COLUMN is missing/);
  assert.throws(() => parseColumnMap('arrival=ts,prompt=in,output=out,foo=bar'), /'foo=bar' is not FIELD=COLUMN/);
  assert.deepEqual(splitCsvLine('a,"b,c",,"d""e"'), ['a', 'b,c', '', 'd"e']);
  // Timestamps work as arrival values too (pandas writes them).
  const ts = file('ts.csv', 'when,p,o\n2024-01-01 00:00:00,3,4\n2024-01-01 00:00:02.5,3,4\n');
  assert.deepEqual(readAll(ts, { columns: 'arrival=when,prompt=p,output=o' }).map((r) => r.arrival), [0, 2.5]);
});

test('generic JSONL with a mapping', () => {
  const p = file('my.jsonl', '{"t": 10, "p": 100, "o": 7}\n{"t": 12.5, "p": 200, "o": "8"}\n');
  const o = { columns: 'arrival=t,prompt=p,output=o' };
  assert.equal(traceFormatOf(p, 'workload.trace', o), 'jsonl');
  assert.deepEqual(readAll(p, o).map((r) => [r.arrival, r.promptTokens, r.outputTokens]), [[0, 100, 7], [2.5, 200, 8]]);
  const bad = file('bad.jsonl', '{"t": 1, "p": 1, "o": 1}\n{"t": 2, "p": -4, "o": 1}\n');
  assert.throws(() => readAll(bad, o), (e: Error) => e.message.startsWith(`${bad}:2: field 'p'`));
});

test('ShareGPT JSON: first exchange, tokens counted, streamed across chunk boundaries', () => {
  const convs = Array.from({ length: 3000 }, (_, i) => ({
    id: `c${i}`,
    conversations: [
      { from: 'human', value: `Question ${i}: what is [x] in {"json"} \\ "quotes"? ${'word '.repeat(i % 40)}` },
      { from: 'gpt', value: `Answer ${i} é ✓ ${'token '.repeat(i % 25)}` },
      { from: 'human', value: 'ignored third turn' },
    ],
  }));
  convs.push({ id: 'single', conversations: [{ from: 'human', value: 'only a prompt' }] } as never);
  const p = file('sharegpt.json', JSON.stringify(convs, null, 2));
  assert.equal(traceFormatOf(p), 'sharegpt');
  const rs = readAll(p);
  assert.equal(rs.length, 3001);
  assert.equal(rs[7]!.promptTokens, countTokens(convs[7]!.conversations[0]!.value));
  assert.equal(rs[2999]!.outputTokens, countTokens(convs[2999]!.conversations[1]!.value));
  assert.equal(rs[3000]!.outputTokens, 1, 'one turn: output 0 raised to 1');
  assert.ok(rs.every((r) => r.arrival === 0), 'no times in the file: all arrive at 0');
  const bad = file('bad-sharegpt.json', '[\n{"conversations": [{"from": "human", "value": "hi"}]},\n{"conversations": [{"from": "human", "value": 42}]}\n]');
  assert.throws(() => readAll(bad), (e: Error) => e.message.startsWith(`${bad}:3: field 'conversations[0].value'`));
});

test('vLLM result JSON: input_lens and output_lens side by side, start_times when present', () => {
  const result = { date: '20250101-000000', backend: 'vllm', duration: 10.5, completed: 3, input_lens: [100, 200, 300], output_lens: [10, 0, 30], ttfts: [0.1, 0.2, 0.3], generated_texts: ['a ] } {', '', '"x"'], errors: ['', 'boom', ''] };
  const p = file('vllm.json', JSON.stringify(result));
  assert.equal(traceFormatOf(p), 'vllm-result');
  assert.deepEqual(readAll(p).map((r) => [r.arrival, r.promptTokens, r.outputTokens]), [[0, 100, 10], [0, 200, 1], [0, 300, 30]]);
  const timed = file('vllm-timed.json', JSON.stringify({ ...result, start_times: [1000.5, 1001, 1003.25] }, null, 4));
  assert.deepEqual(readAll(timed).map((r) => r.arrival), [0, 0.5, 2.75]);
  const short = file('vllm-short.json', JSON.stringify({ ...result, output_lens: [1, 2] }));
  assert.throws(() => readAll(short), /field 'output_lens': ends after 2 elements/);
  const bad = file('vllm-bad.json', JSON.stringify({ ...result, input_lens: [1, 'x', 3] }));
  assert.throws(() => readAll(bad), /field 'input_lens\[1\]': expected a non-negative integer, got "x"/);
});

test('the JSON scanner: nested values, escapes and a document split anywhere', () => {
  const doc = { skip: { a: [1, { b: '[{' }], c: 'x\\"]' }, items: [1, 'two', { three: [3] }, null, -4.5e2, 'é'.repeat(70000)], tail: [9] };
  const p = file('scan.json', JSON.stringify(doc));
  const src = new JsonArraySource(p, 'items');
  const got: unknown[] = [];
  for (let t = src.next(); t !== undefined; t = src.next()) got.push(JSON.parse(t));
  assert.deepEqual(got, doc.items);
  assert.equal(new JsonArraySource(p, 'absent').next(), undefined);
  const broken = file('broken.json', '[\n{"a": 1},\n{"a": 2}');
  const b = new JsonArraySource(broken);
  b.next();
  b.next();
  assert.throws(() => b.next(), /broken\.json:3: .*got the end of the file/);
});

test("our own requests.csv reads back as a trace; forcing an unknown format lists the valid ones", () => {
  const p = file('requests.csv', 'id,arrival_s,prompt_tokens,output_tokens,type,instance,state\n0,0.25,100,20,conversation,0,done\n1,0.75,50,5,code,1,rejected\n');
  assert.equal(traceFormatOf(p), 'gaps-requests');
  assert.deepEqual(readAll(p).map((r) => [r.arrival, r.promptTokens, r.type]), [[0, 100, 'conversation'], [0.5, 50, 'code']], 'each row keeps its type');
  assert.deepEqual(readAll(p, { type: 'x' }).map((r) => r.type), ['x', 'x'], '--trace-type overrides the column');
  const many = file('many.csv', `t,p,o,k\n${Array.from({ length: 300 }, (_, i) => `${i},1,1,type${i}`).join('\n')}\n`);
  assert.throws(() => readAll(many, { columns: 'arrival=t,prompt=p,output=o,type=k' }), (e: Error) => e.message.startsWith(`${many}:258: field 'k': more than 256 distinct`));
  const j = file('typed.jsonl', '{"t": 0, "p": 1, "o": 1, "kind": "a"}\n{"t": 1, "p": 1, "o": 1, "kind": "b"}\n');
  assert.deepEqual(readAll(j, { columns: 'arrival=t,prompt=p,output=o,type=kind' }).map((r) => r.type), ['a', 'b']);
  assert.throws(() => traceFormatOf(p, 'workload.trace', { format: 'parquet' }), /unknown trace format 'parquet'; valid: azure, burstgpt/);
  assert.throws(() => openTrace(p, { format: 'csv' }), /needs a column mapping/);
});
