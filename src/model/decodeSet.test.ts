import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { DecodeSet } from './decodeSet.js';
import { HeapPositions } from './indexedHeap.js';
import { RequestTable } from './requestTable.js';

/**
 * The decode set against a naive model that counts every token: random joins, leaves and
 * iterations; generated tokens, KV lengths, new blocks per iteration and completions must agree.
 */
// Power-of-two block sizes take masks and shifts, the others divisions: both against the same model.
for (const B of [16, 12, 1, 32, 7]) test(`DecodeSet matches a token-by-token model exactly (block size ${B})`, () => {
  const r = new Rng('decode');
  const t = new RequestTable(64);
  const d = new DecodeSet(t, B, new HeapPositions(64));
  const naive = new Map<number, { kv: number; gen: number; out: number }>();
  for (let i = 0; i < 400; i++) t.add({ arrival: 0, promptTokens: 1 + r.int(100), outputTokens: 2 + r.int(200), type: 't' });
  let nextId = 0;
  const outside: number[] = [];
  for (let step = 0; step < 5000; step++) {
    const op = r.int(10);
    if (op < 2 && nextId < t.count) {
      const id = nextId++;
      t.live.kvTokens[id & t.live.mask] = t.prompt[id] as number;
      t.live.generated[id & t.live.mask] = 1;
      d.join(id);
      naive.set(id, { kv: t.live.kvTokens[id & t.live.mask] as number, gen: 1, out: t.output[id] as number });
    } else if (op < 3 && naive.size > 0) {
      const ids = [...naive.keys()];
      const id = ids[r.int(ids.length)] as number;
      d.leave(id);
      const n = naive.get(id) as { kv: number; gen: number };
      assert.equal(t.live.kvTokens[id & t.live.mask], n.kv);
      assert.equal(t.live.generated[id & t.live.mask], n.gen);
      assert.equal(t.live.blocks[id & t.live.mask], Math.ceil(n.kv / B));
      naive.delete(id);
      outside.push(id);
    } else if (op < 4 && outside.length > 0) {
      const id = outside.pop() as number;
      d.join(id);
      naive.set(id, { kv: t.live.kvTokens[id & t.live.mask] as number, gen: t.live.generated[id & t.live.mask] as number, out: t.output[id] as number });
    } else {
      let newBlocks = 0;
      let sumKv = 0;
      for (const n of naive.values()) {
        if (n.kv % B === 0) newBlocks++;
        sumKv += n.kv;
      }
      assert.equal(d.blocksNeeded(), newBlocks, 'blocks the next token needs');
      assert.equal(d.sumKv, sumKv, 'context the iteration reads');
      assert.equal(d.count, naive.size);
      d.advance();
      for (const n of naive.values()) {
        n.kv++;
        n.gen++;
      }
      const finished = new Set<number>();
      for (let id = d.nextFinished(); id >= 0; id = d.nextFinished()) {
        finished.add(id);
        d.leave(id);
      }
      for (const [id, n] of naive) {
        if (n.gen >= n.out) {
          assert.ok(finished.has(id), `request ${id} finishes when it reaches its output length`);
          assert.equal(t.live.generated[id & t.live.mask], n.out);
          naive.delete(id);
        }
      }
      assert.equal(finished.size + naive.size, finished.size + d.count);
    }
    for (const [id, n] of naive) {
      assert.equal(d.generatedOf(id), n.gen);
      assert.equal(d.kvOf(id), n.kv);
    }
  }
});
