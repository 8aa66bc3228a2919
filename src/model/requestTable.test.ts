import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeapPositions, IndexedHeap } from './indexedHeap.js';
import { ReqState, RequestTable } from './requestTable.js';

const spec = (arrival: number, extra: object = {}) => ({ arrival, promptTokens: 10, outputTokens: 5, type: 'chat', ...extra });

test('grows geometrically and keeps every field across growth', () => {
  const t = new RequestTable(16);
  for (let i = 0; i < 100; i++) {
    const id = t.add(spec(i, i % 7 === 0 ? { prefixHashes: [i] } : {}));
    assert.equal(id, i);
    t.live.generated[id & t.live.mask] = i * 2;
  }
  assert.equal(t.count, 100);
  for (let i = 0; i < 100; i++) {
    assert.equal(t.arrival[i], i);
    assert.equal(t.live.generated[i & t.live.mask], i * 2);
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
  assert.ok(Number.isNaN(t.sloTtftOf(3)) && Number.isNaN(t.sloSlackOf(19)));
  t.add(spec(20, { slo: { ttftS: 0.5 } }));
  for (let i = 21; i < 40; i++) t.add(spec(i, i === 30 ? { slo: { tpotS: 0.05, e2eSlack: 3 } } : {}));
  assert.equal(t.sloTtftOf(20), 0.5);
  assert.ok(Number.isNaN(t.sloTpotOf(20)));
  assert.equal(t.sloTpotOf(30), 0.05);
  assert.equal(t.sloSlackOf(30), 3);
  for (const id of [0, 19, 21, 39]) {
    assert.ok(Number.isNaN(t.sloTtftOf(id)) && Number.isNaN(t.sloTpotOf(id)) && Number.isNaN(t.sloSlackOf(id)), `id ${id}`);
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

test('live columns: slots are recycled behind the oldest live request; a straggler widens the ring, keeping every live value', () => {
  const t = new RequestTable(16, 16);
  const L = t.live;
  const wp = new HeapPositions(16);
  t.trackPositions(wp);
  const heap = new IndexedHeap(wp);
  // Request 0 stays live throughout (in a heap); every other request finishes 5 arrivals after it came.
  for (let i = 0; i < 200; i++) {
    const id = t.add(spec(i));
    L.kvTokens[id & L.mask] = 1000 + id;
    L.lastToken[id & L.mask] = id / 2;
    if (id % 3 === 0) heap.push(id, id % 7, id);
    const old = id - 5;
    if (old > 0) {
      t.state[old] = ReqState.Done;
      heap.remove(old);
    }
  }
  assert.ok(L.capacity >= 200 && L.capacity <= 256, `ring of ${L.capacity}`);
  for (let id = 0; id < 200; id++) {
    if (id !== 0 && id <= 194) continue; // final: its slot may be anyone's now
    assert.equal(L.kvTokens[id & L.mask], 1000 + id);
    assert.equal(L.lastToken[id & L.mask], id / 2);
    assert.equal(heap.has(id), id % 3 === 0);
  }
  assert.equal(heap.size, 1 + [195, 196, 197, 198, 199].filter((id) => id % 3 === 0).length);

  // Without a straggler the ring stays small however many requests come.
  const u = new RequestTable(16, 16);
  for (let i = 0; i < 1000; i++) {
    const id = u.add(spec(i));
    u.live.generated[id & u.live.mask] = id;
    if (id >= 8) u.state[id - 8] = ReqState.Rejected;
  }
  assert.equal(u.live.capacity, 16);
  for (let id = 992; id < 1000; id++) assert.equal(u.live.generated[id & u.live.mask], id);
});
