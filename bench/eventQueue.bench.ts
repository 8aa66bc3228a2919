/** Micro-benchmark of the event heap alone: pop the earliest event and push its successor. */
import { performance } from 'node:perf_hooks';
import { EventQueue } from '../src/kernel/eventQueue.js';
import { Rng } from '../src/kernel/rng.js';

const pending = Number(process.env.GAPS_BENCH_PENDING ?? 34);
const pairs = Number(process.env.GAPS_BENCH_PAIRS ?? 20_000_000);
const rng = new Rng('heap-bench');
const q = new EventQueue(64);
for (let i = 0; i < pending; i++) q.push(rng.next(), 0, 0, i, 0);
const t0 = performance.now();
for (let i = 0; i < pairs; i++) {
  q.pop();
  q.push(q.popTime + rng.next(), 0, 0, q.popTarget, 0);
}
const s = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ pending, pairs, wallS: Number(s.toFixed(3)), pairsPerS: Math.round(pairs / s) })}\n`);
