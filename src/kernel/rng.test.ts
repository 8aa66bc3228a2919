import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomStreams, Rng } from './rng.js';

test('same key gives the same sequence; named streams are independent of each other', () => {
  const a = new RandomStreams(7);
  const xs = Array.from({ length: 5 }, () => 0).map(() => 0);
  const s1 = a.stream('arrivals');
  const s2 = new RandomStreams(7).stream('arrivals');
  for (let i = 0; i < 5; i++) {
    xs[i] = s1.next();
    assert.equal(xs[i], s2.next());
  }
  // Drawing from another stream does not change the first one.
  const s3 = a.stream('arrivals');
  a.stream('router').next();
  assert.equal(s3.next(), xs[0]);
  assert.notEqual(new RandomStreams(8).stream('arrivals').next(), xs[0]);
});

test('distribution moments are right within tolerance', () => {
  const r = new Rng('moments');
  const n = 200_000;
  let su = 0, se = 0, sn = 0, sn2 = 0, sg = 0, sg2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    su += u;
    se += r.exponential(2);
    const z = r.normal();
    sn += z;
    sn2 += z * z;
    const g = r.gamma(0.5, 4);
    sg += g;
    sg2 += g * g;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005);
  assert.ok(Math.abs(se / n - 0.5) < 0.005);
  assert.ok(Math.abs(sn / n) < 0.01);
  assert.ok(Math.abs(sn2 / n - 1) < 0.02);
  const gm = sg / n;
  assert.ok(Math.abs(gm - 2) < 0.05, `gamma mean ${gm}`);
  const gv = sg2 / n - gm * gm;
  assert.ok(Math.abs(gv - 8) < 0.4, `gamma var ${gv}`);
});
