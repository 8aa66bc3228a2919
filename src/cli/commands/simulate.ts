import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { DEFAULT_LOAD, DEFAULT_REQUESTS, parseSimulateConfig } from '../../run/config.js';
import { runSimulation } from '../../run/simulate.js';
import { routers } from '../../policies/routers/registry.js';
import { schedulers } from '../../policies/schedulers/registry.js';
import { predictors } from '../../predictors/registry.js';
import { apiCallProfiles } from '../../workload/apiCalls.js';
import { int, num, readJsonFile, setIfDefined } from '../options.js';
import { formatSummary, openRequestsCsv, RUN_FILES, writeRunFiles } from '../output.js';
import { prepareOutDir } from '../outDir.js';

export interface SimulateFlags {
  config?: string;
  trace?: string;
  workload?: string;
  traceType?: string;
  arrival?: string;
  rate?: number;
  load?: number;
  numRequests?: number;
  duration?: number;
  promptDist?: string;
  outputDist?: string;
  apiCalls?: string;
  instances?: number;
  router?: string;
  scheduler?: string;
  predictor?: string;
  deployment?: string;
  perfModel?: string;
  maxNumSeqs?: number;
  maxModelLen?: number;
  maxBatchedTokens?: number;
  chunkedPrefill?: boolean;
  blockSize?: number;
  gpuMemoryUtilization?: number;
  preemption?: string;
  swapSpace?: number;
  kvBlocks?: number;
  prefixCaching?: boolean;
  reportInterval?: number;
  sloTtft?: number;
  sloTpot?: number;
  sloSlack?: number;
  sloDeadline?: string;
  sloTbt?: number;
  seed?: number;
  check?: boolean;
  json?: boolean;
  out?: string;
  force?: boolean;
}


/** Where each flag lands in the config tree (docs: `gaps simulate --help`, src/run/config.ts). */
const FLAG_PATHS: readonly (readonly [keyof SimulateFlags, readonly string[]])[] = [
  ['trace', ['workload', 'trace']],
  ['workload', ['workload', 'preset']],
  ['traceType', ['workload', 'traceType']],
  ['arrival', ['workload', 'arrival']],
  ['rate', ['workload', 'rate']],
  ['load', ['workload', 'load']],
  ['numRequests', ['workload', 'numRequests']],
  ['duration', ['workload', 'durationS']],
  ['promptDist', ['workload', 'prompt']],
  ['outputDist', ['workload', 'output']],
  ['apiCalls', ['workload', 'apiCalls']],
  ['instances', ['instances']],
  ['router', ['router']],
  ['scheduler', ['scheduler']],
  ['predictor', ['predictor']],
  ['deployment', ['deployment']],
  ['perfModel', ['perfModel']],
  ['maxNumSeqs', ['engine', 'maxNumSeqs']],
  ['maxModelLen', ['engine', 'maxModelLen']],
  ['maxBatchedTokens', ['engine', 'maxBatchedTokens']],
  ['chunkedPrefill', ['engine', 'chunkedPrefill']],
  ['blockSize', ['engine', 'blockSize']],
  ['gpuMemoryUtilization', ['engine', 'gpuMemoryUtilization']],
  ['preemption', ['engine', 'preemption']],
  ['swapSpace', ['engine', 'swapSpaceGiB']],
  ['kvBlocks', ['engine', 'kvBlocks']],
  ['prefixCaching', ['engine', 'prefixCaching']],
  ['reportInterval', ['reportIntervalS']],
  ['sloTtft', ['slo', 'ttftS']],
  ['sloTpot', ['slo', 'tpotS']],
  ['sloSlack', ['slo', 'e2eSlack']],
  ['sloDeadline', ['slo', 'deadline']],
  ['sloTbt', ['slo', 'tbtS']],
  ['seed', ['seed']],
  ['check', ['check']],
];

/**
 * The config tree from a JSON file (if any) with the flags given on the command line on top.
 * `given` says whether a flag was typed (commander fills defaults, e.g. `--no-chunked-prefill`
 * implies chunkedPrefill = true, which must not override a config file).
 */
