import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InputError } from '../core/errors.js';
import { AzureTraceReader, daysFromCivil, parseAzureTimestamp, type Instant } from './azureTrace.js';
import { dataFile, median, NO_DATA, take, tempFiles } from './testSupport.js';

const HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens';

function parse(text: string): Instant | undefined {
  const out: Instant = { epochSeconds: 0, fraction: 0 };
  return parseAzureTimestamp(text, out) ? out : undefined;
}

describe('parseAzureTimestamp', () => {
  it('parses the 2023 format as UTC with 7 fractional digits', () => {
    const t = parse('2023-11-16 18:17:03.9799600');
    assert.deepEqual(t, { epochSeconds: Date.UTC(2023, 10, 16, 18, 17, 3) / 1000, fraction: 0.97996 });
  });

  it('parses the 2024 format with a zone offset, and without a fraction', () => {
    assert.deepEqual(parse('2024-05-10 00:00:00.009930+00:00'), { epochSeconds: Date.UTC(2024, 4, 10) / 1000, fraction: 0.00993 });
    assert.deepEqual(parse('2024-05-10 00:00:01+00:00'), { epochSeconds: Date.UTC(2024, 4, 10, 0, 0, 1) / 1000, fraction: 0 });
    assert.equal(parse('2024-05-10 02:00:00+02:00')?.epochSeconds, Date.UTC(2024, 4, 10) / 1000);
    assert.equal(parse('2024-05-09T19:00:00-05:00Z'), undefined);
    assert.equal(parse('2024-05-09T19:00:00-05:00')?.epochSeconds, Date.UTC(2024, 4, 10) / 1000);
    assert.equal(parse('2024-05-10T00:00:00Z')?.epochSeconds, Date.UTC(2024, 4, 10) / 1000);
  });

  it('keeps 100 ns differences', () => {
    const a = parse('2023-11-16 18:17:03.9799600')!;
    const b = parse('2023-11-16 18:17:03.9799601')!;
    const diff = b.epochSeconds - a.epochSeconds + (b.fraction - a.fraction);
    assert.ok(Math.abs(diff - 1e-7) < 1e-12, `diff ${diff}`);
  });

  it('rejects malformed and impossible timestamps', () => {
    for (const bad of [
      '',
      'abc',
      '2023-13-01 00:00:00',
      '2023-02-29 00:00:00',
      '2023-04-31 00:00:00',
      '2023-11-16 24:00:00',
      '2023-11-16 18:60:00',
      '2023/11/16 18:17:03',
      '2023-11-16 18:17:03.',
      '2023-11-16 18:17:03.1234567890',
      '2023-11-16 18:17:03.12x',
      '2023-11-16 18:17:03+0100',
    ]) {
      assert.equal(parse(bad), undefined, bad);
    }
    assert.ok(parse('2024-02-29 00:00:00'), 'leap day');
  });

  it('daysFromCivil agrees with Date.UTC over four centuries', () => {
    for (let y = 1900; y <= 2300; y += 7) {
      for (const [m, d] of [[1, 1], [2, 28], [3, 1], [12, 31]] as const) {
        assert.equal(daysFromCivil(y, m, d), Date.UTC(y, m - 1, d) / 86_400_000, `${y}-${m}-${d}`);
      }
    }
  });
});

