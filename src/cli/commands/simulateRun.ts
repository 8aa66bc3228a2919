import { performance } from 'node:perf_hooks';
import { ConfigError } from '../../core/errors.js';
import { progressBar } from '../../experiments/sweep.js';
import { formatVllm, parseGoodput, parsePercentiles, vllmMetrics, DEFAULT_PERCENTILES, type VllmMetricsOptions } from '../../metrics/vllm.js';
import { parseSimulateConfig } from '../../run/config.js';
import { runSimulation, type RunOutput } from '../../run/simulate.js';
import { formatSummary, openRequestsCsv, RUN_FILES, writeRunFiles } from '../output.js';
import { prepareOutDir } from '../outDir.js';
import { provenance } from '../provenance.js';
import type { SimulateFlags } from './simulate.js';

/** `gaps simulate`'s run (loaded on demand by simulate.ts): results on stdout, the rest on stderr. */
export function runSimulateCommand(f: SimulateFlags, input: Record<string, unknown>): void {
  // Time series are kept only when they are written (a sample a second by default).
  if (f.out && typeof input === 'object' && input !== null && !Array.isArray(input) && input['timeSeriesIntervalS'] === undefined) {
    input['timeSeriesIntervalS'] = 1;
  }
  const config = parseSimulateConfig(input, f.config ? `config '${f.config}'` : 'options');
  metricChoice(f); // flag mistakes are reported before the run
  if (f.out) prepareOutDir(f.out, RUN_FILES, f.force === true);
  const t0 = performance.now();
  const requestsCsv = f.out ? openRequestsCsv(f.out) : undefined;
  const out = runSimulation(config, { ...(process.stderr.isTTY ? { progress: simulateProgress() } : {}), ...(requestsCsv ? { requestSink: requestsCsv } : {}) });
  const wall = (performance.now() - t0) / 1000;
  const s = out.summary;
  printResults(out, f);
  if (f.out) {
    writeRunFiles(f.out, out, provenance(config, config.seed), true);
    process.stderr.write(`wrote ${f.out}/{summary.json,config.json,resolved.json,requests.csv,timeseries.csv}\n`);
  }
  process.stderr.write(`perf model: ${s.perfModel.note}\n`);
  process.stderr.write(
    `wall ${wall.toFixed(2)} s, ${(s.events / wall / 1e6).toFixed(2)} M events/s, ${(s.simTimeS / wall).toFixed(0)}x real time\n`,
  );
}

const METRIC_SETS = ['gaps', 'vllm', 'both'] as const;

/** Which metric names to print: ours (default), vLLM's, or ours with a `vllm` block. */
function metricChoice(f: SimulateFlags): { set: (typeof METRIC_SETS)[number]; opts: VllmMetricsOptions } {
  const asked = f.percentiles !== undefined || f.goodput !== undefined;
  const set = (f.metrics ?? (asked ? 'both' : 'gaps')) as (typeof METRIC_SETS)[number];
  if (!METRIC_SETS.includes(set)) throw new ConfigError(`--metrics: expected one of ${METRIC_SETS.join(', ')}, got '${f.metrics}'`);
  return {
    set,
    opts: {
      percentiles: f.percentiles !== undefined ? parsePercentiles(f.percentiles) : DEFAULT_PERCENTILES,
      ...(f.goodput !== undefined ? { goodput: parseGoodput(f.goodput) } : {}),
    },
  };
}

/** A progress line with ETA on a terminal (arrivals pulled so far; the run drains after the last). */
function simulateProgress(): (arrived: number, total: number | undefined) => void {
  let bar: ((done: number, total: number) => void) | undefined;
  let last = -1;
  return (arrived, total) => {
    if (arrived === last) return;
    last = arrived;
    if (total === undefined) process.stderr.write(`\rsimulating: ${arrived} requests arrived`);
    else {
      bar ??= progressBar('simulating', (s) => process.stderr.write(s), true, () => performance.now() / 1000);
      bar(Math.min(arrived, total), total);
    }
  };
}

function printResults(out: RunOutput, f: SimulateFlags): void {
  const { set, opts } = metricChoice(f);
  const v = set === 'gaps' ? undefined : { ...vllmMetrics(out.result, opts), slo: out.summary.slo };
  if (f.json) {
    const obj = set === 'vllm' ? v : set === 'both' ? { ...out.summary, vllm: v } : out.summary;
    process.stdout.write(`${JSON.stringify(obj)}\n`);
    return;
  }
  if (set !== 'vllm') process.stdout.write(formatSummary(out));
  if (v) process.stdout.write(`${set === 'both' ? '\n' : ''}${formatVllm(v, opts.percentiles)}`);
}