export function flagsToInput(f: SimulateFlags, given: (flag: keyof SimulateFlags) => boolean = () => true): Record<string, unknown> {
  const input: Record<string, unknown> = f.config ? (readJsonFile(f.config) as Record<string, unknown>) : {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  for (const [flag, path] of FLAG_PATHS) {
    if (given(flag)) setIfDefined(input, [...path], f[flag]);
  }
  return input;
}

/** The flags that build a simulation config (shared by `simulate` and `capacity`). */
export function withSimulateOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config (the same tree as summary config.json); flags override it')
    .option('--trace <path>', 'request trace: Azure LLM CSV (.csv) or Mooncake JSONL (.jsonl)')
    .option('--workload <preset>', 'synthetic preset: azure-conversation (default), azure-code, azure-mixed, sharegpt, alpaca')
    .option('--trace-type <type>', 'workload type label for trace requests (default: from the file name)')
    .option('--arrival <spec>', "arrival process: poisson | gamma:CV | onoff | trace (replay)")
    .option('--rate <req/s>', 'mean arrival rate; replays a trace time-scaled to it', num('--rate'))
    .option('--load <fraction>', `target load as a fraction of nominal cluster capacity (preset default ${DEFAULT_LOAD})`, num('--load'))
    .option('--num-requests <n>', `stop after n requests (preset default ${DEFAULT_REQUESTS})`, int('--num-requests'))
    .option('--duration <s>', 'stop at the first arrival after this many seconds', num('--duration'))
    .option('--prompt-dist <spec>', 'prompt lengths: fixed:N | lognormal:MEDIAN,SIGMA | pareto:XM,ALPHA')
    .option('--output-dist <spec>', 'output lengths, same forms as --prompt-dist')
    .option('--api-calls <spec>', `API calls per request from a profile: ${apiCallProfiles.names().join(', ')} (NAME or NAME:TYPE,TYPE)`)
    .option('--instances <n>', 'number of model replicas (default 8)', int('--instances'))
    .option('--router <name>', `cluster router (default least-outstanding): ${routers.names().join(', ')}`)
    .option('--scheduler <name>', `instance scheduler (default fcfs): ${schedulers.names().join(', ')}`)
    .option('--predictor <spec>', `output-length predictor before routing: ${predictors.names().map((n) => (n === 'noisy' ? 'noisy:E' : n)).join(', ')} (default for prediction-using routers: linear)`)
    .option('--deployment <name>', 'model/GPU[/tpN] preset (default llama-2-7b/a100-80gb); see gaps perf list')
    .option('--perf-model <spec>', 'auto (default: built-in calibration where measured, else roofline) | calibrated[:FILE] | roofline | vidur:DIR | splitwise:FILE | linear:A,B,C,D')
    .option('--max-num-seqs <n>', 'max sequences per batch (vLLM max_num_seqs, default 256)', int('--max-num-seqs'))
    .option('--max-model-len <n>', 'refuse requests whose prompt plus output exceed this (vLLM max_model_len; default: no limit)', int('--max-model-len'))
    .option('--max-batched-tokens <n>', 'max tokens per iteration (default 8192)', int('--max-batched-tokens'))
    .option('--no-chunked-prefill', 'vLLM V0 prefill-first batches instead of mixed chunked-prefill batches')
    .option('--block-size <n>', 'KV block size in tokens (default 16)', int('--block-size'))
    .option('--gpu-memory-utilization <f>', 'fraction of GPU memory for weights and KV (default 0.9)', num('--gpu-memory-utilization'))
    .option('--preemption <mode>', 'recompute (default) | swap')
    .option('--swap-space <GiB>', 'host memory per GPU for swapped KV (default 4)', num('--swap-space'))
    .option('--kv-blocks <n>', 'override the KV capacity derived from memory, blocks per instance', int('--kv-blocks'))
    .option('--prefix-caching', 'reuse cached prompt blocks by their hashes (vLLM automatic prefix caching; Mooncake traces carry hashes)')
    .option('--report-interval <s>', 'monitor report period seen by the router (default 0.05; 0 = live; else at least 0.001)', num('--report-interval'))
    .option('--slo-ttft <s>', 'TTFT target, seconds', num('--slo-ttft'))
    .option('--slo-tpot <s>', 'TPOT target, seconds', num('--slo-tpot'))
    .option('--slo-slack <x>', 'end-to-end deadline as a multiple of unloaded latency (default 5)', num('--slo-slack'))
    .option('--slo-deadline <mode>', "'gaps': judge each request against its own calibrated deadline arrival + (1+eps) x slack x unloaded(s~) (docs/GAPS.md)")
    .option('--slo-tbt <s>', 'time-between-tokens target, seconds (tbtSloAttainment; SLAI schedules by it)', num('--slo-tbt'))
    .option('--seed <n>', 'random seed (default 1)', int('--seed'))
    .option('--check', 'check invariants (KV conservation) after every iteration');
}

export function registerSimulateCommand(program: Command): void {
  withSimulateOptions(program.command('simulate').description('Simulate an LLM cluster on a trace or a synthetic workload and report latency metrics.'))
    .option('--json', 'print one JSON object on stdout (wall-clock figures go to stderr)')
    .option('--out <dir>', 'write requests.csv, timeseries.csv, summary.json and config.json')
    .option('--force', 'with --out: overwrite result files already there')
    .action((f: SimulateFlags, cmd: Command) => {
      const given = (flag: keyof SimulateFlags): boolean => cmd.getOptionValueSource(flag) === 'cli';
      const input = flagsToInput(f, given);
      // Time series are kept only when they are written (a sample a second by default).
      if (f.out && typeof input === 'object' && input !== null && !Array.isArray(input) && input['timeSeriesIntervalS'] === undefined) {
        input['timeSeriesIntervalS'] = 1;
      }
      const config = parseSimulateConfig(input, f.config ? `config '${f.config}'` : 'options');
      if (f.out) prepareOutDir(f.out, RUN_FILES, f.force === true);
      const t0 = performance.now();
      const requestsCsv = f.out ? openRequestsCsv(f.out) : undefined;
      const out = runSimulation(config, requestsCsv ? { requestSink: requestsCsv } : {});
      const wall = (performance.now() - t0) / 1000;
      const s = out.summary;
      if (f.json) process.stdout.write(`${JSON.stringify(s)}\n`);
      else process.stdout.write(formatSummary(out));
      if (f.out) {
        writeRunFiles(f.out, out, true);
        process.stderr.write(`wrote ${f.out}/{summary.json,config.json,requests.csv,timeseries.csv}\n`);
      }
      process.stderr.write(`perf model: ${s.perfModel.note}\n`);
      process.stderr.write(
        `wall ${wall.toFixed(2)} s, ${(s.events / wall / 1e6).toFixed(2)} M events/s, ${(s.simTimeS / wall).toFixed(0)}x real time\n`,
      );
    });
}
