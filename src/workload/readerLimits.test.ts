import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MAX_TOKENS } from '../core/limits.js';
import { AzureTraceReader } from './azureTrace.js';
import { MooncakeTraceReader } from './mooncakeTrace.js';
import { take, tempFiles } from './testSupport.js';

/** Issue 17 items 3, 10, 13 and 15: counts that would wrap, huge fields, duplicate hashes, clear messages. */
const HEAD = 'TIMESTAMP,ContextTokens,GeneratedTokens';
const T0 = '2023-11-16 18:00:00.0000000';

function failure(reader: { next(): unknown }): string {
  try {
    for (;;) if ((reader.next() as { done: boolean }).done) return 'no error';
  } catch (e) {
    assert.equal((e as Error).name, 'InputError', (e as Error).stack);
    return (e as Error).message;
  }
}

describe('trace readers reject counts above the supported range instead of wrapping', () => {
  const t = tempFiles({
    'big_out.csv': `${HEAD}\n${T0},10,1000000000000\n`,
    'wrap.csv': `${HEAD}\n${T0},${2 ** 32 + 100},5\n`,
    'max.csv': `${HEAD}\n${T0},${MAX_TOKENS},${MAX_TOKENS}\n`,
    'digits.csv': `${HEAD}\n${T0},10,12345678901234567890\n`,
    'big.jsonl': '{"timestamp": 0, "input_length": 3000000000, "output_length": 5}\n',
    'inf.jsonl': '{"timestamp": 1e400, "input_length": 3, "output_length": 5}\n',
    'dup.jsonl': '{"timestamp": 0, "input_length": 4096, "output_length": 5, "hash_ids": [7,7,7,7,7,7,7,7]}\n',
    'bom.jsonl': '\uFEFF{"timestamp": 0, "input_length": 3, "output_length": 5}\r\n',
    'cr.csv': `${HEAD}\r\n${T0},10\r,5\r\n`,
    'empty.jsonl': '',
    'huge_field.csv': `${HEAD}\n${'9'.repeat(100_000)},1,1\n`,
  });
  after(t.cleanup);

  it('Azure: 10^12 output tokens and 2^32+100 prompt tokens are errors naming file, line and field', () => {
    assert.match(failure(new AzureTraceReader(t.path('big_out.csv'))), /big_out\.csv:2: field 'GeneratedTokens': 1000000000000 tokens is above the supported maximum of 1073741824/);
    assert.match(failure(new AzureTraceReader(t.path('wrap.csv'))), /wrap\.csv:2: field 'ContextTokens': 4294967396 tokens is above/);
    assert.match(failure(new AzureTraceReader(t.path('digits.csv'))), /field 'GeneratedTokens': 12345678901234567890 tokens is above/);
    const [r] = take(new AzureTraceReader(t.path('max.csv')));
    assert.equal(r?.promptTokens, MAX_TOKENS);
    assert.equal(r?.outputTokens, MAX_TOKENS);
  });

  it('Mooncake: counts above the range, 1e400 timestamps and duplicate hash_ids are malformed lines', () => {
    assert.match(failure(new MooncakeTraceReader(t.path('big.jsonl'))), /big\.jsonl:1: field 'input_length': 3000000000 tokens is above/);
    assert.match(failure(new MooncakeTraceReader(t.path('inf.jsonl'))), /field 'timestamp': .*got a number too large to represent/);
    assert.match(failure(new MooncakeTraceReader(t.path('dup.jsonl'))), /dup\.jsonl:1: field 'hash_ids': element 1: 7 repeats an earlier element/);
  });

  it('a JSONL byte-order mark and CRLF are read; a stray CR is shown, not hidden; an empty file is line 1', () => {
    const [r] = take(new MooncakeTraceReader(t.path('bom.jsonl')));
    assert.equal(r?.promptTokens, 3);
    assert.match(failure(new AzureTraceReader(t.path('cr.csv'))), /cr\.csv:2: field 'ContextTokens': expected a non-negative integer, got '10\\r'/);
  });

  it('an error echoes at most a clipped field, never a whole huge field', () => {
    const m = failure(new AzureTraceReader(t.path('huge_field.csv')));
    assert.match(m, /field 'TIMESTAMP'/);
    assert.ok(m.length < 200, `message of ${m.length} characters`);
  });
});
