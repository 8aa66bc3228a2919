/**
 * Where a run allocates: an allocation profile of one simulation that also counts the objects the
 * garbage collector has already freed (V8's sampling heap profiler with
 * `includeObjectsCollectedByMinorGC`), so short-lived garbage such as boxed doubles shows up.
 * Usage: node dist/bench/allocProfile.js [ROUTER[+PREDICTOR]] [N] [TOP]
 * Prints the bytes allocated per request, then the TOP functions by bytes allocated in them
 * (sampled every 4 KB, so small figures are approximate). A diagnostic, not a benchmark.
 */
import { Session } from 'node:inspector/promises';
import { benchConfig } from './benchConfig.js';
import { runSimulation } from '../src/run/simulate.js';

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const spec = process.argv[2] ?? 'least-outstanding';
const n = Number(process.argv[3] ?? 200_000);
const top = Number(process.argv[4] ?? 25);
const config = benchConfig(spec, n);
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
runSimulation(config);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
session.disconnect();

const bytes = new Map<string, number>();
const visit = (node: ProfileNode): void => {
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  if (node.selfSize > 0) bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
  for (const c of node.children) visit(c);
};
visit(profile.head);
const total = [...bytes.values()].reduce((a, b) => a + b, 0);
process.stdout.write(`${spec}, ${n} requests: ${(total / 2 ** 20).toFixed(1)} MB sampled, ${(total / n).toFixed(0)} bytes per request\n`);
for (const [name, b] of [...bytes.entries()].sort((x, y) => y[1] - x[1]).slice(0, top)) {
  process.stdout.write(`${(b / 2 ** 20).toFixed(2).padStart(8)} MB  ${name}\n`);
}
