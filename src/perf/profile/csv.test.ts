import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../core/errors.js';
import { columnIndex, numberField, parseCsv } from './csv.js';

function inputError(line: number, field: string): (e: unknown) => boolean {
  return (e) => e instanceof InputError && e.line === line && e.field === field && e.file === 'f.csv';
}

test('parseCsv keeps file line numbers and skips blank lines', () => {
  const t = parseCsv('a,b\r\n1,2\n\n3,4\n', 'f.csv');
  assert.deepEqual(t.header, ['a', 'b']);
  assert.deepEqual(t.lines, [2, 4]);
  assert.equal(numberField(t, 1, columnIndex(t, 'b')), 4);
});

test('malformed CSV is an InputError naming file, line and field', () => {
  assert.throws(() => parseCsv('a,b,c\n1,2,3\n4,5\n', 'f.csv'), inputError(3, 'c'));
  assert.throws(() => parseCsv('a,b\n1,2,3\n', 'f.csv'), inputError(2, '(extra field)'));
  assert.throws(() => parseCsv('\n\n', 'f.csv'), InputError);
  const t = parseCsv('a,b\n1,2\n1,x\n', 'f.csv');
  assert.throws(() => columnIndex(t, 'zz'), inputError(1, 'zz'));
  assert.throws(() => numberField(t, 1, 1), inputError(3, 'b'));
  assert.throws(() => numberField(parseCsv('a\n1.5\n', 'f.csv'), 0, 0, { integer: true }), inputError(2, 'a'));
  assert.throws(() => numberField(parseCsv('a\n-1\n', 'f.csv'), 0, 0, { min: 0 }), inputError(2, 'a'));
});
