import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_TOKENS } from '../../src/core/limits.js';
import type { RequestSpec } from '../../src/model/request.js';
import { AzureTraceReader } from '../../src/workload/azureTrace.js';
import { LineReader } from '../../src/workload/lineReader.js';
import { MooncakeTraceReader } from '../../src/workload/mooncakeTrace.js';
import type { TraceReader } from '../../src/workload/traceReader.js';
import { dataDir, isCleanError, params, scratch } from './support.js';

/**
 * Random bytes and mutations of real trace lines into every reader: each input is either rejected
 * with a clean error naming the file (an InputError or ConfigError) or parsed into requests the
 * engine accepts (counts in [1, 2^30], finite non-decreasing arrivals). Valid rows written from
 * random values parse back to exactly those values.
 */
const file = scratch('gaps-prop-readers-');
const HEAD = 'TIMESTAMP,ContextTokens,GeneratedTokens';

type Open = (path: string) => TraceReader;
const READERS: readonly [string, string, Open][] = [
  ['azure', '.csv', (p) => new AzureTraceReader(p)],
  ['mooncake', '.jsonl', (p) => new MooncakeTraceReader(p)],
];

/** The first lines of the real traces when present, else a few lines in their formats. */
function sampleLines(): { azure: string[]; mooncake: string[] } {
  const d = dataDir();
  const take = (path: string, n: number): string[] | undefined => {
    if (!existsSync(path)) return undefined;
    const r = new LineReader(path);
    const out: string[] = [];
    for (let l = r.next(); l !== undefined && out.length < n; l = r.next()) out.push(l);
    r.close();
    return out;
  };
  const azure = (d ? take(join(d, 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 30) : undefined) ?? [
    HEAD,
    '2023-11-16 18:15:46.6805900,374,44',
    '2023-11-16 18:15:50.9951690,396,109',
    '2023-11-16 18:15:51.2509930,879,55',
  ];
  const mooncake = (d ? take(join(d, 'mooncake', 'conversation_trace.jsonl'), 30) : undefined) ?? [
    '{"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]}',
    '{"timestamp": 27, "input_length": 7322, "output_length": 490, "hash_ids": [0, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]}',
  ];
  return { azure, mooncake };
}

/** Reads everything; returns the requests, or 'clean' for a clean rejection. Anything else throws. */
function readAll(open: Open, path: string): RequestSpec[] | 'clean' {
  const out: RequestSpec[] = [];
  try {
    const r = open(path);
    for (let x = r.next(); !x.done; x = r.next()) out.push({ ...x.value });
  } catch (e) {
    if (isCleanError(e)) {
      assert.ok((e as Error).message.length < 400, `a clipped message: ${(e as Error).message.slice(0, 100)}...`);
      return 'clean';
    }
    throw e;
  }
  let prev = 0;
  for (const s of out) {
    assert.ok(Number.isFinite(s.arrival) && s.arrival >= prev, `arrival ${s.arrival} after ${prev}`);
    prev = s.arrival;
    for (const n of [s.promptTokens, s.outputTokens]) assert.ok(Number.isInteger(n) && n >= 1 && n <= MAX_TOKENS, `count ${n}`);
    if (s.prefixHashes) assert.equal(new Set(s.prefixHashes).size, s.prefixHashes.length, 'distinct hash ids');
  }
  return out;
}

/** Values that broke readers before (issue 17): wrapping counts, overflowing numbers, stray bytes. */
const NASTY = ['-1', '0', '1e400', '4294967396', '1000000000000', '1073741825', ',', '"', '\r', '\uFEFF', 'NaN', '[7,7]', '', '99999999999999999999', '\n', ' 12 ', '0x10'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 6 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...NASTY) }),
  fc.record({ kind: fc.constant('field' as const), at: fc.nat(), text: fc.constantFrom(...NASTY) }),
);

interface Mutation {
  kind: 'insert' | 'delete' | 'replace' | 'field';
  at: number;
  text?: string;
  len?: number;
}

function mutate(line: string, m: Mutation): string {
  const at = line.length === 0 ? 0 : m.at % (line.length + 1);
  if (m.kind === 'insert') return line.slice(0, at) + (m.text ?? '') + line.slice(at);
  if (m.kind === 'delete') return line.slice(0, at) + line.slice(at + (m.len ?? 1));
  if (m.kind === 'field') {
    // Replace the value after the k-th separator (',' in CSV, ':' or ',' in JSON) up to the next one.
    const seps = [...line.matchAll(/[,:[]\s*/g)].map((x) => (x.index ?? 0) + x[0].length);
    if (seps.length === 0) return line;
    const from = seps[m.at % seps.length] as number;
    const rest = line.slice(from).search(/[,\]}]/);
    return line.slice(0, from) + (m.text ?? '') + (rest < 0 ? '' : line.slice(from + rest));
  }
  return line.slice(0, at) + (m.text ?? '') + line.slice(at + 1);
}

test('random bytes into every reader: a clean error or valid requests', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(...READERS), (bytes, [, ext, open]) => {
      readAll(open, file(`r${ext}`, Buffer.from(bytes)));
    }),
    params(300),
  );
});

test('mutated real trace lines into every reader: a clean error or valid requests', () => {
  const lines = sampleLines();
  fc.assert(
    fc.property(fc.constantFrom(...READERS), fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }), ([name, ext, open], muts) => {
      const src = name === 'azure' ? lines.azure : lines.mooncake;
      const out = [...src];
      for (const [k, m] of muts) {
        // Azure: mutate a data row most of the time, the header sometimes.
        const i = k % out.length;
        out[i] = mutate(out[i] as string, m);
      }
      readAll(open, file(`m${ext}`, out.join('\n')));
    }),
    params(400),
  );
});

test('valid rows written from random values parse back exactly', () => {
  const row = fc.record({ gapUs: fc.integer({ min: 0, max: 5_000_000 }), prompt: fc.integer({ min: 0, max: MAX_TOKENS }), output: fc.integer({ min: 0, max: MAX_TOKENS }) });
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), fc.boolean(), (rows, crlf) => {
      const nl = crlf ? '\r\n' : '\n';
      let us = 0;
      const times: number[] = [];
      const csv = [HEAD];
      const jsonl: string[] = [];
      for (const r of rows) {
        us += r.gapUs;
        times.push(us);
        const t = new Date(Date.UTC(2023, 10, 16, 18, 0, 0) + Math.floor(us / 1000)).toISOString().slice(0, 19).replace('T', ' ');
        csv.push(`${t}.${String(us % 1_000_000).padStart(6, '0')}0,${r.prompt},${r.output}`);
        jsonl.push(JSON.stringify({ timestamp: us / 1000, input_length: r.prompt, output_length: r.output }));
      }
      const expect = rows.map((r, i) => [(times[i] as number) - (times[0] as number), Math.max(1, r.prompt), Math.max(1, r.output)]);
      for (const [, ext, open] of READERS) {
        const got = readAll(open, file(`v${ext}`, (ext === '.csv' ? csv : jsonl).join(nl) + nl));
        assert.notEqual(got, 'clean', ext);
        const g = (got as RequestSpec[]).map((s) => [s.arrival * 1e6, s.promptTokens, s.outputTokens]);
        assert.equal(g.length, expect.length);
        g.forEach((x, i) => {
          const e = expect[i] as number[];
          assert.ok(Math.abs((x[0] as number) - (e[0] as number)) < 1e-3, `${ext} arrival ${x[0]} vs ${e[0]} µs`);
          assert.deepEqual(x.slice(1), e.slice(1), ext);
        });
      }
    }),
    params(60),
  );
});
