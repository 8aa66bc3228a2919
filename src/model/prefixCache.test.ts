import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixCache } from './prefixCache.js';

test('prefix cache: longest cached prefix, shared references, LRU eviction of idle blocks only', () => {
  const c = new PrefixCache();
  assert.equal(c.acquire([1, 2, 3], 3), 0, 'empty cache');
  assert.equal(c.publish([1, 2, 3], 0, 3), 3);
  assert.equal(c.pinned, 3);
  assert.equal(c.acquire([1, 2, 9], 3), 2, 'stops at the first miss');
  assert.equal(c.acquire([1, 2, 3], 1), 1, 'capped by maxBlocks');
  c.release([1, 2, 3], 3); // the publisher finishes
  assert.equal(c.idleCount, 1, 'block 3 is idle, 1 and 2 are still used');
  assert.equal(c.evict(5), 1);
  assert.equal(c.size, 2);
  c.release([1, 2], 2);
  c.release([1], 1);
  assert.equal(c.idleCount, 2);
  assert.equal(c.publish([1, 7], 0, 2), 0, 'publishing stops at a block someone else cached');
  // LRU: 2 became idle before 1, so 2 goes first.
  assert.equal(c.evict(1), 1);
  assert.equal(c.acquire([1], 1), 1);
  assert.equal(c.acquire([2], 1), 0);
  assert.throws(() => c.release([5], 1), /released more often/);
});
