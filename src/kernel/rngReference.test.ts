import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gammaConstants, Rng } from './rng.js';

/**
 * The generator as first written (object fields for the state, a NaN spare, a recursive gamma), kept
 * here so that the faster `Rng` can be checked draw for draw: every method must give the same bits
 * in the same order, so seeded runs stay byte-identical.
 */
class ReferenceRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = Number.NaN;

  constructor(seed: [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = seed;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  nextOpen(): number {
    return 1 - this.next();
  }

  exponential(rate: number): number {
    return -Math.log(this.nextOpen()) / rate;
  }

  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const s = this.spareNormal;
      this.spareNormal = Number.NaN;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  gamma(shape: number, scale: number): number {
    if (shape < 1) {
      const u = this.nextOpen();
      return this.gamma(shape + 1, scale) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x = 0;
      let v = 0;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.nextOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }
}

/** cyrb128 of the key, as `Rng` seeds itself (copied so the reference stands alone). */
function hashOf(key: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

test('Rng gives the reference generator\'s draws bit for bit, in the same order, for every method', () => {
  const shapes = [0.05, 0.5, 0.835, 0.999, 1, 1.835, 3, 40, -0.5];
  for (const key of ['gaps:1:workload:conversation:arrival', 'gaps:7:router', '', 'x'.repeat(300)]) {
    const fast = new Rng(key);
    const ref = new ReferenceRng(hashOf(key));
    const pick = new ReferenceRng(hashOf(`${key}:pick`)); // which method to call next
    for (let i = 0; i < 60_000; i++) {
      const m = pick.nextUint32() % 7;
      let a = 0;
      let b = 0;
      if (m === 0) [a, b] = [fast.nextUint32(), ref.nextUint32()];
      else if (m === 1) [a, b] = [fast.next(), ref.next()];
      else if (m === 2) [a, b] = [fast.normal(), ref.normal()];
      else if (m === 3) [a, b] = [fast.exponential(2.5), ref.exponential(2.5)];
      else if (m === 4) [a, b] = [fast.lognormal(6, 1.2), ref.lognormal(6, 1.2)];
      else if (m === 5) {
        const k = shapes[pick.nextUint32() % shapes.length] as number;
        [a, b] = [fast.gamma(k, 0.01), ref.gamma(k, 0.01)];
      } else {
        // The same draw through constants derived once (where they exist: not for shape < 0).
        const k = shapes[pick.nextUint32() % shapes.length] as number;
        const g = gammaConstants(k, 0.037);
        [a, b] = [g ? fast.gammaWith(g) : fast.gamma(k, 0.037), ref.gamma(k, 0.037)];
      }
      assert.ok(Object.is(a, b), `${JSON.stringify(key)} draw ${i} (method ${m}): ${a} against ${b}`);
    }
  }
});

test('gammaConstants exist wherever gamma takes at most one boosting step', () => {
  assert.equal(gammaConstants(-0.5, 1), undefined);
  assert.equal(gammaConstants(Number.NaN, 1), undefined);
  assert.ok(gammaConstants(0.835, 1)?.boost);
  assert.equal(gammaConstants(1, 1)?.boost, false);
});
