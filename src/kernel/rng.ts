/**
 * Seeded random numbers. `Rng` is the sfc32 generator (fast, 128-bit state, passes PractRand to 2^40+);
 * `RandomStreams` derives an independent stream per component name from one seed, so adding a
 * component never changes the numbers another component draws. Nothing below the CLI may use
 * `Math.random`.
 */

/** 32-bit FNV-1a style mixing of a string into four words (cyrb128). */
function hash128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
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

export class Rng {
  /**
   * sfc32's four 32-bit words in a typed array: V8 keeps them as raw int32 (object fields holding
   * values beyond its 31-bit small integers would be boxed doubles, re-read through a pointer).
   */
  private readonly s = new Int32Array(4);
  /** The polar method's second variate, valid while `hasSpare` (a finite number whenever set). */
  private spare = 0;
  private hasSpare = false;

  /** Seeds from a string key; use `RandomStreams` to derive keys from a seed and a component name. */
  constructor(key: string) {
    const [a, b, c, d] = hash128(key);
    const s = this.s;
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm up
  }

  nextUint32(): number {
    const s = this.s;
    const a = s[0] as number;
    const b = s[1] as number;
    const c = s[2] as number;
    const d = s[3] as number;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform on (0, 1]: safe to take the logarithm of. */
  nextOpen(): number {
    return 1 - this.next();
  }

  /** Integer uniform on [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  exponential(rate: number): number {
    return -Math.log(this.nextOpen()) / rate;
  }

  /** Standard normal (Marsaglia polar method, caching the second variate). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
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
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /**
   * Gamma(shape k, scale theta) by Marsaglia and Tsang (2000); a shape below 1 draws u first, then
   * Gamma(k + 1) · u^(1/k).
   */
  gamma(shape: number, scale: number): number {
    if (shape < 1) {
      const u = this.nextOpen();
      const k = shape + 1;
      return (k < 1 ? this.gamma(k, scale) : this.gammaAtLeastOne(k, scale)) * Math.pow(u, 1 / shape);
    }
    return this.gammaAtLeastOne(shape, scale);
  }

  /** Marsaglia and Tsang's rejection loop (shape >= 1, or NaN). */
  private gammaAtLeastOne(shape: number, scale: number): number {
    const d = shape - 1 / 3;
    return this.marsagliaTsang(d, 1 / Math.sqrt(9 * d), scale);
  }

  private marsagliaTsang(d: number, c: number, scale: number): number {
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

  /** `gamma(g.shape, g.scale)` with its constants computed once (`gammaConstants`): the same draws. */
  gammaWith(g: GammaConstants): number {
    if (g.boost) {
      const u = this.nextOpen();
      return this.marsagliaTsang(g.d, g.c, g.scale) * Math.pow(u, g.invShape);
    }
    return this.marsagliaTsang(g.d, g.c, g.scale);
  }

  /** Pareto with minimum xm and tail index alpha. */
  pareto(xm: number, alpha: number): number {
    return xm / Math.pow(this.nextOpen(), 1 / alpha);
  }

  /** Weibull with shape k and scale lambda. */
  weibull(shape: number, scale: number): number {
    return scale * Math.pow(-Math.log(this.nextOpen()), 1 / shape);
  }
}

/**
 * The constants `Rng.gamma(shape, scale)` derives on every draw, derived once for a sampler that
 * draws many times with the same parameters (e.g. Gamma-renewal arrivals): the same operations on the
 * same inputs, so `gammaWith` gives exactly `gamma`'s draws. Undefined where `gamma` would take
 * more than one boosting step (shape < 0) or is degenerate (NaN): call `gamma` there.
 */
export interface GammaConstants {
  readonly scale: number;
  /** shape < 1: draw u, then Gamma(shape + 1) · u^(1/shape). */
  readonly boost: boolean;
  readonly invShape: number;
  readonly d: number;
  readonly c: number;
}

export function gammaConstants(shape: number, scale: number): GammaConstants | undefined {
  const boost = shape < 1;
  const k = boost ? shape + 1 : shape;
  if (!(k >= 1)) return undefined;
  const d = k - 1 / 3;
  return { scale, boost, invShape: boost ? 1 / shape : Number.NaN, d, c: 1 / Math.sqrt(9 * d) };
}

/** One seed, many independent named streams. */
export class RandomStreams {
  constructor(readonly seed: number) {}

  /** The stream for a component; the same (seed, name) always gives the same sequence. */
  stream(name: string): Rng {
    return new Rng(`gaps:${this.seed}:${name}`);
  }
}
