import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReqState, RequestTable } from './requestTable.js';

const spec = (arrival: number, extra: object = {}) => ({ arrival, promptTokens: 10, outputTokens: 5, type: 'chat', ...extra });

test('grows geometrically and keeps every field across growth', () => {
  const t = new RequestTable(16);
  for (let i = 0; i < 100; i++) {
    const id = t.add(spec(i, i % 7 === 0 ? { prefixHashes: [i] } : {}));
    assert.equal(id, i);
    t.generated[id] = i * 2;
  }
  assert.equal(t.count, 100);
  for (let i = 0; i < 100; i++) {
    assert.equal(t.arrival[i], i);
    assert.equal(t.generated[i], i * 2);
    assert.equal(t.state[i], ReqState.Waiting);
    assert.ok(Number.isNaN(t.firstToken[i] as number));
    assert.deepEqual(t.hashes[i], i % 7 === 0 ? [i] : undefined);
  }
});

test('reserve makes room once; unused capacity is not a different table', () => {
  const t = new RequestTable(16);
  t.add(spec(0));
  t.reserve(1000);
  for (let i = 1; i < 1000; i++) t.add(spec(i));
  assert.equal(t.arrival.length, 1000);
  assert.equal(t.arrival[999], 999);
  t.add(spec(1000)); // beyond the reservation: grows
  assert.equal(t.arrival[1000], 1000);
});

test('SLO overrides are NaN until a request carries one, then per request', () => {
  const t = new RequestTable(16);
  for (let i = 0; i < 20; i++) t.add(spec(i));
  assert.ok(Number.isNaN(t.sloTtft[3] as number) && Number.isNaN(t.sloSlack[19] as number));
  t.add(spec(20, { slo: { ttftS: 0.5 } }));
  for (let i = 21; i < 40; i++) t.add(spec(i, i === 30 ? { slo: { tpotS: 0.05, e2eSlack: 3 } } : {}));
  assert.equal(t.sloTtft[20], 0.5);
  assert.ok(Number.isNaN(t.sloTpot[20] as number));
  assert.equal(t.sloTpot[30], 0.05);
  assert.equal(t.sloSlack[30], 3);
  for (const id of [0, 19, 21, 39]) {
    assert.ok(Number.isNaN(t.sloTtft[id] as number) && Number.isNaN(t.sloTpot[id] as number) && Number.isNaN(t.sloSlack[id] as number), `id ${id}`);
  }
});

test('type names get small ids, the same name the same id', () => {
  const t = new RequestTable(16);
  t.add(spec(0, { type: 'a' }));
  t.add(spec(1, { type: 'b' }));
  t.add(spec(2, { type: 'a' }));
  assert.deepEqual(Array.from(t.type.subarray(0, 3)), [0, 1, 0]);
  assert.deepEqual(t.typeNames, ['a', 'b']);
});
