import { performance } from 'node:perf_hooks';
import { addPrefillChunk, emptyShape, type BatchShape, type PerfModel } from '../model/perfModel.js';

export interface PerfBenchResult {
  model: string;
  calls: number;
  seconds: number;
  nsPerCall: number;
  /** Sum of all returned times: keeps the calls from being optimised away; also a sanity value. */
  checksum: number;
}

/**
 * A fixed, deterministic mix of batch shapes like those a simulator produces: decode-only batches of
 * 1..256 sequences, chunked-prefill batches mixing a prompt chunk with decodes, and prefill-only ones.
 */
export function benchShapes(count = 64): BatchShape[] {
  const shapes: BatchShape[] = [];
  for (let i = 0; i < count; i++) {
    const s = emptyShape();
    const kind = i % 3;
    const decode = 1 + ((i * 37) % 256);
    if (kind !== 2) {
      s.decodeSeqs = decode;
      s.decodeContextTokens = decode * (200 + ((i * 53) % 1800));
    }
    if (kind !== 0) addPrefillChunk(s, (i * 97) % 2048, 16 + ((i * 131) % 2032));
    shapes.push(s);
  }
  return shapes;
}

/**
 * Calls `model.iterationTime` `calls` times over a cycle of prepared shapes and times it. The loop
 * allocates nothing, so the figure is the model's own cost. No test asserts on the timing.
 */
export function benchPerfModel(model: PerfModel, calls = 10_000_000, shapes: readonly BatchShape[] = benchShapes()): PerfBenchResult {
  const n = shapes.length;
  let checksum = 0;
  // Warm-up so the timed loop runs optimised code.
  for (let i = 0; i < Math.min(calls, 100_000); i++) checksum += model.iterationTime(shapes[i % n]!);
  checksum = 0;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) checksum += model.iterationTime(shapes[i % n]!);
  const seconds = (performance.now() - t0) / 1000;
  return { model: model.name, calls, seconds, nsPerCall: calls > 0 ? (seconds * 1e9) / calls : 0, checksum };
}

/** One line per result, for a console. */
export function formatBench(results: readonly PerfBenchResult[]): string {
  return results
    .map((r) => `${r.model.padEnd(12)}${r.calls.toLocaleString('en-US').padStart(14)} calls ${r.seconds.toFixed(3).padStart(8)} s ${r.nsPerCall.toFixed(1).padStart(8)} ns/call`)
    .join('\n');
}