describe('AzureTraceReader on small files', () => {
  const t = tempFiles({
    'AzureLLMInferenceTrace_code.csv': `${HEADER}\n2023-11-16 18:17:03.9799600,4808,10\n2023-11-16 18:17:04.0319600,3180,8\n2023-11-16 18:17:05.5,7,0`,
    'x_conv_1week.csv': `\uFEFF${HEADER}\r\n2024-05-10 00:00:00.009930+00:00,2162,5\r\n\r\n2024-05-10 00:00:01+00:00,76,15\r\n`,
    'reordered.csv': 'GeneratedTokens,TIMESTAMP,ContextTokens\n3,2023-11-16 18:00:00,5\n',
    'bad_token.csv': `${HEADER}\n2023-11-16 18:17:03,1,1\n2023-11-16 18:17:04,abc,1\n`,
    'bad_time.csv': `${HEADER}\n2023-11-16 18:17:63,1,1\n`,
    'negative.csv': `${HEADER}\n2023-11-16 18:17:03,5,-2\n`,
    'short.csv': `${HEADER}\n2023-11-16 18:17:03,5\n`,
    'long.csv': `${HEADER}\n2023-11-16 18:17:03,5,6,7\n`,
    'header.csv': 'time,prompt,output\n2023-11-16 18:17:03,5,6\n',
    'empty.csv': '',
    'unsorted.csv': `${HEADER}\n2023-11-16 18:17:03,5,6\n2023-11-16 18:17:02.5,5,6\n`,
  });
  after(t.cleanup);

  it('reads rows: arrival in seconds since the first row, type from the file name, no final newline', () => {
    const r = new AzureTraceReader(t.path('AzureLLMInferenceTrace_code.csv'));
    const rows = take(r);
    assert.equal(rows.length, 3);
    assert.equal(rows[0]!.arrival, 0);
    assert.ok(Math.abs(rows[1]!.arrival - 0.052) < 1e-9);
    assert.ok(Math.abs(rows[2]!.arrival - 1.52004) < 1e-9);
    assert.deepEqual(rows.map((x) => [x.promptTokens, x.outputTokens, x.type]), [[4808, 10, 'code'], [3180, 8, 'code'], [7, 1, 'code']]);
    assert.equal(r.zeroOutputRows, 1, 'GeneratedTokens 0 is raised to 1 and counted');
    assert.equal(r.zeroPromptRows, 0);
  });

  it('reads the 2024 format with BOM, CRLF and blank lines; type override and time scaling', () => {
    const rows = take(new AzureTraceReader(t.path('x_conv_1week.csv')));
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.type, 'conversation');
    assert.ok(Math.abs(rows[1]!.arrival - 0.99007) < 1e-9);
    const scaled = take(new AzureTraceReader(t.path('x_conv_1week.csv'), { type: 'chat', timeScale: 2 }));
    assert.equal(scaled[1]!.type, 'chat');
    assert.ok(Math.abs(scaled[1]!.arrival - 1.98014) < 1e-9);
  });

  it('finds columns by name in any order', () => {
    const [row] = take(new AzureTraceReader(t.path('reordered.csv')));
    assert.deepEqual([row!.promptTokens, row!.outputTokens, row!.type], [5, 3, 'azure']);
  });

  const cases: [string, string][] = [
    ['bad_token.csv', `:3: field 'ContextTokens': expected a non-negative integer, got 'abc'`],
    ['bad_time.csv', `:2: field 'TIMESTAMP': expected 'YYYY-MM-DD HH:MM:SS[.fffffff][+HH:MM]', got '2023-11-16 18:17:63'`],
    ['negative.csv', `:2: field 'GeneratedTokens': expected a non-negative integer, got '-2'`],
    ['short.csv', `:2: field 'GeneratedTokens': missing (the row has 2 of 3 fields)`],
    ['long.csv', `:2: field '(row)': expected 3 comma-separated fields, got 4`],
    ['header.csv', `:1: field 'header': expected columns 'TIMESTAMP,ContextTokens,GeneratedTokens', got 'time,prompt,output'`],
    ['empty.csv', `:1: field 'header': expected 'TIMESTAMP,ContextTokens,GeneratedTokens', got an empty file`],
    ['unsorted.csv', `:3: field 'TIMESTAMP': rows must be sorted by time: this row is 0.500000 s before the previous row`],
  ];
  for (const [file, suffix] of cases) {
    it(`${file}: InputError names file, line and field`, () => {
      const path = t.path(file);
      assert.throws(
        () => take(new AzureTraceReader(path)),
        (e: unknown) => e instanceof InputError && e.message === `${path}${suffix}`,
      );
    });
  }
});

describe('AzureTraceReader on the real 2023 traces', () => {
  const code = dataFile('azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
  const conv = dataFile('azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

  it('code: 8,819 rows over 57.3 min, medians 1,469 / 13', { skip: code ? false : NO_DATA }, () => {
    const rows = take(new AzureTraceReader(code!));
    assert.equal(rows.length, 8819);
    assert.ok(Math.abs(rows[rows.length - 1]!.arrival - 3435.948056) < 1e-6);
    assert.equal(median(rows.map((r) => r.promptTokens)), 1469);
    assert.equal(median(rows.map((r) => r.outputTokens)), 13);
    assert.ok(rows.every((r) => r.type === 'code'));
  });

  it('conversation: 19,366 rows, medians 1,020 / 129', { skip: conv ? false : NO_DATA }, () => {
    const rows = take(new AzureTraceReader(conv!));
    assert.equal(rows.length, 19366);
    assert.equal(median(rows.map((r) => r.promptTokens)), 1020);
    assert.equal(median(rows.map((r) => r.outputTokens)), 129);
    assert.ok(rows.every((r) => r.type === 'conversation'));
  });
});
