import { performance } from 'node:perf_hooks';

/** Seconds from an origin. The live side's only source of time; policies read it through `ClusterView.now`. */
export interface Clock {
  now(): number;
}

/**
 * The wall clock, optionally sped up: with `scale` = 10, one wall second reads as ten clock seconds.
 * The emulator uses the scale to run a modelled GPU faster than real time (tests, sim-vs-live).
 */
export class WallClock implements Clock {
  private readonly origin = performance.now();
  constructor(readonly scale = 1) {}
  now(): number {
    return ((performance.now() - this.origin) / 1000) * this.scale;
  }
  /** Wall milliseconds that `seconds` of clock time take. */
  wallMs(seconds: number): number {
    return (seconds * 1000) / this.scale;
  }
}
