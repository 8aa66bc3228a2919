import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseScanner } from './sse.js';

const ev = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
const TOKENS = [0, 1, 2].map((k) => ev({ choices: [{ index: 0, text: ` w${k}`, finish_reason: null }], usage: null }));
const USAGE = ev({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } });
const STREAM = `: keep-alive\n\n${TOKENS.join('')}${USAGE}data: [DONE]\n\n`;

function scanIn(pieces: Buffer[], strip: boolean): { out: string; s: SseScanner } {
  const s = new SseScanner(strip);
  let out = '';
  for (const p of pieces) out += s.push(p).toString('utf8');
  out += s.end().toString('utf8');
  return { out, s };
}

test('SSE scanner: counts chunks, reads usage and [DONE], forwards whole events as received, at every split point', () => {
  const all = Buffer.from(STREAM);
  for (let cut = 0; cut <= all.length; cut++) {
    for (const strip of [false, true]) {
      const { out, s } = scanIn([all.subarray(0, cut), all.subarray(cut)], strip);
      assert.equal(s.chunks, 3, `cut ${cut}`);
      assert.equal(s.usageTokens, 3);
      assert.equal(s.sawDone, true);
      assert.equal(out, strip ? STREAM.replace(USAGE, '') : STREAM, `cut ${cut}, strip ${strip}`);
    }
  }
});

test('SSE scanner: CRLF separators, an unterminated last event, a usage field inside a content chunk', () => {
  const crlf = Buffer.from(TOKENS.join('').replaceAll('\n', '\r\n'));
  const a = scanIn([crlf], false);
  assert.equal(a.s.chunks, 3);
  assert.equal(a.out, crlf.toString());
  const b = scanIn([Buffer.from(`${TOKENS[0]}data: [DONE]`)], false);
  assert.deepEqual([b.s.chunks, b.s.sawDone], [1, true], 'the last event counts without its blank line');
  // vLLM's continuous usage stats: usage on a chunk that also has choices: counted, never stripped.
  const withUsage = ev({ choices: [{ index: 0, text: ' x' }], usage: { completion_tokens: 1 } });
  const c = scanIn([Buffer.from(withUsage)], true);
  assert.deepEqual([c.s.chunks, c.s.usageTokens, c.out], [1, 1, withUsage]);
});
