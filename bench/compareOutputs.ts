/**
 * Byte-identity check for changes that must not change results: runs `gaps simulate ... --out DIR`
 * with another build and with this one on a fixed set of configurations (routers, schedulers,
 * preemption modes, prefix caching, API calls, phase split, traces) and compares the md5 of
 * requests.csv, timeseries.csv and summary.json (less the provenance lines that name the date,
 * commit and command). Prints one line per file and exits 1 on any difference.
 *
 *   git worktree add --detach /tmp/before COMMIT && (cd /tmp/before && ln -s "$PWD/node_modules" . && npx tsc)
 *   node dist/bench/compareOutputs.js /tmp/before/dist
 *
 * Trace configurations read ../shared/data (or GAPS_DATA_DIR) and are skipped when it is absent.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const other = process.argv[2];
if (!other) {
  process.stderr.write('usage: compareOutputs OTHER_DIST\n');
  process.exit(2);
}
const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const data = process.env.GAPS_DATA_DIR ?? resolve(here, '..', '..', 'shared', 'data');
const mooncake = join(data, 'mooncake', 'conversation_trace.jsonl');
const azure = join(data, 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

const CONFIGS: Record<string, string[]> = {
  lo: ['--instances', '8', '--load', '0.9', '--num-requests', '20000'],
  gaps: ['--instances', '8', '--load', '0.9', '--num-requests', '8000', '--router', 'gaps', '--predictor', 'linear'],
  llumnix: ['--instances', '8', '--load', '1.3', '--num-requests', '15000', '--router', 'llumnix', '--kv-blocks', '1500'],
  sarathi: ['--instances', '4', '--load', '0.9', '--num-requests', '8000', '--scheduler', 'sarathi'],
  sprpt: ['--instances', '4', '--load', '1.0', '--num-requests', '8000', '--scheduler', 'sprpt', '--predictor', 'linear'],
  fastserve: ['--instances', '4', '--load', '1.0', '--num-requests', '6000', '--scheduler', 'fastserve', '--preemption', 'swap', '--kv-blocks', '3000'],
  swap: ['--instances', '4', '--load', '1.1', '--num-requests', '8000', '--preemption', 'swap', '--kv-blocks', '2000', '--slo-tbt', '0.05'],
  api: ['--instances', '4', '--load', '0.8', '--num-requests', '4000', '--api-calls', 'infercept', '--scheduler', 'infercept'],
  split: ['--instances', '8', '--load', '0.8', '--num-requests', '6000', '--router', 'splitwise'],
  tbt: ['--instances', '4', '--load', '0.9', '--num-requests', '6000', '--scheduler', 'slai', '--slo-tbt', '0.04', '--metrics', 'both'],
  trail: ['--instances', '4', '--load', '1.0', '--num-requests', '6000', '--scheduler', 'trail', '--predictor', 'linear', '--kv-blocks', '2500'],
  lamps: ['--instances', '4', '--load', '0.9', '--num-requests', '4000', '--api-calls', 'infercept', '--scheduler', 'lamps', '--preemption', 'swap'],
  duration: ['--instances', '8', '--load', '0.95', '--duration', '400', '--router', 'power-of-d', '--scheduler', 'sprpt-aged', '--predictor', 'linear'],
  mixed: ['--workload', 'azure-mixed', '--instances', '8', '--load', '0.9', '--num-requests', '12000', '--router', 'gaps', '--scheduler', 'fastserve', '--preemption', 'swap', '--kv-blocks', '2000'],
  // GAPS at overload (many moves), with frequent rounds and more moves per round, and its ablations.
  gapsHeavy: ['--instances', '16', '--load', '1.2', '--num-requests', '20000', '--router', 'gaps', '--predictor', 'linear'],
  gapsMoves: ['--instances', '8', '--load', '1.0', '--num-requests', '10000', '--router', 'gaps:maxMovesPerRound=8,rebalanceIntervalS=0.5', '--predictor', 'linear'],
  gapsNoPred: ['--instances', '16', '--load', '1.0', '--num-requests', '15000', '--router', 'gaps-nopred'],
  gapsNoGlobal: ['--instances', '16', '--load', '1.0', '--num-requests', '15000', '--router', 'gaps-noglobal', '--predictor', 'linear'],
  gapsNoMonitor: ['--instances', '16', '--load', '1.0', '--num-requests', '15000', '--router', 'gaps-nomonitor', '--predictor', 'linear'],
  prefix: ['--trace', mooncake, '--prefix-caching', '--instances', '8', '--num-requests', '6000', '--router', 'least-kv'],
  prefixGaps: ['--trace', mooncake, '--prefix-caching', '--instances', '8', '--num-requests', '4000', '--router', 'gaps', '--scheduler', 'sprpt'],
  azure: ['--trace', azure, '--instances', '8', '--num-requests', '10000', '--router', 'power-of-d', '--scheduler', 'fcfs', '--no-chunked-prefill'],
};
const FILES = ['requests.csv', 'timeseries.csv', 'summary.json'];
const PROVENANCE = /"(date|commit|command)":/;

function hashes(dist: string, args: string[]): string[] {
  const out = mkdtempSync(join(tmpdir(), 'gaps-compare-'));
  try {
    const p = spawnSync(process.execPath, [join(dist, 'src', 'cli', 'main.js'), 'simulate', ...args, '--out', out, '--force'], { encoding: 'utf8' });
    if (p.status !== 0) return FILES.map(() => `failed: ${p.stderr.trim().split('\n').pop() ?? ''}`);
    return FILES.map((f) => {
      const text = readFileSync(join(out, f), 'utf8');
      const kept = f === 'summary.json' ? text.split('\n').filter((l) => !PROVENANCE.test(l)).join('\n') : text;
      return createHash('md5').update(kept).digest('hex');
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

let differ = 0;
let compared = 0;
for (const [name, args] of Object.entries(CONFIGS)) {
  const trace = args[args.indexOf('--trace') + 1];
  if (args.includes('--trace') && trace !== undefined && !existsSync(trace)) {
    process.stdout.write(`${name}: skipped (${trace} absent)\n`);
    continue;
  }
  const a = hashes(resolve(other), args);
  const b = hashes(here, args);
  FILES.forEach((f, i) => {
    const same = a[i] === b[i] && !(a[i] as string).startsWith('failed');
    compared++;
    if (!same) differ++;
    process.stdout.write(`${name} ${f} ${same ? 'same' : 'DIFFERENT'} ${a[i]} ${b[i]}\n`);
  });
}
process.stdout.write(`${compared - differ} of ${compared} outputs identical\n`);
process.exit(differ > 0 ? 1 : 0);
