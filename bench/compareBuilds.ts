/**
 * Before/after figures for docs/PERFORMANCE.md: alternates runs of another build of this project
 * (e.g. an older commit checked out and compiled elsewhere) and this one, same configuration, each in
 * its own process, so both see the same machine load. Prints one JSON line per run and the medians.
 *
 *   git worktree add /tmp/before COMMIT && (cd /tmp/before && ln -s "$PWD/node_modules" . && npx tsc)
 *   node dist/bench/compareBuilds.js /tmp/before/dist least-outstanding 1000000 3
 *
 * Only the public run API (`parseSimulateConfig`, `runSimulation`) of the other build is used.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [other, spec = 'least-outstanding', nArg = '1000000', roundsArg = '3'] = process.argv.slice(2);
if (!other) {
  process.stderr.write('usage: compareBuilds OTHER_DIST [ROUTER[+PREDICTOR]] [N] [ROUNDS]\n');
  process.exit(2);
}
const here = resolve(dirname(fileURLToPath(import.meta.url)), '..'); // this build's dist
const child = `
const [root, spec, n] = process.argv.slice(1);
const { parseSimulateConfig } = await import(root + '/src/run/config.js');
const { runSimulation } = await import(root + '/src/run/simulate.js');
const [router, predictor] = spec.split('+');
const config = parseSimulateConfig({ seed: 1, instances: 32, router, ...(predictor ? { predictor } : {}),
  workload: { preset: 'azure-conversation', load: 0.85, numRequests: Number(n) } });
const c0 = process.cpuUsage(); const t0 = performance.now();
const s = runSimulation(config).summary;
const wall = (performance.now() - t0) / 1000; const c = process.cpuUsage(c0);
const { createHash } = await import('node:crypto');
const summaryMd5 = createHash('md5').update(JSON.stringify(s)).digest('hex');
console.log(JSON.stringify({ wallS: wall, cpuS: (c.user + c.system) / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024, events: s.events, p99E2e: s.e2e.p99, p99Tbt: s.tbt.p99, summaryMd5 }));
`;
const runs: Record<string, Record<string, number | string>[]> = { before: [], after: [] };
for (let r = 0; r < Number(roundsArg); r++) {
  for (const [label, root] of [
    ['before', resolve(other)],
    ['after', here],
  ] as const) {
    const p = spawnSync(process.execPath, ['--input-type=module', '-e', child, root, spec, nArg], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`${label} run failed:\n${p.stderr}`);
    const line = JSON.parse(p.stdout.trim()) as Record<string, number | string>;
    runs[label]?.push(line);
    process.stdout.write(`${JSON.stringify({ label, round: r, ...line })}\n`);
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const med = (label: string, f: string): number => median((runs[label] ?? []).map((l) => l[f] as number));
const ratio = (f: string): number => median((runs.after ?? []).map((l, i) => (l[f] as number) / ((runs.before?.[i] as Record<string, number | string>)[f] as number)));
const out: Record<string, unknown> = { spec, requests: Number(nArg), rounds: Number(roundsArg) };
for (const f of ['wallS', 'cpuS', 'peakRssMB']) {
  out[f] = { before: Number(med('before', f).toFixed(3)), after: Number(med('after', f).toFixed(3)), afterOverBefore: Number(ratio(f).toFixed(3)) };
}
// The whole summary (every percentile, mean, count and policy statistic) must be the same.
out.sameResults = (runs.before ?? []).every((b, i) => b.summaryMd5 === runs.after?.[i]?.summaryMd5);
process.stdout.write(`${JSON.stringify(out)}\n`);

