import { createRequire } from 'node:module';
import { ConfigError } from '../core/errors.js';

/**
 * Special functions. The modified Bessel functions come from SheetJS `bessel` (CommonJS, untyped),
 * loaded through `createRequire` so this package stays ESM. Its K_n uses the classic polynomial
 * approximations (Abramowitz & Stegun 9.8), accurate to about 1e-7 relative: ample for 4-decimal
 * tables, and the generic quadrature path is the independent check (see docs/QUEUEING.md).
 */
interface BesselModule {
  besselk(x: number, n: number): number;
}

const require = createRequire(import.meta.url);
const bessel = require('bessel') as BesselModule;

/** K_n(x), the modified Bessel function of the second kind, for integer n >= 0 and x > 0. */
export function besselK(n: number, x: number): number {
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`besselK: order must be a non-negative integer, got ${n}`);
  if (!(x > 0)) throw new ConfigError(`besselK: argument must be > 0, got ${x}`);
  return bessel.besselk(x, n);
}

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom (two-sided 95% intervals), by the
 * Cornish-Fisher expansion about the normal quantile (Abramowitz & Stegun 26.7.5) for df > 10, where
 * its error is below 2e-5; df = 1..10 come from the standard table because the series is poor there.
 */
export function tQuantile975(df: number): number {
  const small = [
    Number.NaN, 12.7062047, 4.30265273, 3.18244631, 2.77644511, 2.57058184, 2.44691185, 2.36462425, 2.30600414,
    2.26215716, 2.22813885,
  ];
  if (df < 1) return Number.NaN;
  if (df <= 10) return small[Math.floor(df)] as number;
  const z = 1.959963984540054;
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** Gamma function (Lanczos, g = 7, n = 9): about 15 significant digits for x > 0. */
export function gamma(x: number): number {
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const y = x - 1;
  let a = c[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (y + i);
  return Math.sqrt(2 * Math.PI) * Math.pow(t, y + 0.5) * Math.exp(-t) * a;
}
