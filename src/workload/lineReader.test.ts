import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CHUNK_BYTES, LineReader, readLines } from './lineReader.js';
import { tempFiles } from './testSupport.js';

function lines(content: string | Buffer): string[] {
  const t = tempFiles({ f: content });
  try {
    return [...readLines(t.path('f'))].map(([, text]) => text);
  } finally {
    t.cleanup();
  }
}

describe('LineReader', () => {
  it('splits LF lines and numbers them from 1', () => {
    const t = tempFiles({ f: 'a\nbb\nccc\n' });
    after(t.cleanup);
    assert.deepEqual([...readLines(t.path('f'))], [[1, 'a'], [2, 'bb'], [3, 'ccc']]);
  });

  it('strips CR of CRLF line ends, and keeps a CR that is not at the end', () => {
    assert.deepEqual(lines('a\r\nb\r\n'), ['a', 'b']);
    assert.deepEqual(lines('a\rb\r\nc'), ['a\rb', 'c']);
  });

  it('returns a last line without a final newline, with or without CR', () => {
    assert.deepEqual(lines('x\ny'), ['x', 'y']);
    assert.deepEqual(lines('x\r\ny\r'), ['x', 'y']);
  });

  it('handles empty files, a lone newline and blank lines', () => {
    assert.deepEqual(lines(''), []);
    assert.deepEqual(lines('\n'), ['']);
    assert.deepEqual(lines('a\n\n\nb\n\n'), ['a', '', '', 'b', '']);
  });

  it('joins lines that straddle chunk boundaries, including a line longer than a chunk', () => {
    const long = 'x'.repeat(CHUNK_BYTES * 2 + 17);
    const shortLines = Array.from({ length: 20_000 }, (_, i) => `line-${i}`);
    const content = `${shortLines.join('\n')}\n${long}\n${shortLines.join('\r\n')}`;
    const got = lines(content);
    assert.equal(got.length, 40_001);
    assert.deepEqual(got.slice(0, 20_000), shortLines);
    assert.equal(got[20_000], long);
    assert.deepEqual(got.slice(20_001), shortLines);
  });

  it('decodes a multi-byte UTF-8 character split across two chunks', () => {
    const prefix = 'a'.repeat(CHUNK_BYTES - 1); // the 3-byte '€' starts at the last byte of chunk 1
    const got = lines(Buffer.from(`${prefix}€b\nü`, 'utf8'));
    assert.deepEqual(got, [`${prefix}€b`, 'ü']);
  });

  it('a CRLF split between chunks still strips the CR', () => {
    const first = 'a'.repeat(CHUNK_BYTES - 1);
    assert.deepEqual(lines(`${first}\r\nnext`), [first, 'next']);
  });

  it('close() stops early and is idempotent; nothing is read before next()', () => {
    const t = tempFiles({ f: 'a\nb\nc\n' });
    after(t.cleanup);
    const r = new LineReader(t.path('f'));
    assert.equal(r.lineNumber, 0);
    assert.equal(r.next(), 'a');
    r.close();
    r.close();
    assert.equal(r.next(), undefined);
    assert.doesNotThrow(() => new LineReader(t.path('missing'))); // constructors have no side effects
    assert.throws(() => new LineReader(t.path('missing')).next(), /ENOENT/);
  });

  it('reads a 12 MB line in time linear in its length, and rejects a line over the cap by file and line', () => {
    const big = 'y'.repeat(12 * 1024 * 1024);
    const t = tempFiles({ f: `a\n${big}\nb\n`, g: `a\n${'z'.repeat(5000)}\nb\n` });
    after(t.cleanup);
    const t0 = performance.now();
    const got = [...readLines(t.path('f'))].map(([, x]) => x.length);
    assert.deepEqual(got, [1, big.length, 1]);
    assert.ok(performance.now() - t0 < 3000, 'a long line is read in one linear pass');
    const r = new LineReader(t.path('g'), 4096);
    assert.equal(r.next(), 'a');
    assert.throws(() => r.next(), (e: Error) => e.name === 'InputError' && /:2: field '\(line\)': longer than 4096 characters/.test(e.message));
  });

  it('removes a UTF-8 byte-order mark at the start of the file only', () => {
    assert.deepEqual(lines('\uFEFF{"a":1}\n\uFEFFx'), ['{"a":1}', '\uFEFFx']);
  });

  it('a file that cannot be read is a ConfigError naming it', () => {
    const t = tempFiles({});
    after(t.cleanup);
    assert.throws(() => new LineReader(t.path('missing')).next(), (e: Error) => e.name === 'ConfigError' && /cannot read '.*missing': ENOENT/.test(e.message));
  });
});
