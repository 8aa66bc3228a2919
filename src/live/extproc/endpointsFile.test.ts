import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { Gateway } from '../gateway/gateway.js';
import { NO_INSTANCE } from '../../policies/routers/router.js';
import { EndpointsFile, EndpointSlots, parseEndpoints } from './endpointsFile.js';

test('endpoints file: host:port or URLs, comments, repeats; a bad line names file and line', () => {
  assert.deepEqual(parseEndpoints('# pool\n10.0.0.1:8000\n\n http://10.0.0.2:8000/ # second\n10.0.0.1:8000\n', 'pool.txt'), ['http://10.0.0.1:8000', 'http://10.0.0.2:8000']);
  assert.throws(() => parseEndpoints('10.0.0.1:8000\n10.0.0.3\n', 'pool.txt'), (e: unknown) => e instanceof InputError && /pool\.txt:2: .*no port/.test(e.message));
  assert.throws(() => parseEndpoints('ftp://x:1\n', 'p'), /p:1: .*http/);
});

test('endpoint slots: removed endpoints drain, then free their slot; new ones take vacant slots; the policy never sees a vacant slot', () => {
  const gw = new Gateway({ backends: ['http://127.0.0.1:1', 'http://127.0.0.1:2'], maxEndpoints: 3, policy: 'round-robin' });
  const resets: number[] = [];
  const slots = new EndpointSlots(gw.backends, (i) => resets.push(i));
  assert.deepEqual(gw.backends.map((b) => [b.url, b.vacant]), [['http://127.0.0.1:1', false], ['http://127.0.0.1:2', false], ['', true]]);
  gw.backends[0]!.outstanding = 1; // a stream in flight on :1
  const c = slots.apply(['http://127.0.0.1:2', 'http://127.0.0.1:3', 'http://127.0.0.1:4']);
  assert.deepEqual(c, { added: ['http://127.0.0.1:3'], removed: ['http://127.0.0.1:1'], unplaced: ['http://127.0.0.1:4'] });
  assert.equal(gw.backends[0]!.draining, true, ':1 drains while its stream finishes');
  assert.equal(gw.backends[2]!.url, 'http://127.0.0.1:3');
  gw.backends[0]!.outstanding = 0;
  const c2 = slots.apply(['http://127.0.0.1:2', 'http://127.0.0.1:3', 'http://127.0.0.1:4']);
  assert.deepEqual(c2.added, ['http://127.0.0.1:4'], ':1 vacated, :4 takes its slot');
  assert.deepEqual(gw.backends.map((b) => b.url), ['http://127.0.0.1:4', 'http://127.0.0.1:2', 'http://127.0.0.1:3']);
  assert.equal(gw.backends[0]!.draining, false);
  assert.deepEqual(resets, [2, 0, 0]);
  // Shrink to one endpoint: round-robin over three slots only ever picks the one left.
  slots.apply(['http://127.0.0.1:3']);
  const picked = new Set<number>();
  for (let i = 0; i < 6; i++) picked.add(gw.pick({ promptTokens: 1, stream: false } as never, i, 0, Number.NaN, new Set()).id);
  assert.deepEqual([...picked], [2]);
  slots.apply([]);
  assert.throws(() => gw.pick({ promptTokens: 1, stream: false } as never, 9, 0, Number.NaN, new Set()), /no backend is available/);
  assert.equal(NO_INSTANCE, -1);
});

test('endpoints file: re-read when it changes; an invalid version keeps the last good list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-endpoints-'));
  const path = join(dir, 'pool');
  try {
    writeFileSync(path, '127.0.0.1:1\n');
    const gw = new Gateway({ backends: EndpointsFile.readInitial(path), maxEndpoints: 4, policy: 'least-outstanding' });
    const log: string[] = [];
    const file = new EndpointsFile(new EndpointSlots(gw.backends), { path, pollS: 1, log: (l) => log.push(l) });
    file.check();
    assert.deepEqual(gw.backends.filter((b) => !b.vacant).map((b) => b.url), ['http://127.0.0.1:1']);
    writeFileSync(path, '127.0.0.1:1\n127.0.0.1:2\n127.0.0.1:3 # new\n');
    file.check();
    assert.deepEqual(gw.backends.filter((b) => !b.vacant).map((b) => b.url), ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3']);
    writeFileSync(path, '127.0.0.1:2\nnot an endpoint at all\n');
    file.check();
    assert.equal(gw.backends.filter((b) => !b.vacant).length, 3, 'the invalid version is not applied');
    assert.ok(log.some((l) => /pool:2: .*keeping the last good list \(3 endpoints\)/.test(l)), log.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
