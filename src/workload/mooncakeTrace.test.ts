import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InputError } from '../core/errors.js';
import { MooncakeTraceReader } from './mooncakeTrace.js';
import { dataFile, NO_DATA, take, tempFiles } from './testSupport.js';

const row = (ts: number, inp: number, out: number, hashes = '[0, 1]'): string =>
  `{"timestamp": ${ts}, "input_length": ${inp}, "output_length": ${out}, "hash_ids": ${hashes}}`;

describe('MooncakeTraceReader on small files', () => {
  const t = tempFiles({
    'conversation_trace.jsonl': `${row(1000, 600, 20)}\n\n${row(1000, 700, 0, '[0, 2]')}\r\n${row(4500, 30, 5, '[]')}`,
    'other.jsonl': `{"timestamp": 0, "input_length": 10, "output_length": 3}\n`,
    'bad_json.jsonl': `${row(0, 1, 1)}\n${row(1, 1, 1)}\n{"timestamp": 2, "input_length": 1,\n`,
    'not_object.jsonl': '[1, 2, 3]\n',
    'bad_input.jsonl': `${row(0, 1, 1)}\n{"timestamp": 1, "input_length": "many", "output_length": 1}\n`,
    'missing_output.jsonl': '{"timestamp": 1, "input_length": 3}\n',
    'fraction.jsonl': '{"timestamp": 1, "input_length": 3, "output_length": 2.5}\n',
    'bad_hash.jsonl': `${row(0, 1, 1, '[0, "x"]')}\n`,
    'hash_not_array.jsonl': `${row(0, 1, 1, '7')}\n`,
    'bad_time.jsonl': '{"timestamp": -5, "input_length": 3, "output_length": 2}\n',
    'unsorted.jsonl': `${row(2000, 1, 1)}\n${row(1000, 1, 1)}\n`,
  });
  after(t.cleanup);

  it('reads rows: ms timestamps relative to the first row, hash_ids as prefixHashes, blank lines and CRLF', () => {
    const r = new MooncakeTraceReader(t.path('conversation_trace.jsonl'));
    const rows = take(r);
    assert.deepEqual(
      rows.map((x) => [x.arrival, x.promptTokens, x.outputTokens, x.type, x.prefixHashes]),
      [
        [0, 600, 20, 'conversation', [0, 1]],
        [0, 700, 1, 'conversation', [0, 2]],
        [3.5, 30, 5, 'conversation', []],
      ],
    );
    assert.equal(r.zeroOutputRows, 1);
  });

  it('hash_ids is optional; the type falls back to mooncake', () => {
    const [x] = take(new MooncakeTraceReader(t.path('other.jsonl')));
    assert.equal(x!.prefixHashes, undefined);
    assert.equal(x!.type, 'mooncake');
  });

  const cases: [string, RegExp][] = [
    ['bad_json.jsonl', /:3: field '\(json\)': invalid JSON: /],
    ['not_object.jsonl', /:1: field '\(json\)': expected a JSON object, got '\[1, 2, 3\]'$/],
    ['bad_input.jsonl', /:2: field 'input_length': expected a non-negative integer, got "many"$/],
    ['missing_output.jsonl', /:1: field 'output_length': expected a non-negative integer, got nothing \(field missing\)$/],
    ['fraction.jsonl', /:1: field 'output_length': expected a non-negative integer, got 2.5$/],
    ['bad_hash.jsonl', /:1: field 'hash_ids': element 1: expected an integer, got "x"$/],
    ['hash_not_array.jsonl', /:1: field 'hash_ids': expected an array of integers, got 7$/],
    ['bad_time.jsonl', /:1: field 'timestamp': expected a non-negative number of milliseconds, got -5$/],
    ['unsorted.jsonl', /:2: field 'timestamp': rows must be sorted by time: this row is 1.00000 s before the previous row$/],
  ];
  for (const [file, pattern] of cases) {
    it(`${file}: InputError names file, line and field`, () => {
      const path = t.path(file);
      assert.throws(
        () => take(new MooncakeTraceReader(path)),
        (e: unknown) => e instanceof InputError && e.message.startsWith(`${path}:`) && pattern.test(e.message),
      );
    });
  }
});

describe('MooncakeTraceReader on the real traces', () => {
  for (const [file, count, type] of [
    ['conversation_trace.jsonl', 12031, 'conversation'],
    ['synthetic_trace.jsonl', 3993, 'synthetic'],
  ] as const) {
    const path = dataFile('mooncake', file);
    it(`${file}: ${count} rows, one 512-token hash block per started block`, { skip: path ? false : NO_DATA }, () => {
      const rows = take(new MooncakeTraceReader(path!));
      assert.equal(rows.length, count);
      assert.equal(rows[0]!.arrival, 0);
      for (const r of rows) {
        assert.equal(r.type, type);
        assert.equal(r.prefixHashes!.length, Math.ceil(r.promptTokens / 512));
      }
    });
  }
});
